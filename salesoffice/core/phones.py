"""Phone numbers (SEC-07) and masking of personal data (SEC-02).

Accepted: a mainland mobile (11 digits starting 1[3-9]), a mainland landline with its area code
(``010-12345678``, ``0755 1234567``), or an explicitly foreign number in E.164 (``+44 20 7946 0958``).
Numbers are stored in E.164; ``last4`` feeds the counter lookup by the last four digits.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

import phonenumbers
from phonenumbers import PhoneNumberType

_SEPARATORS = re.compile(r"[\s\-()（）.]")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE = re.compile(r"^0[1-9]\d{1,2}\d{7,8}$", re.ASCII)


class InvalidPhone(ValueError):
    """The text is not a phone number the office can call."""


@dataclasses.dataclass(frozen=True)
class Phone:
    e164: str
    kind: str  # "mobile", "landline" or "foreign"
    area_code: str = ""

    @property
    def national(self) -> str:
        """The number as dialled in China (mainland numbers) or the E.164 form (foreign)."""
        if self.kind == "foreign":
            return self.e164
        digits = self.e164.removeprefix("+86")
        return digits if self.kind == "mobile" else "0" + digits

    @property
    def last4(self) -> str:
        return self.e164[-4:]


def normalize_phone(text: str) -> Phone:
    """Parse what a salesperson typed into a ``Phone``; raise ``InvalidPhone`` otherwise.

    Full-width digits and signs (what a Chinese input method types) read as ASCII; other scripts'
    digits are refused."""
    raw = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or ""))
    for prefix in ("+86", "0086"):
        if raw.startswith(prefix):
            raw = raw.removeprefix(prefix)
            # After the country code a landline drops its trunk 0: put it back.
            if not _MAINLAND_MOBILE.match(raw) and not raw.startswith("0"):
                raw = "0" + raw
            break
    else:
        if raw.startswith("00"):
            raw = "+" + raw.removeprefix("00")
        if raw.startswith("+"):
            return _foreign(raw)
    if _MAINLAND_MOBILE.match(raw):
        return Phone(e164="+86" + raw, kind="mobile")
    if _LANDLINE.match(raw):
        return _landline(raw)
    raise InvalidPhone(text)


def _landline(raw: str) -> Phone:
    parsed = phonenumbers.parse(raw, "CN")
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(raw)
    number_type = phonenumbers.number_type(parsed)
    if number_type not in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise InvalidPhone(raw)
    national = str(parsed.national_number)
    area_length = phonenumbers.length_of_geographical_area_code(parsed)
    return Phone(
        e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        kind="landline",
        area_code="0" + national[:area_length],
    )


def _foreign(raw: str) -> Phone:
    try:
        parsed = phonenumbers.parse(raw)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(raw) from None
    if not phonenumbers.is_valid_number(parsed) or parsed.country_code == 86:
        raise InvalidPhone(raw)
    return Phone(e164=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), kind="foreign")


def mask_phone(value: str) -> str:
    """SEC-02: ``138****8888`` for mobiles, area code + ``****`` + last 4 for landlines."""
    try:
        phone = normalize_phone(value)
    except InvalidPhone:
        return "****" + value[-4:] if len(value) > 4 else "****"
    if phone.kind == "mobile":
        national = phone.national
        return f"{national[:3]}****{national[-4:]}"
    if phone.kind == "landline":
        return f"{phone.area_code}-****{phone.last4}"
    return f"{phone.e164[:3]}****{phone.last4}"


def mask_id_number(value: str) -> str:
    """SEC-02: ID numbers keep the first 6 and last 4 characters (``110105********1234``)."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


_COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
    ]
)


def mask_name(value: str) -> str:
    """SEC-02: the surname, then ``*`` for each given-name character (``张**``); Latin names keep
    their first letter."""
    name = value.strip()
    if not name:
        return ""
    if name.isascii():
        first, *rest = name.split()
        masked = [first[0] + "*" * (len(first) - 1)] + ["*" * len(part) for part in rest]
        return " ".join(masked)
    surname_length = 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:surname_length] + "*" * (len(name) - surname_length)
