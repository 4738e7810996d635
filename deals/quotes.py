"""QUOTE-01: the counter's calculator: price after discounts, down payment, loans and fees.

Pure ``Decimal`` arithmetic. Monthly rates are the annual rate divided by 12, as Chinese banks quote them.
Every printed figure is rounded half up to the fen; totals are computed from the unrounded figures and
rounded once, which is how bank repayment tables print them (S-DEAL-4).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from deals.rules import FEN, DealRuleError, InvalidAmount, is_two_decimal, require_money, to_fen

# (1 + r) ** 360 needs more digits than the default context keeps to stay exact to the fen.
_PRECISION = 50


class InvalidLoanTerms(DealRuleError):
    code = "invalid_loan_terms"


class NoRateInEffect(DealRuleError):
    code = "no_rate_in_effect"


class LoanKind(StrEnum):
    COMMERCIAL = "commercial"
    PROVIDENT_FUND = "provident_fund"


class LoanType(StrEnum):
    FULL_PAYMENT = "full_payment"
    COMMERCIAL = "commercial"
    PROVIDENT_FUND = "provident_fund"
    COMBINED = "combined"


@dataclasses.dataclass(frozen=True)
class RateSetting:
    kind: LoanKind
    annual_rate: Decimal
    effective_on: dt.date


def effective_rate(*, rates: Iterable[RateSetting], kind: LoanKind, on: dt.date) -> Decimal:
    """QUOTE-01: the site's rate of ``kind`` in effect ``on`` a date: the latest one effective by then."""
    in_effect = [rate for rate in rates if rate.kind == kind and rate.effective_on <= on]
    if not in_effect:
        raise NoRateInEffect(f"no {kind} rate is in effect on {on.isoformat()}", kind=kind, on=on)
    return max(in_effect, key=lambda rate: rate.effective_on).annual_rate


def _check_loan(principal: Decimal, annual_rate: Decimal, months: int) -> None:
    require_money("loan principal", principal)
    if not isinstance(annual_rate, Decimal) or not Decimal(0) <= annual_rate < 1:
        raise InvalidLoanTerms(
            f"the annual rate must be a decimal from 0 to 1, not {annual_rate}", rate=annual_rate
        )
    if months < 1:
        raise InvalidLoanTerms(f"the term must be at least one month, not {months}", months=months)


@dataclasses.dataclass(frozen=True)
class EqualInstalments:
    """等额本息: the same payment every month."""

    principal: Decimal
    annual_rate: Decimal
    months: int
    monthly_payment: Decimal
    total_payment: Decimal
    total_interest: Decimal


def equal_instalments(*, principal: Decimal, annual_rate: Decimal, months: int) -> EqualInstalments:
    """QUOTE-01 equal instalments: P·r·(1+r)^n / ((1+r)^n − 1) a month, r the monthly rate.

    The monthly payment is rounded to the fen; total interest is the unrounded payment × n − P, rounded
    once (S-DEAL-4: 1,000,000 over 360 months at 3.5% → 4,490.45 a month, 616,560.88 interest).
    """
    _check_loan(principal, annual_rate, months)
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        rate = annual_rate / 12
        if rate == 0:
            exact = principal / months
        else:
            growth = (1 + rate) ** months
            exact = principal * rate * growth / (growth - 1)
        interest = to_fen(exact * months - principal)
    return EqualInstalments(
        principal=principal,
        annual_rate=annual_rate,
        months=months,
        monthly_payment=to_fen(exact),
        total_payment=principal + interest,
        total_interest=interest,
    )


@dataclasses.dataclass(frozen=True)
class EqualPrincipal:
    """等额本金: the same principal every month plus the interest on what is still owed."""

    principal: Decimal
    annual_rate: Decimal
    months: int
    monthly_principal: Decimal
    first_month_payment: Decimal
    monthly_decrease: Decimal
    last_month_payment: Decimal
    total_payment: Decimal
    total_interest: Decimal


def equal_principal(*, principal: Decimal, annual_rate: Decimal, months: int) -> EqualPrincipal:
    """QUOTE-01 equal principal: month k pays P/n + (P − (k−1)·P/n)·r, so each month is P/n·r less.

    Total interest is P·r·(n+1)/2 (S-DEAL-4: 5,694.44 the first month, 8.10 less each month,
    526,458.33 interest).
    """
    _check_loan(principal, annual_rate, months)
    with decimal.localcontext() as context:
        context.prec = _PRECISION
        rate = annual_rate / 12
        monthly_principal = principal / months
        interest = to_fen(principal * rate * (months + 1) / 2)
        first = to_fen(monthly_principal + principal * rate)
        decrease = to_fen(monthly_principal * rate)
        last = to_fen(monthly_principal * (1 + rate))
    return EqualPrincipal(
        principal=principal,
        annual_rate=annual_rate,
        months=months,
        monthly_principal=to_fen(monthly_principal),
        first_month_payment=first,
        monthly_decrease=decrease,
        last_month_payment=last,
        total_payment=principal + interest,
        total_interest=interest,
    )


