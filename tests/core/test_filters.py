from decimal import Decimal

from salesoffice.core.templatetags.office import yuan


def test_money_is_grouped_with_two_decimals():
    assert yuan(Decimal("3000000")) == "¥3,000,000.00"
    assert yuan(Decimal("4490.454")) == "¥4,490.45"
    assert yuan(None) == "—"
