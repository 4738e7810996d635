"""QUOTE-01 calculator against S-DEAL-4 and published bank repayment tables (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deals import quotes
from deals.quotes import FeeBasis, FeeSetting, LoanKind, LoanType, QuoteDiscount, RateSetting
from deals.rules import InvalidAmount

MILLION = Decimal("1000000.00")


def test_quote01_s_deal_4_equal_instalments():
    plan = quotes.equal_instalments(principal=MILLION, annual_rate=Decimal("0.035"), months=360)
    assert plan.monthly_payment == Decimal("4490.45")
    assert plan.total_interest == Decimal("616560.88")
    assert plan.total_payment == Decimal("1616560.88")


def test_quote01_s_deal_4_total_interest_comes_from_the_unrounded_instalment():
    # The printed instalment × 360 − principal would be 616,562.00; banks print 616,560.88.
    plan = quotes.equal_instalments(principal=MILLION, annual_rate=Decimal("0.035"), months=360)
    assert plan.monthly_payment * 360 - MILLION == Decimal("616562.00")
    assert plan.total_interest != plan.monthly_payment * 360 - MILLION


def test_quote01_s_deal_4_equal_principal():
    plan = quotes.equal_principal(principal=MILLION, annual_rate=Decimal("0.035"), months=360)
    assert plan.first_month_payment == Decimal("5694.44")
    assert plan.monthly_decrease == Decimal("8.10")
    assert plan.total_interest == Decimal("526458.33")
    assert plan.monthly_principal == Decimal("2777.78")
    assert plan.last_month_payment == Decimal("2785.88")


@pytest.mark.parametrize(
    ("rate", "months", "monthly", "interest"),
    [
        ("0.049", 240, "6544.44", "570665.72"),  # commercial benchmark, 20 years
        ("0.049", 360, "5307.27", "910616.19"),  # commercial benchmark, 30 years
        ("0.0325", 360, "4352.06", "566742.75"),  # provident fund, 30 years
        ("0.031", 360, "4270.16", "537259.04"),  # provident fund after 2022, 30 years
    ],
)
def test_quote01_equal_instalments_match_bank_tables(rate, months, monthly, interest):
    plan = quotes.equal_instalments(principal=MILLION, annual_rate=Decimal(rate), months=months)
    assert (plan.monthly_payment, plan.total_interest) == (Decimal(monthly), Decimal(interest))


@pytest.mark.parametrize(
    ("rate", "months", "first", "decrease", "interest"),
    [
        ("0.049", 240, "8250.00", "17.01", "492041.67"),
        ("0.049", 360, "6861.11", "11.34", "737041.67"),
        ("0.0325", 360, "5486.11", "7.52", "488854.17"),
    ],
)
def test_quote01_equal_principal_matches_bank_tables(rate, months, first, decrease, interest):
    plan = quotes.equal_principal(principal=MILLION, annual_rate=Decimal(rate), months=months)
    assert (plan.first_month_payment, plan.monthly_decrease, plan.total_interest) == (
        Decimal(first),
        Decimal(decrease),
        Decimal(interest),
    )


def test_quote01_an_interest_free_loan_repays_the_principal_evenly():
    instalments = quotes.equal_instalments(principal=Decimal("120000.00"), annual_rate=Decimal(0), months=120)
    principal = quotes.equal_principal(principal=Decimal("120000.00"), annual_rate=Decimal(0), months=120)
    assert (instalments.monthly_payment, instalments.total_interest) == (Decimal("1000.00"), Decimal("0.00"))
    assert (principal.first_month_payment, principal.monthly_decrease) == (
        Decimal("1000.00"),
        Decimal("0.00"),
    )


@pytest.mark.parametrize(
    ("principal", "rate", "months", "error"),
    [
        (Decimal("0.00"), Decimal("0.035"), 360, InvalidAmount),
        (MILLION, Decimal("0.035"), 0, quotes.InvalidLoanTerms),
        (MILLION, Decimal("1"), 360, quotes.InvalidLoanTerms),
        (MILLION, Decimal("-0.01"), 360, quotes.InvalidLoanTerms),
    ],
)
def test_quote01_loan_terms_are_checked(principal, rate, months, error):
    with pytest.raises(error):
        quotes.equal_instalments(principal=principal, annual_rate=rate, months=months)


def test_quote01_combined_loan_with_discounts_and_fees():
    # Given a 2,000,000 unit with a 1% discount then 10,000 off, 30% down, loans in whole 10,000s,
    # up to 600,000 from the provident fund at 3.1% and the rest commercial at 4.9% over 30 years,
    quote = quotes.quote(
        list_total=Decimal("2000000.00"),
        discounts=[
            QuoteDiscount(label="opening", ratio=Decimal("0.01")),
            QuoteDiscount(label="full set", amount=Decimal("10000.00")),
        ],
        loan_type=LoanType.COMBINED,
        down_payment_ratio=Decimal("0.30"),
        months=360,
        commercial_rate=Decimal("0.049"),
        provident_fund_rate=Decimal("0.031"),
        provident_fund_limit=Decimal("600000.00"),
        loan_unit=Decimal("10000.00"),
        area=Decimal("89.37"),
        fees=[
            FeeSetting(name="deed tax", basis=FeeBasis.SHARE_OF_TOTAL, value=Decimal("0.015")),
            FeeSetting(name="maintenance fund", basis=FeeBasis.PER_SQUARE_METRE, value=Decimal("65")),
            FeeSetting(name="certificate fee", basis=FeeBasis.FIXED, value=Decimal("80.00")),
        ],
    )
    # then the price, the split and each loan are those of the bank tables, and the two loans add up.
    assert [(line.amount_off, line.total_after) for line in quote.discounts] == [
        (Decimal("20000.00"), Decimal("1980000.00")),
        (Decimal("10000.00"), Decimal("1970000.00")),
    ]
    assert (quote.total, quote.loan_amount, quote.down_payment) == (
        Decimal("1970000.00"),
        Decimal("1370000.00"),
        Decimal("600000.00"),
    )
    assert [(loan.kind, loan.principal) for loan in quote.loans] == [
        (LoanKind.PROVIDENT_FUND, Decimal("600000.00")),
        (LoanKind.COMMERCIAL, Decimal("770000.00")),
    ]
    assert [loan.equal_instalments.monthly_payment for loan in quote.loans] == [
        Decimal("2562.10"),
        Decimal("4086.60"),
    ]
    assert quote.equal_instalments_monthly == Decimal("6648.70")
    assert quote.equal_instalments_total_interest == Decimal("1023529.89")
    assert quote.equal_principal_first_month == Decimal("8499.73")
    assert quote.equal_principal_monthly_decrease == Decimal("13.04")
    assert quote.equal_principal_total_interest == Decimal("847297.08")
    assert [line.amount for line in quote.fees] == [Decimal("29550.00"), Decimal("5809.05"), Decimal("80.00")]
    assert quote.fees_total == Decimal("35439.05")


def test_quote01_s_deal_4_as_a_commercial_loan_quote():
    quote = quotes.quote(
        list_total=Decimal("2000000.00"),
        loan_type=LoanType.COMMERCIAL,
        down_payment_ratio=Decimal("0.5"),
        months=360,
        commercial_rate=Decimal("0.035"),
    )
    assert (quote.down_payment, quote.loan_amount) == (Decimal("1000000.00"), MILLION)
    assert quote.equal_instalments_monthly == Decimal("4490.45")
    assert quote.equal_principal_first_month == Decimal("5694.44")


def test_quote01_a_combined_loan_within_the_provident_fund_limit_is_one_loan():
    quote = quotes.quote(
        list_total=Decimal("1000000.00"),
        loan_type=LoanType.COMBINED,
        down_payment_ratio=Decimal("0.3"),
        months=240,
        commercial_rate=Decimal("0.049"),
        provident_fund_rate=Decimal("0.031"),
        provident_fund_limit=Decimal("1200000.00"),
    )
    assert [(loan.kind, loan.principal) for loan in quote.loans] == [
        (LoanKind.PROVIDENT_FUND, Decimal("700000.00"))
    ]


def test_quote01_full_payment_has_no_loan():
    quote = quotes.quote(list_total=Decimal("1787400.00"), loan_type=LoanType.FULL_PAYMENT)
    assert (quote.total, quote.down_payment, quote.loan_amount, quote.loans) == (
        Decimal("1787400.00"),
        Decimal("1787400.00"),
        Decimal("0.00"),
        (),
    )
    assert quote.equal_instalments_monthly == Decimal("0.00")


def test_quote01_the_loan_is_rounded_down_to_the_loan_unit_and_the_down_payment_takes_the_rest():
    quote = quotes.quote(
        list_total=Decimal("1787400.00"),
        loan_type=LoanType.PROVIDENT_FUND,
        down_payment_ratio=Decimal("0.2"),
        months=360,
        provident_fund_rate=Decimal("0.031"),
        loan_unit=Decimal("1000.00"),
    )
    assert (quote.loan_amount, quote.down_payment) == (Decimal("1429000.00"), Decimal("358400.00"))


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (
            {
                "loan_type": LoanType.COMBINED,
                "commercial_rate": Decimal("0.049"),
                "provident_fund_rate": Decimal("0.031"),
            },
            quotes.InvalidLoanTerms,
        ),
        ({"loan_type": LoanType.COMMERCIAL}, quotes.InvalidLoanTerms),
        (
            {
                "loan_type": LoanType.COMMERCIAL,
                "commercial_rate": Decimal("0.049"),
                "down_payment_ratio": Decimal("1"),
            },
            quotes.InvalidLoanTerms,
        ),
        ({"loan_type": LoanType.FULL_PAYMENT, "discounts": [QuoteDiscount(label="x")]}, InvalidAmount),
        (
            {
                "loan_type": LoanType.FULL_PAYMENT,
                "discounts": [QuoteDiscount(label="x", ratio=Decimal("0.01"), amount=Decimal("1.00"))],
            },
            InvalidAmount,
        ),
        (
            {
                "loan_type": LoanType.FULL_PAYMENT,
                "discounts": [QuoteDiscount(label="x", amount=Decimal("2000000.01"))],
            },
            InvalidAmount,
        ),
        (
            {
                "loan_type": LoanType.FULL_PAYMENT,
                "fees": [FeeSetting(name="fund", basis=FeeBasis.PER_SQUARE_METRE, value=Decimal("65"))],
            },
            InvalidAmount,
        ),
    ],
    ids=[
        "no_fund_limit",
        "no_rate",
        "all_down",
        "empty_discount",
        "two_kinds",
        "too_large",
        "fee_without_area",
    ],
)
def test_quote01_incomplete_or_impossible_input_is_refused(arguments, error):
    defaults = {"list_total": Decimal("2000000.00"), "months": 360, "down_payment_ratio": Decimal("0.3")}
    with pytest.raises(error):
        quotes.quote(**{**defaults, **arguments})


RATES = [
    RateSetting(kind=LoanKind.COMMERCIAL, annual_rate=Decimal("0.049"), effective_on=dt.date(2015, 10, 24)),
    RateSetting(kind=LoanKind.COMMERCIAL, annual_rate=Decimal("0.041"), effective_on=dt.date(2023, 1, 1)),
    RateSetting(
        kind=LoanKind.PROVIDENT_FUND, annual_rate=Decimal("0.031"), effective_on=dt.date(2022, 10, 1)
    ),
    RateSetting(
        kind=LoanKind.PROVIDENT_FUND, annual_rate=Decimal("0.0285"), effective_on=dt.date(2024, 5, 18)
    ),
]


@pytest.mark.parametrize(
    ("kind", "on", "rate"),
    [
        (LoanKind.COMMERCIAL, dt.date(2022, 12, 31), "0.049"),
        (LoanKind.COMMERCIAL, dt.date(2023, 1, 1), "0.041"),
        (LoanKind.PROVIDENT_FUND, dt.date(2024, 5, 17), "0.031"),
        (LoanKind.PROVIDENT_FUND, dt.date(2025, 1, 1), "0.0285"),
    ],
)
def test_quote01_the_rate_in_effect_on_the_day_applies(kind, on, rate):
    assert quotes.effective_rate(rates=RATES, kind=kind, on=on) == Decimal(rate)


def test_quote01_no_rate_before_the_first_effective_date():
    with pytest.raises(quotes.NoRateInEffect) as refused:
        quotes.effective_rate(rates=RATES, kind=LoanKind.PROVIDENT_FUND, on=dt.date(2020, 1, 1))
    assert refused.value.code == "no_rate_in_effect"


@given(
    principal=st.decimals(min_value=Decimal("10000.00"), max_value=Decimal("5000000.00"), places=2),
    rate=st.decimals(min_value=Decimal("0.0010"), max_value=Decimal("0.1000"), places=4),
    months=st.integers(min_value=2, max_value=360),
)
def test_quote01_property_equal_principal_costs_less_interest_but_starts_higher(principal, rate, months):
    instalments = quotes.equal_instalments(principal=principal, annual_rate=rate, months=months)
    principal_plan = quotes.equal_principal(principal=principal, annual_rate=rate, months=months)
    assert principal_plan.total_interest <= instalments.total_interest
    assert principal_plan.first_month_payment >= instalments.monthly_payment
    assert principal_plan.last_month_payment <= instalments.monthly_payment
    # The instalment repays the loan: n payments cover the principal and the interest, to the fen.
    assert abs(instalments.monthly_payment * months - instalments.total_payment) <= Decimal("0.005") * months