@dataclasses.dataclass(frozen=True)
class QuoteDiscount:
    """An approved discount (DISC-02): either a share of the running total or a fixed amount off it."""

    label: str
    ratio: Decimal | None = None
    amount: Decimal | None = None


@dataclasses.dataclass(frozen=True)
class DiscountLine:
    label: str
    amount_off: Decimal
    total_after: Decimal


class FeeBasis(StrEnum):
    SHARE_OF_TOTAL = "share_of_total"
    PER_SQUARE_METRE = "per_square_metre"
    FIXED = "fixed"


@dataclasses.dataclass(frozen=True)
class FeeSetting:
    """A tax or fee of the site's settings, e.g. deed tax 1.5% of the total, maintenance fund per m²."""

    name: str
    basis: FeeBasis
    value: Decimal


@dataclasses.dataclass(frozen=True)
class FeeLine:
    name: str
    basis: FeeBasis
    value: Decimal
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class LoanQuote:
    kind: LoanKind
    principal: Decimal
    annual_rate: Decimal
    equal_instalments: EqualInstalments
    equal_principal: EqualPrincipal


@dataclasses.dataclass(frozen=True)
class Quote:
    """QUOTE-01 result. A combined loan is two loans repaid side by side, so its monthly figures are the sums
    of the two loans' printed figures."""

    list_total: Decimal
    discounts: tuple[DiscountLine, ...]
    total: Decimal
    down_payment: Decimal
    loan_amount: Decimal
    loans: tuple[LoanQuote, ...]
    fees: tuple[FeeLine, ...]
    fees_total: Decimal

    @property
    def equal_instalments_monthly(self) -> Decimal:
        return _sum(loan.equal_instalments.monthly_payment for loan in self.loans)

    @property
    def equal_instalments_total_interest(self) -> Decimal:
        return _sum(loan.equal_instalments.total_interest for loan in self.loans)

    @property
    def equal_principal_first_month(self) -> Decimal:
        return _sum(loan.equal_principal.first_month_payment for loan in self.loans)

    @property
    def equal_principal_monthly_decrease(self) -> Decimal:
        return _sum(loan.equal_principal.monthly_decrease for loan in self.loans)

    @property
    def equal_principal_total_interest(self) -> Decimal:
        return _sum(loan.equal_principal.total_interest for loan in self.loans)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, Decimal("0.00"))


def apply_discounts(*, list_total: Decimal, discounts: Sequence[QuoteDiscount]) -> tuple[DiscountLine, ...]:
    """QUOTE-01: approved discounts in order, each on the running total (a discount on a discount, 折上折)."""
    require_money("list total", list_total)
    lines = []
    total = list_total
    for discount in discounts:
        off = _discount_off(discount, total)
        if off > total:
            raise InvalidAmount(
                f"the discount {discount.label} exceeds the total {total}", label=discount.label
            )
        total -= off
        lines.append(DiscountLine(label=discount.label, amount_off=off, total_after=total))
    return tuple(lines)


def _discount_off(discount: QuoteDiscount, total: Decimal) -> Decimal:
    if discount.amount is not None and discount.ratio is None:
        require_money(f"discount {discount.label}", discount.amount)
        return discount.amount
    if discount.ratio is not None and discount.amount is None:
        if not Decimal(0) < discount.ratio < 1:
            raise InvalidAmount(
                f"the discount {discount.label} must be a ratio between 0 and 1", label=discount.label
            )
        return to_fen(total * discount.ratio)
    raise InvalidAmount(
        f"the discount {discount.label} needs either a ratio or an amount", label=discount.label
    )


def fee_lines(*, total: Decimal, area: Decimal | None, fees: Sequence[FeeSetting]) -> tuple[FeeLine, ...]:
    """QUOTE-01: taxes and fees listed per the site's settings, each to the fen."""
    return tuple(
        FeeLine(name=fee.name, basis=fee.basis, value=fee.value, amount=_fee_amount(fee, total, area))
        for fee in fees
    )


def _fee_amount(fee: FeeSetting, total: Decimal, area: Decimal | None) -> Decimal:
    if fee.basis == FeeBasis.SHARE_OF_TOTAL:
        return to_fen(total * fee.value)
    if fee.basis == FeeBasis.PER_SQUARE_METRE:
        if area is None or not is_two_decimal(area) or area <= 0:
            raise InvalidAmount(f"the fee {fee.name} is per m² and needs the unit's area", name=fee.name)
        return to_fen(area * fee.value)
    require_money(f"fee {fee.name}", fee.value, allow_zero=True)
    return fee.value


