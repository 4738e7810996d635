"""Pure customers rules: REG-02 completeness, CUS-01 stages."""

import pytest

from customers.rules import needs_problems, registration_missing_items, stage_after


def test_reg02_three_basic_items():
    assert registration_missing_items(name="张三", gender="male", phone_count=1, needs={"budget": "1"}) == []
    assert registration_missing_items(name="张", gender="unknown", phone_count=0, needs={}) == [
        "name_gender", "phone", "needs",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("current", "requested", "expected"),
    [
        ("new", "deposited", "deposited"),
        ("following", "subscribed", "subscribed"),
        ("contracted", "deposited", "contracted"),  # never backwards by a late message
        ("contracted", "owner", "owner"),
        ("subscribed", "deal_ended", "following"),
        ("owner", "deal_ended", "owner"),
        ("lost", "deposited", "deposited"),
    ],
)
def test_cus01_stage_moves_forward_only(current, requested, expected):
    assert stage_after(current=current, requested=requested) == expected


def test_cus01_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="unknown stage"):
        stage_after(current="new", requested="teleported")


@pytest.mark.parametrize(
    ("needs", "problems"),
    [
        ({"budget": "3000000", "area": "90-120", "layout": "3室"}, {}),
        ({"budget": "300万"}, {"budget": "money"}),
        ({"budget": -5}, {"budget": "money"}),
        ({"budget": "NaN"}, {"budget": "money"}),
        ({"area": "abc"}, {"area": "area"}),
        ({"layout": "x" * 101}, {"layout": "text"}),
        ({"colour": "red"}, {"colour": "unknown"}),
    ],
)
def test_sec07_needs_are_checked_at_the_boundary(needs, problems):
    assert needs_problems(needs) == problems
