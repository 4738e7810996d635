"""SEC-07 phone validation and SEC-02 masking."""

import pytest

from salesoffice.core.phones import InvalidPhone, mask_id_number, mask_name, mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("text", "e164", "kind"),
    [
        ("13812345678", "+8613812345678", "mobile"),
        ("138 1234 5678", "+8613812345678", "mobile"),
        ("138-1234-5678", "+8613812345678", "mobile"),
        ("+86 138 1234 5678", "+8613812345678", "mobile"),
        ("008613812345678", "+8613812345678", "mobile"),
        ("19912345678", "+8619912345678", "mobile"),
        ("010-12345678", "+861012345678", "landline"),
        ("(0755) 12345678", "+8675512345678", "landline"),
        ("+86 10 1234 5678", "+861012345678", "landline"),
        ("+44 20 7946 0958", "+442079460958", "foreign"),
        ("0044 20 7946 0958", "+442079460958", "foreign"),
        ("+1 650 253 0000", "+16502530000", "foreign"),
    ],
)
def test_sec07_accepts_mobile_landline_and_foreign(text, e164, kind):
    phone = normalize_phone(text)
    assert (phone.e164, phone.kind) == (e164, kind)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12345",
        "1381234567",
        "138123456789",
        "12812345678",
        "abcdefghijk",
        "020-1234",
        "+86 999",
        "+999 1234",
    ],
)
def test_sec07_rejects_what_is_not_a_callable_number(text):
    with pytest.raises(InvalidPhone):
        normalize_phone(text)


def test_last4_and_national_forms():
    phone = normalize_phone("010-12345678")
    assert phone.last4 == "5678"
    assert phone.national == "01012345678"
    assert phone.area_code == "010"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+8613812348888", "138****8888"),
        ("13812348888", "138****8888"),
        ("+861012345678", "010-****5678"),
        ("+8675512345678", "0755-****5678"),
        ("+442079460958", "+44****0958"),
    ],
)
def test_sec02_phone_masking(value, masked):
    assert mask_phone(value) == masked


def test_sec02_masked_phone_never_contains_the_middle_digits():
    assert "1234" not in mask_phone("+8613812348888")


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳", "欧*"),
        ("John Smith", "J*** *****"),
        ("", ""),
    ],
)
def test_sec02_name_masking(value, masked):
    assert mask_name(value) == masked


def test_sec02_id_number_masking():
    assert mask_id_number("110105199001011234") == "110105********1234"
    assert mask_id_number("G1234567") == "********"