def _loan_amount(*, total: Decimal, down_payment_ratio: Decimal, loan_unit: Decimal) -> Decimal:
    # Banks lend whole multiples of a unit (often 1,000 or 10,000 yuan); the down payment takes the rest.
    if not Decimal(0) <= down_payment_ratio < 1:
        raise InvalidLoanTerms(
            f"the down payment ratio must be from 0 to below 1, not {down_payment_ratio}",
            ratio=down_payment_ratio,
        )
    require_money("loan unit", loan_unit)
    units = (total * (1 - down_payment_ratio) / loan_unit).to_integral_value(rounding=ROUND_DOWN)
    return units * loan_unit


def _loan_parts(
    *,
    loan_type: LoanType,
    loan_amount: Decimal,
    provident_fund_limit: Decimal | None,
) -> list[tuple[LoanKind, Decimal]]:
    if loan_type == LoanType.COMMERCIAL:
        return [(LoanKind.COMMERCIAL, loan_amount)]
    if loan_type == LoanType.PROVIDENT_FUND:
        return [(LoanKind.PROVIDENT_FUND, loan_amount)]
    # A combined loan takes as much as the provident fund lends and borrows the rest commercially.
    if provident_fund_limit is None:
        raise InvalidLoanTerms("a combined loan needs the provident fund's limit")
    require_money("provident fund limit", provident_fund_limit)
    provident = min(loan_amount, provident_fund_limit)
    parts = [(LoanKind.PROVIDENT_FUND, provident), (LoanKind.COMMERCIAL, loan_amount - provident)]
    return [(kind, amount) for kind, amount in parts if amount > 0]


def _rate_for(
    kind: LoanKind, commercial_rate: Decimal | None, provident_fund_rate: Decimal | None
) -> Decimal:
    rate = commercial_rate if kind == LoanKind.COMMERCIAL else provident_fund_rate
    if rate is None:
        raise InvalidLoanTerms(f"a {kind} loan needs its annual rate", kind=kind)
    return rate


def quote(
    *,
    list_total: Decimal,
    loan_type: LoanType,
    discounts: Sequence[QuoteDiscount] = (),
    down_payment_ratio: Decimal = Decimal("1"),
    months: int = 0,
    commercial_rate: Decimal | None = None,
    provident_fund_rate: Decimal | None = None,
    provident_fund_limit: Decimal | None = None,
    loan_unit: Decimal = FEN,
    area: Decimal | None = None,
    fees: Sequence[FeeSetting] = (),
) -> Quote:
    """QUOTE-01: total after approved discounts, down payment, loan(s) with both repayment methods, fees.

    For a loan, ``down_payment_ratio`` is the minimum share paid down and the loan is the rest rounded down
    to ``loan_unit``; rates come from ``effective_rate``. A combined loan borrows up to
    ``provident_fund_limit`` from the provident fund and the rest commercially. Fees on the total use the
    discounted total; fees per m² need ``area``.
    """
    discount_lines = apply_discounts(list_total=list_total, discounts=discounts)
    total = discount_lines[-1].total_after if discount_lines else list_total
    if loan_type == LoanType.FULL_PAYMENT:
        loan_amount = Decimal("0.00")
        parts: list[tuple[LoanKind, Decimal]] = []
    else:
        loan_amount = _loan_amount(total=total, down_payment_ratio=down_payment_ratio, loan_unit=loan_unit)
        parts = _loan_parts(
            loan_type=loan_type, loan_amount=loan_amount, provident_fund_limit=provident_fund_limit
        )
    loans = tuple(
        _loan_quote(kind, principal, _rate_for(kind, commercial_rate, provident_fund_rate), months)
        for kind, principal in parts
    )
    lines = fee_lines(total=total, area=area, fees=fees)
    return Quote(
        list_total=list_total,
        discounts=discount_lines,
        total=total,
        down_payment=total - loan_amount,
        loan_amount=loan_amount,
        loans=loans,
        fees=lines,
        fees_total=_sum(line.amount for line in lines),
    )


def _loan_quote(kind: LoanKind, principal: Decimal, annual_rate: Decimal, months: int) -> LoanQuote:
    return LoanQuote(
        kind=kind,
        principal=principal,
        annual_rate=annual_rate,
        equal_instalments=equal_instalments(principal=principal, annual_rate=annual_rate, months=months),
        equal_principal=equal_principal(principal=principal, annual_rate=annual_rate, months=months),
    )
