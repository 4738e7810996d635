"""Pure decisions of the deals app (deals.md): statuses, deposits, discounts, commission and payments.

No Django and no clock: every function takes plain values (and the current time when time matters) and
returns a verdict, or raises a ``DealRuleError`` whose ``code`` is stable and whose ``params`` carry the
figures, so that the Django layer can translate the message. Money is ``Decimal`` yuan with two decimals,
rounded half up to the fen like a bank statement.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import ClassVar

from salesoffice.core.policy import Policy
from salesoffice.core.roles import MANAGER_ROLES, Role

FEN = Decimal("0.01")

PartyId = int | str


# --- Errors ---


class DealRuleError(Exception):
    """A decision refused by a rule: ``code`` is stable, ``params`` holds the figures of the message."""

    code: ClassVar[str] = "deal_rule_error"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class TransitionNotAllowed(DealRuleError):
    code = "transition_not_allowed"


class UnitUnavailable(TransitionNotAllowed):
    code = "unit_unavailable"


class RoleNotPermitted(DealRuleError):
    code = "role_not_permitted"


class InvalidAmount(DealRuleError):
    code = "invalid_amount"


class DepositBelowMinimum(DealRuleError):
    code = "deposit_below_minimum"


class DepositAboveMaximum(DealRuleError):
    code = "deposit_above_maximum"


class HoldExtensionNotAllowed(DealRuleError):
    code = "hold_extension_not_allowed"


class TopUpBelowPaid(DealRuleError):
    code = "top_up_below_paid"


class OrderMismatch(DealRuleError):
    code = "order_mismatch"


class DiscountBeyondAuthority(DealRuleError):
    code = "discount_beyond_authority"


class InvalidShares(DealRuleError):
    code = "invalid_shares"


class InvalidReversal(DealRuleError):
    code = "invalid_reversal"


class ScheduleMismatch(DealRuleError):
    code = "schedule_mismatch"


# --- Money ---


def to_fen(value: Decimal) -> Decimal:
    """Round half up to the fen (0.01 yuan), as a bank statement prints money."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def is_two_decimal(value: Decimal) -> bool:
    """Whether ``value`` is a finite ``Decimal`` with no more than two decimals (money, m²)."""
    return isinstance(value, Decimal) and value.is_finite() and value == value.quantize(FEN)


def require_money(name: str, value: Decimal, *, allow_zero: bool = False) -> None:
    """Refuse a money input that is not a positive (or zero, when allowed) two-decimal ``Decimal``."""
    if not is_two_decimal(value) or value < 0 or (value == 0 and not allow_zero):
        raise InvalidAmount(
            f"{name} must be a positive amount in yuan with two decimals, not {value}", name=name
        )


def _require_aware(name: str, value: dt.datetime) -> None:
    # A naive time would silently shift hold deadlines by the server's offset.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


# --- Roles and transition tables (UNIT-02 and the deal tables) ---


# The actor of scheduled jobs (hold expiry), beside the staff roles of SEC-01.
SYSTEM = "system"


@dataclasses.dataclass(frozen=True)
class Transition:
    source: str
    action: str
    target: str
    roles: frozenset[str]


@dataclasses.dataclass(frozen=True)
class TransitionTable:
    """A closed state machine: every transition starts and ends in ``states``, every state is reachable from
    an initial one, and (source, action) is unique."""

    name: str
    states: frozenset[str]
    initial: frozenset[str]
    transitions: tuple[Transition, ...]

    def __post_init__(self) -> None:
        keys = [(t.source, t.action) for t in self.transitions]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.name}: an action leads to two states")
        used = {t.source for t in self.transitions} | {t.target for t in self.transitions} | self.initial
        if not used <= self.states:
            raise ValueError(f"{self.name}: unknown states {sorted(used - self.states)}")
        unreachable = self.states - self._reachable()
        if unreachable:
            raise ValueError(f"{self.name}: unreachable states {sorted(unreachable)}")

    def _reachable(self) -> set[str]:
        reached = set(self.initial)
        frontier = list(self.initial)
        while frontier:
            source = frontier.pop()
            for transition in self.transitions:
                if transition.source == source and transition.target not in reached:
                    reached.add(transition.target)
                    frontier.append(transition.target)
        return reached

    def find(self, *, source: str, action: str) -> Transition | None:
        return next((t for t in self.transitions if t.source == source and t.action == action), None)

    def actions_from(self, source: str) -> tuple[str, ...]:
        return tuple(t.action for t in self.transitions if t.source == source)

    @property
    def terminal(self) -> frozenset[str]:
        return self.states - {t.source for t in self.transitions}


def make_table(
    *,
    name: str,
    states: Iterable[str],
    initial: Iterable[str],
    rows: Iterable[tuple[Iterable[str], str, str, Iterable[str]]],
) -> TransitionTable:
    """Build a table from rows of (sources, action, target, roles)."""
    return TransitionTable(
        name=name,
        states=frozenset(str(state) for state in states),
        initial=frozenset(str(state) for state in initial),
        transitions=tuple(
            Transition(
                source=str(source), action=action, target=str(target), roles=frozenset(map(str, roles))
            )
            for sources, action, target, roles in rows
            for source in sources
        ),
    )


def check_transition(*, table: TransitionTable, current: str, action: str, role: str) -> str:
    """The status ``action`` by ``role`` leads to from ``current``, refused when the table has no such move.

    Raises ``TransitionNotAllowed`` when the action does not start from ``current`` and ``RoleNotPermitted``
    when the role may not take it.
    """
    transition = table.find(source=current, action=action)
    if transition is None:
        raise TransitionNotAllowed(
            f"{table.name}: cannot {action} from {current}", table=table.name, current=current, action=action
        )
    if role not in transition.roles:
        raise RoleNotPermitted(
            f"{table.name}: a {role} may not {action}", table=table.name, action=action, role=role
        )
    return transition.target


class UnitStatus(StrEnum):
    WITHHELD = "withheld"
    AVAILABLE = "available"
    ON_HOLD = "on_hold"
    RESERVED = "reserved"
    CONTRACTED = "contracted"
    HANDED_OVER = "handed_over"


class UnitAction(StrEnum):
    RELEASE = "release"
    WITHHOLD = "withhold"
    HOLD = "hold"
    RESERVE = "reserve"
    TOP_UP = "top_up"
    SIGN = "sign"
    HAND_OVER = "hand_over"
    EXPIRE = "expire"
    CHANGE_UNIT = "change_unit"
    CANCEL = "cancel"


# SEC-01: a deputy holds the site manager's rights; the matrix of roles lives in ``salesoffice.core.roles``.
_MANAGER = tuple(sorted(MANAGER_ROLES))
_SELLERS = (Role.SALESPERSON, *_MANAGER)
_HELD = (UnitStatus.ON_HOLD, UnitStatus.RESERVED)

UNIT_TRANSITIONS = make_table(
    name="unit",
    states=UnitStatus,
    initial=(UnitStatus.WITHHELD, UnitStatus.AVAILABLE),
    rows=(
        # UNIT-02: only the site manager puts units on sale and takes them off.
        ((UnitStatus.WITHHELD,), UnitAction.RELEASE, UnitStatus.AVAILABLE, _MANAGER),
        ((UnitStatus.AVAILABLE,), UnitAction.WITHHOLD, UnitStatus.WITHHELD, _MANAGER),
        ((UnitStatus.AVAILABLE,), UnitAction.HOLD, UnitStatus.ON_HOLD, _SELLERS),
        ((UnitStatus.AVAILABLE,), UnitAction.RESERVE, UnitStatus.RESERVED, _SELLERS),
        ((UnitStatus.ON_HOLD,), UnitAction.TOP_UP, UnitStatus.RESERVED, _SELLERS),
        ((UnitStatus.RESERVED,), UnitAction.SIGN, UnitStatus.CONTRACTED, _SELLERS),
        (
            (UnitStatus.CONTRACTED,),
            UnitAction.HAND_OVER,
            UnitStatus.HANDED_OVER,
            (Role.SERVICE, *_MANAGER),
        ),
        (_HELD, UnitAction.EXPIRE, UnitStatus.AVAILABLE, (SYSTEM, *_MANAGER)),
        (_HELD, UnitAction.CHANGE_UNIT, UnitStatus.AVAILABLE, _SELLERS),
        ((*_HELD, UnitStatus.CONTRACTED), UnitAction.CANCEL, UnitStatus.AVAILABLE, _MANAGER),
    ),
)

# Taking a unit for a customer: refused as "no longer available" (UNIT-03, S-DEAL-1) unless it is available.
_ACQUIRING = frozenset({UnitAction.HOLD, UnitAction.RESERVE})


def check_unit_transition(*, current: str, action: str, role: str) -> str:
    """UNIT-02/UNIT-03: the unit's next status; a hold or reservation of a taken unit is ``UnitUnavailable``.

    A top-up (DEP-04) moves the customer's own hold to a reservation; that the hold belongs to the same
    customer is the caller's check.
    """
    if action in _ACQUIRING and current != UnitStatus.AVAILABLE:
        raise UnitUnavailable(f"unit no longer available: it is {current}", current=current, action=action)
    return check_transition(table=UNIT_TRANSITIONS, current=current, action=action, role=role)


class DepositKind(StrEnum):
    SMALL = "small"
    LARGE = "large"


class DepositStatus(StrEnum):
    ACTIVE = "active"
    TOPPED_UP = "topped_up"
    CONVERTED = "converted"
    REFUNDED = "refunded"
    FORFEITED = "forfeited"
    RETURNED_DOUBLE = "returned_double"
    TRANSFERRED = "transferred"


class DepositAction(StrEnum):
    TOP_UP = "top_up"
    CONVERT = "convert"
    EXTEND = "extend"
    REFUND = "refund"
    FORFEIT = "forfeit"
    RETURN_DOUBLE = "return_double"
    TRANSFER = "transfer"


_ACTIVE = (DepositStatus.ACTIVE,)
# Refunds and forfeitures are approved by the site manager (DEP-06) or applied by the expiry job (DEP-03).
_SETTLERS = (*_MANAGER, SYSTEM)

DEPOSIT_TRANSITIONS: Mapping[DepositKind, TransitionTable] = {
    DepositKind.SMALL: make_table(
        name="small deposit",
        states=(
            *_ACTIVE,
            DepositStatus.TOPPED_UP,
            DepositStatus.REFUNDED,
            DepositStatus.FORFEITED,
            DepositStatus.TRANSFERRED,
        ),
        initial=_ACTIVE,
        rows=(
            (_ACTIVE, DepositAction.TOP_UP, DepositStatus.TOPPED_UP, _SELLERS),
            (_ACTIVE, DepositAction.REFUND, DepositStatus.REFUNDED, _SETTLERS),
            (_ACTIVE, DepositAction.FORFEIT, DepositStatus.FORFEITED, _SETTLERS),
            (_ACTIVE, DepositAction.TRANSFER, DepositStatus.TRANSFERRED, _SELLERS),
        ),
    ),
    DepositKind.LARGE: make_table(
        name="large deposit",
        states=set(DepositStatus) - {DepositStatus.TOPPED_UP},
        initial=_ACTIVE,
        rows=(
            (_ACTIVE, DepositAction.CONVERT, DepositStatus.CONVERTED, _SELLERS),
            (_ACTIVE, DepositAction.EXTEND, DepositStatus.ACTIVE, _MANAGER),
            (_ACTIVE, DepositAction.REFUND, DepositStatus.REFUNDED, _SETTLERS),
            (_ACTIVE, DepositAction.FORFEIT, DepositStatus.FORFEITED, _SETTLERS),
            (_ACTIVE, DepositAction.RETURN_DOUBLE, DepositStatus.RETURNED_DOUBLE, _MANAGER),
            (_ACTIVE, DepositAction.TRANSFER, DepositStatus.TRANSFERRED, _SELLERS),
        ),
    ),
}


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    CONTRACTED = "contracted"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REPLACED = "replaced"


class SubscriptionAction(StrEnum):
    SIGN = "sign"
    EXPIRE = "expire"
    CANCEL = "cancel"
    CHANGE_UNIT = "change_unit"


# CON-01: the subscription form signed with the large deposit; DEP-05 replaces it on a unit change.
SUBSCRIPTION_TRANSITIONS = make_table(
    name="subscription",
    states=SubscriptionStatus,
    initial=(SubscriptionStatus.ACTIVE,),
    rows=(
        ((SubscriptionStatus.ACTIVE,), SubscriptionAction.SIGN, SubscriptionStatus.CONTRACTED, _SELLERS),
        (
            (SubscriptionStatus.ACTIVE,),
            SubscriptionAction.EXPIRE,
            SubscriptionStatus.EXPIRED,
            (SYSTEM, *_MANAGER),
        ),
        ((SubscriptionStatus.ACTIVE,), SubscriptionAction.CANCEL, SubscriptionStatus.CANCELLED, _MANAGER),
        ((SubscriptionStatus.ACTIVE,), SubscriptionAction.CHANGE_UNIT, SubscriptionStatus.REPLACED, _SELLERS),
    ),
)


class ContractStatus(StrEnum):
    SIGNED = "signed"
    APPROVED = "approved"
    FILED = "filed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ContractAction(StrEnum):
    APPROVE = "approve"
    FILE = "file"
    COMPLETE = "complete"
    CANCEL = "cancel"


# CON-02/03: signed, approved internally, filed with the housing authority, completed at handover; CON-04.
CONTRACT_TRANSITIONS = make_table(
    name="contract",
    states=ContractStatus,
    initial=(ContractStatus.SIGNED,),
    rows=(
        ((ContractStatus.SIGNED,), ContractAction.APPROVE, ContractStatus.APPROVED, _MANAGER),
        (
            (ContractStatus.APPROVED,),
            ContractAction.FILE,
            ContractStatus.FILED,
            (Role.SERVICE, *_MANAGER),
        ),
        (
            (ContractStatus.FILED,),
            ContractAction.COMPLETE,
            ContractStatus.COMPLETED,
            (Role.SERVICE, *_MANAGER),
        ),
        (
            (ContractStatus.SIGNED, ContractStatus.APPROVED, ContractStatus.FILED),
            ContractAction.CANCEL,
            ContractStatus.CANCELLED,
            _MANAGER,
        ),
    ),
)


class RequestStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"
    DONE = "done"


class RequestAction(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    COMPLETE = "complete"


# CON-04: the site manager decides a cancellation; finance settles the money once both parties confirmed.
CANCELLATION_TRANSITIONS = make_table(
    name="cancellation",
    states=RequestStatus,
    initial=(RequestStatus.REQUESTED,),
    rows=(
        ((RequestStatus.REQUESTED,), RequestAction.APPROVE, RequestStatus.APPROVED, _MANAGER),
        ((RequestStatus.REQUESTED,), RequestAction.REFUSE, RequestStatus.REFUSED, _MANAGER),
        ((RequestStatus.APPROVED,), RequestAction.COMPLETE, RequestStatus.DONE, (Role.FINANCE, *_MANAGER)),
    ),
)

# DEP-05: a unit change that needs no approval (the price does not fall, see ``unit_change``) starts approved.
UNIT_CHANGE_TRANSITIONS = make_table(
    name="unit change",
    states=RequestStatus,
    initial=(RequestStatus.REQUESTED, RequestStatus.APPROVED),
    rows=(
        ((RequestStatus.REQUESTED,), RequestAction.APPROVE, RequestStatus.APPROVED, _MANAGER),
        ((RequestStatus.REQUESTED,), RequestAction.REFUSE, RequestStatus.REFUSED, _MANAGER),
        ((RequestStatus.APPROVED,), RequestAction.COMPLETE, RequestStatus.DONE, _SELLERS),
    ),
)


class MortgageStatus(StrEnum):
    DOCUMENTS_COLLECTED = "documents_collected"
    SUBMITTED = "submitted"
    MORE_DOCUMENTS_NEEDED = "more_documents_needed"
    APPROVED = "approved"
    REFUSED = "refused"
    LOAN_CONTRACT_SIGNED = "loan_contract_signed"
    MORTGAGE_REGISTERED = "mortgage_registered"
    FUNDS_RELEASED = "funds_released"


class MortgageAction(StrEnum):
    SUBMIT = "submit"
    REQUEST_DOCUMENTS = "request_documents"
    APPROVE = "approve"
    REFUSE = "refuse"
    SIGN_LOAN_CONTRACT = "sign_loan_contract"
    REGISTER_MORTGAGE = "register_mortgage"
    RELEASE_FUNDS = "release_funds"


_LOAN_STAFF = (Role.SALESPERSON, Role.SERVICE, *_MANAGER)

# MORT-02: the bank's answers are recorded by staff; more documents send the file back for resubmission.
MORTGAGE_TRANSITIONS = make_table(
    name="mortgage",
    states=MortgageStatus,
    initial=(MortgageStatus.DOCUMENTS_COLLECTED,),
    rows=(
        (
            (MortgageStatus.DOCUMENTS_COLLECTED, MortgageStatus.MORE_DOCUMENTS_NEEDED),
            MortgageAction.SUBMIT,
            MortgageStatus.SUBMITTED,
            _LOAN_STAFF,
        ),
        (
            (MortgageStatus.SUBMITTED,),
            MortgageAction.REQUEST_DOCUMENTS,
            MortgageStatus.MORE_DOCUMENTS_NEEDED,
            _LOAN_STAFF,
        ),
        ((MortgageStatus.SUBMITTED,), MortgageAction.APPROVE, MortgageStatus.APPROVED, _LOAN_STAFF),
        ((MortgageStatus.SUBMITTED,), MortgageAction.REFUSE, MortgageStatus.REFUSED, _LOAN_STAFF),
        (
            (MortgageStatus.APPROVED,),
            MortgageAction.SIGN_LOAN_CONTRACT,
            MortgageStatus.LOAN_CONTRACT_SIGNED,
            _LOAN_STAFF,
        ),
        (
            (MortgageStatus.LOAN_CONTRACT_SIGNED,),
            MortgageAction.REGISTER_MORTGAGE,
            MortgageStatus.MORTGAGE_REGISTERED,
            _LOAN_STAFF,
        ),
        (
            (MortgageStatus.MORTGAGE_REGISTERED,),
            MortgageAction.RELEASE_FUNDS,
            MortgageStatus.FUNDS_RELEASED,
            (Role.FINANCE, *_LOAN_STAFF),
        ),
    ),
)


@dataclasses.dataclass(frozen=True)
class StepDeadline:
    status: str
    next_actions: tuple[str, ...]
    due_on: dt.date | None
    overdue: bool


def step_deadline(
    *,
    table: TransitionTable,
    status: str,
    entered_on: dt.date,
    today: dt.date,
    allowed_days: Mapping[str, int],
) -> StepDeadline:
    """MORT-02 / CERT-01: the next expected steps and whether the current step has taken too long.

    ``allowed_days`` maps a status to the days it may last (site settings); a status without an entry, or a
    final one, has no deadline. Overdue means ``today`` is after the due date.
    """
    next_actions = table.actions_from(status)
    days = allowed_days.get(status)
    due_on = entered_on + dt.timedelta(days=days) if days is not None and next_actions else None
    return StepDeadline(
        status=status,
        next_actions=next_actions,
        due_on=due_on,
        overdue=due_on is not None and today > due_on,
    )


# --- Deposits (DEP-01 .. DEP-06) ---


def deposit_hold_days(*, kind: DepositKind, policy: Policy) -> int:
    return policy.small_deposit_hold_days if kind == DepositKind.SMALL else policy.large_deposit_hold_days


def hold_until(*, kind: DepositKind, paid_at: dt.datetime, policy: Policy) -> dt.datetime:
    """DEP-01/DEP-02: the hold ends the policy's number of days after payment, at the same local time."""
    _require_aware("paid_at", paid_at)
    return paid_at + dt.timedelta(days=deposit_hold_days(kind=kind, policy=policy))


def hold_reminder_at(*, hold_until: dt.datetime) -> dt.datetime:
    """DEP-03: the salesperson is reminded one day before the hold ends."""
    return hold_until - dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class DepositTerms:
    kind: DepositKind
    amount: Decimal
    minimum: Decimal
    maximum: Decimal | None
    hold_days: int
    hold_until: dt.datetime


def _deposit_bounds(
    *, kind: DepositKind, total_price: Decimal, policy: Policy
) -> tuple[Decimal, Decimal | None]:
    if kind == DepositKind.SMALL:
        return policy.small_deposit_min, None
    return policy.large_deposit_min, total_price * policy.large_deposit_max_ratio


def _check_deposit_amount(
    *, kind: DepositKind, amount: Decimal, total_price: Decimal, policy: Policy
) -> tuple[Decimal, Decimal | None]:
    require_money("deposit", amount)
    require_money("total price", total_price)
    minimum, maximum = _deposit_bounds(kind=kind, total_price=total_price, policy=policy)
    if amount < minimum:
        raise DepositBelowMinimum(
            f"a {kind} deposit must be at least {minimum} yuan, not {amount}", amount=amount, minimum=minimum
        )
    if maximum is not None and amount > maximum:
        raise DepositAboveMaximum(
            f"a {kind} deposit may be at most {policy.large_deposit_max_ratio:%} of the total price "
            f"{total_price}, that is {to_fen(maximum)} yuan, not {amount}",
            amount=amount,
            maximum=to_fen(maximum),
            ratio=policy.large_deposit_max_ratio,
            total_price=total_price,
        )
    return minimum, maximum


def validate_deposit(
    *, kind: DepositKind, amount: Decimal, total_price: Decimal, paid_at: dt.datetime, policy: Policy
) -> DepositTerms:
    """DEP-01 (small deposit: at least ``small_deposit_min``) and DEP-02 (large deposit: at least
    ``large_deposit_min`` and at most ``large_deposit_max_ratio`` of the total price), with the hold end.

    The maximum ratio is compared exactly, so 20% of the total price is itself accepted (S-DEAL-2).
    """
    minimum, maximum = _check_deposit_amount(kind=kind, amount=amount, total_price=total_price, policy=policy)
    return DepositTerms(
        kind=kind,
        amount=amount,
        minimum=minimum,
        maximum=None if maximum is None else to_fen(maximum),
        hold_days=deposit_hold_days(kind=kind, policy=policy),
        hold_until=hold_until(kind=kind, paid_at=paid_at, policy=policy),
    )


def check_hold_extension(
    *, kind: DepositKind, current_hold_until: dt.datetime, new_hold_until: dt.datetime
) -> None:
    """DEP-03: the site manager may extend a large deposit's hold to a later time.

    A small deposit holds the unit for at most ``small_deposit_hold_days`` (DEP-01), so it is never extended;
    the customer tops it up instead (DEP-04).
    """
    _require_aware("new_hold_until", new_hold_until)
    if kind == DepositKind.SMALL:
        raise HoldExtensionNotAllowed(
            "a small deposit's hold cannot be extended; top it up to a large deposit"
        )
    if new_hold_until <= current_hold_until:
        raise HoldExtensionNotAllowed(
            f"an extension must end after the current hold end {current_hold_until.isoformat()}",
            current_hold_until=current_hold_until,
            new_hold_until=new_hold_until,
        )


@dataclasses.dataclass(frozen=True)
class HoldExpiry:
    """DEP-03 verdict: an expired hold returns the unit to ``available``; ``deposit_action`` settles money."""

    expired: bool
    deposit_action: DepositAction | None
    forfeited: Decimal
    refunded: Decimal


def hold_expiry(
    *,
    kind: DepositKind,
    amount: Decimal,
    hold_until: dt.datetime,
    now: dt.datetime,
    policy: Policy,
    forfeiture_waived: bool = False,
) -> HoldExpiry:
    """DEP-03: at ``hold_until`` (the extended end, if the site manager extended it) the hold expires.

    A large deposit is forfeited unless the site manager waived the forfeiture, in which case it is refunded;
    a small deposit is refunded when ``small_deposit_refundable`` is set and forfeited otherwise (D-AMB-37).
    The verdict depends only on its arguments, so the expiry job may evaluate it any number of times.
    """
    _require_aware("now", now)
    if now < hold_until:
        return HoldExpiry(
            expired=False, deposit_action=None, forfeited=Decimal("0.00"), refunded=Decimal("0.00")
        )
    refund = forfeiture_waived if kind == DepositKind.LARGE else policy.small_deposit_refundable
    return HoldExpiry(
        expired=True,
        deposit_action=DepositAction.REFUND if refund else DepositAction.FORFEIT,
        forfeited=Decimal("0.00") if refund else amount,
        refunded=amount if refund else Decimal("0.00"),
    )


@dataclasses.dataclass(frozen=True)
class TopUp:
    already_paid: Decimal
    large_deposit: Decimal
    to_pay: Decimal
    hold_until: dt.datetime


def top_up(
    *,
    small_deposit: Decimal,
    large_deposit: Decimal,
    total_price: Decimal,
    paid_at: dt.datetime,
    policy: Policy,
) -> TopUp:
    """DEP-04: a small deposit becomes a large one by paying the rest.

    The large amount is checked as any large deposit (DEP-02) and the new hold (the signing deadline) runs
    from the top-up payment.
    """
    require_money("small deposit", small_deposit)
    terms = validate_deposit(
        kind=DepositKind.LARGE, amount=large_deposit, total_price=total_price, paid_at=paid_at, policy=policy
    )
    if large_deposit < small_deposit:
        raise TopUpBelowPaid(
            f"the large deposit {large_deposit} is below the {small_deposit} already paid",
            large_deposit=large_deposit,
            small_deposit=small_deposit,
        )
    return TopUp(
        already_paid=small_deposit,
        large_deposit=large_deposit,
        to_pay=large_deposit - small_deposit,
        hold_until=terms.hold_until,
    )


def check_order_matches_unit(
    *, order_area: Decimal, order_total: Decimal, unit_area: Decimal, unit_total: Decimal
) -> None:
    """DEP-04/DEP-05 re-check (D-DEP-05): the form's area and total must be those of the unit."""
    if order_area != unit_area or order_total != unit_total:
        raise OrderMismatch(
            f"the form says {order_area} m² for {order_total} yuan but the unit is {unit_area} m² "
            f"for {unit_total} yuan",
            order_area=order_area,
            order_total=order_total,
            unit_area=unit_area,
            unit_total=unit_total,
        )


@dataclasses.dataclass(frozen=True)
class UnitChange:
    from_unit: str
    to_unit: str
    old_total: Decimal
    new_total: Decimal
    difference: Decimal
    needs_site_manager: bool
    note: str


def unit_change(
    *,
    from_unit: str,
    to_unit: str,
    old_total: Decimal,
    new_total: Decimal,
    deposit_kind: DepositKind,
    deposit: Decimal,
    policy: Policy,
) -> UnitChange:
    """DEP-05: moving a hold or subscription to another unit.

    Amounts follow the new unit, so the deposit already paid must be valid for the new total (DEP-01/02);
    a change to a cheaper unit needs the site manager.
    """
    require_money("old total price", old_total)
    _check_deposit_amount(kind=deposit_kind, amount=deposit, total_price=new_total, policy=policy)
    return UnitChange(
        from_unit=from_unit,
        to_unit=to_unit,
        old_total=old_total,
        new_total=new_total,
        difference=new_total - old_total,
        needs_site_manager=new_total < old_total,
        note=f"unit changed from {from_unit} to {to_unit}",
    )


class BreachingParty(StrEnum):
    BUYER = "buyer"
    DEVELOPER = "developer"


@dataclasses.dataclass(frozen=True)
class DepositPenalty:
    forfeited: Decimal
    paid_to_buyer: Decimal


def deposit_penalty(*, deposit: Decimal, breaching_party: BreachingParty) -> DepositPenalty:
    """DEP-06 (定金罚则): a buyer who walks away forfeits the deposit; a developer who cannot sell the unit as
    agreed returns double the deposit (the deposit back plus as much again)."""
    require_money("deposit", deposit)
    if breaching_party == BreachingParty.BUYER:
        return DepositPenalty(forfeited=deposit, paid_to_buyer=Decimal("0.00"))
    return DepositPenalty(forfeited=Decimal("0.00"), paid_to_buyer=deposit * 2)


# --- Discounts (DISC-01) ---


class DiscountApprover(StrEnum):
    SALESPERSON = "salesperson"
    SUPERVISOR = "supervisor"
    SITE_MANAGER = "site_manager"
    DEVELOPER = "developer"


_APPROVER_RANK = {approver: rank for rank, approver in enumerate(DiscountApprover)}
_ROLE_APPROVER: Mapping[str, DiscountApprover] = {
    Role.SALESPERSON: DiscountApprover.SALESPERSON,
    Role.SUPERVISOR: DiscountApprover.SUPERVISOR,
    Role.MANAGER: DiscountApprover.SITE_MANAGER,
    Role.DEPUTY: DiscountApprover.SITE_MANAGER,
}


def discount_ratio(*, list_price: Decimal, requested_price: Decimal) -> Decimal:
    """The requested discount as a share of the list price (for display; decisions compare exactly)."""
    require_money("list price", list_price)
    require_money("requested price", requested_price)
    return (list_price - requested_price) / list_price


def required_discount_approver(
    *, list_price: Decimal, requested_price: Decimal, policy: Policy
) -> DiscountApprover:
    """DISC-01: the lowest level whose limit (``discount_limit_*``, a share of the list price) covers the
    discount; beyond the site manager's limit the developer approves, recorded by the site manager.

    Limits are compared exactly on prices, so a discount of exactly the limit is within it.
    """
    require_money("list price", list_price)
    require_money("requested price", requested_price)
    discount = list_price - requested_price
    limits = (
        (DiscountApprover.SALESPERSON, policy.discount_limit_salesperson),
        (DiscountApprover.SUPERVISOR, policy.discount_limit_supervisor),
        (DiscountApprover.SITE_MANAGER, policy.discount_limit_manager),
    )
    for approver, limit in limits:
        if discount <= list_price * limit:
            return approver
    return DiscountApprover.DEVELOPER


def check_discount_approval(
    *,
    list_price: Decimal,
    requested_price: Decimal,
    approver_role: str,
    developer_approval_recorded: bool,
    policy: Policy,
) -> DiscountApprover:
    """DISC-01: refuse an approval beyond the approver's authority; returns the level the discount needed.

    A discount beyond the site manager's limit is approved by the site manager recording the developer's
    approval (``developer_approval_recorded``).
    """
    required = required_discount_approver(
        list_price=list_price, requested_price=requested_price, policy=policy
    )
    approver = _ROLE_APPROVER.get(approver_role)
    if required == DiscountApprover.DEVELOPER:
        allowed = approver == DiscountApprover.SITE_MANAGER and developer_approval_recorded
    else:
        allowed = approver is not None and _APPROVER_RANK[approver] >= _APPROVER_RANK[required]
    if not allowed:
        raise DiscountBeyondAuthority(
            f"a discount from {list_price} to {requested_price} yuan needs the {required}'s approval",
            list_price=list_price,
            requested_price=requested_price,
            required=required,
            role=approver_role,
        )
    return required


# --- Performance and commission (COMM-01, COMM-02) ---


@dataclasses.dataclass(frozen=True)
class Share:
    party: PartyId
    ratio: Decimal


@dataclasses.dataclass(frozen=True)
class Allocation:
    party: PartyId
    ratio: Decimal
    amount: Decimal

    def reversed(self) -> Allocation:
        """COMM-02/CON-04: the negative record that cancels this one."""
        return dataclasses.replace(self, amount=-self.amount)


def check_shares(*, shares: Sequence[Share]) -> None:
    """COMM-01: one share per party, none negative, summing to exactly 100%."""
    parties = [share.party for share in shares]
    if not shares or len(parties) != len(set(parties)):
        raise InvalidShares("shares need at least one party and each party once")
    if any(share.ratio < 0 for share in shares) or sum(share.ratio for share in shares) != 1:
        raise InvalidShares(
            f"shares must be non-negative and sum to 1, not {sum(share.ratio for share in shares)}",
            total=sum(share.ratio for share in shares),
        )


def split_amount(*, total: Decimal, shares: Sequence[Share]) -> tuple[Allocation, ...]:
    """COMM-01/COMM-02: split ``total`` (money or m², two decimals) by shares so the parts sum exactly to it.

    Each part is first rounded down to 0.01; the remaining hundredths go one each to the parts with the
    largest rounded-off remainders, ties to the party listed first (largest-remainder method). A negative
    total (a reversal) splits like its magnitude, negated.
    """
    check_shares(shares=shares)
    if not is_two_decimal(total):
        raise InvalidAmount(f"cannot split {total}: two decimals expected", total=total)
    magnitude = abs(total)
    exact = [magnitude * share.ratio for share in shares]
    parts = [value.quantize(FEN, rounding=ROUND_DOWN) for value in exact]
    leftover = int((magnitude - sum(parts, Decimal(0))) / FEN)
    by_remainder = sorted(range(len(shares)), key=lambda index: (parts[index] - exact[index], index))
    for index in by_remainder[:leftover]:
        parts[index] += FEN
    sign = -1 if total < 0 else 1
    return tuple(
        Allocation(party=share.party, ratio=share.ratio, amount=sign * part)
        for share, part in zip(shares, parts, strict=True)
    )


@dataclasses.dataclass(frozen=True)
class PerformanceCredit:
    party: PartyId
    ratio: Decimal
    units: Decimal
    area: Decimal
    amount: Decimal

    def reversed(self) -> PerformanceCredit:
        """CON-04: the negative credit that cancels this one on cancellation."""
        return dataclasses.replace(self, units=-self.units, area=-self.area, amount=-self.amount)


def performance_credits(
    *, shares: Sequence[Share], area: Decimal, amount: Decimal
) -> tuple[PerformanceCredit, ...]:
    """COMM-01: a deal credits one unit, its area and its amount to the owners by their shares.

    The unit counts by the share itself (0.5 unit for a 50:50 deal); area and amount are split so the parts
    sum exactly to the deal's figures.
    """
    areas = split_amount(total=area, shares=shares)
    amounts = split_amount(total=amount, shares=shares)
    return tuple(
        PerformanceCredit(
            party=share.party, ratio=share.ratio, units=share.ratio, area=a.amount, amount=m.amount
        )
        for share, a, m in zip(shares, areas, amounts, strict=True)
    )


def commission_total(
    *, contract_amount: Decimal, policy: Policy, developer_referred: bool, rate: Decimal | None = None
) -> Decimal:
    """COMM-02: ``rate`` (default ``commission_rate``; a per-role rate when given) × contract amount, times
    ``developer_referred_commission_factor`` for a developer-referred customer (OWN-13), to the fen.

    S-OWN-12: 0.005 × 2,000,000 × 0.5 = 5,000.00.
    """
    require_money("contract amount", contract_amount)
    factor = policy.developer_referred_commission_factor if developer_referred else Decimal(1)
    return to_fen(contract_amount * (policy.commission_rate if rate is None else rate) * factor)


def commission_allocations(
    *,
    contract_amount: Decimal,
    shares: Sequence[Share],
    policy: Policy,
    developer_referred: bool,
    rate: Decimal | None = None,
) -> tuple[Allocation, ...]:
    """COMM-02: the commission split by the commission shares (OWN-02, 05, 07, 08, 10, 11, 12 give them)."""
    total = commission_total(
        contract_amount=contract_amount, policy=policy, developer_referred=developer_referred, rate=rate
    )
    return split_amount(total=total, shares=shares)


class CommissionStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"


def commission_status(*, now: dt.datetime, dispute_window_closes_at: dt.datetime) -> CommissionStatus:
    """COMM-02: commission stays pending until the ownership dispute window (DISP-01) has closed."""
    _require_aware("now", now)
    return CommissionStatus.PENDING if now < dispute_window_closes_at else CommissionStatus.CONFIRMED


# --- Payments (PAY-01, PAY-02) ---


class MoneyKind(StrEnum):
    """PAY-01 kinds. Amounts are signed from the deal's side: positive is money received from the buyer
    (deposit, top-up, instalment, loan release, area adjustment owed by the buyer, fee), negative is money
    paid back or no longer counted toward the price (refund, double return, forfeiture, area refund)."""

    DEPOSIT = "deposit"
    TOP_UP = "top_up"
    INSTALMENT = "instalment"
    LOAN_RELEASE = "loan_release"
    REFUND = "refund"
    FORFEITURE = "forfeiture"
    DOUBLE_RETURN = "double_return"
    AREA_ADJUSTMENT = "area_adjustment"
    FEE = "fee"


# Fees are collected for third parties (taxes, maintenance fund) and do not pay the price.
PRICE_KINDS = frozenset(MoneyKind) - {MoneyKind.FEE}


@dataclasses.dataclass(frozen=True)
class MoneyRecord:
    record_id: PartyId
    kind: MoneyKind
    amount: Decimal
    reverses: PartyId | None = None


def reversal_of(*, record: MoneyRecord, record_id: PartyId) -> MoneyRecord:
    """PAY-01: a correction is a new record of the same kind with the opposite amount."""
    return MoneyRecord(
        record_id=record_id, kind=record.kind, amount=-record.amount, reverses=record.record_id
    )


def _check_reversals(records: Sequence[MoneyRecord]) -> None:
    seen: dict[PartyId, MoneyRecord] = {}
    reversed_ids: set[PartyId] = set()
    for record in records:
        if not is_two_decimal(record.amount):
            raise InvalidAmount(
                f"record {record.record_id}: {record.amount} is not an amount", record=record.record_id
            )
        if record.reverses is not None:
            original = seen.get(record.reverses)
            if (
                original is None
                or original.reverses is not None
                or record.reverses in reversed_ids
                or record.kind != original.kind
                or record.amount != -original.amount
            ):
                raise InvalidReversal(
                    f"record {record.record_id} does not negate an earlier, unreversed {record.reverses}",
                    record=record.record_id,
                    reverses=record.reverses,
                )
            reversed_ids.add(record.reverses)
        seen[record.record_id] = record


def balance(*, records: Sequence[MoneyRecord], kinds: Collection[str] | None = None) -> Decimal:
    """PAY-01: the balance is the sum of the signed records (of ``kinds`` when given), never a stored number.

    ``records`` are in the order they were made; a reversal must negate an earlier record exactly, once.
    """
    _check_reversals(records)
    return sum(
        (record.amount for record in records if kinds is None or record.kind in kinds), Decimal("0.00")
    )


@dataclasses.dataclass(frozen=True)
class Instalment:
    due_on: dt.date
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class PaymentPosition:
    """PAY-02: ``due`` is what is scheduled up to today and unpaid (overdue included), ``overdue`` the part
    scheduled before today; ``next_due_on`` is the earliest instalment not fully paid and ``next_due_amount``
    what is left of it."""

    price: Decimal
    paid: Decimal
    outstanding: Decimal
    due: Decimal
    overdue: Decimal
    next_due_on: dt.date | None
    next_due_amount: Decimal


def payment_position(
    *, price: Decimal, schedule: Sequence[Instalment], records: Sequence[MoneyRecord], today: dt.date
) -> PaymentPosition:
    """PAY-02: paid, due, overdue and next due date of a deal, from its schedule and its money records.

    Payments toward the price (``PRICE_KINDS``) cover the instalments in due-date order; the schedule must
    add up to the price.
    """
    require_money("price", price)
    scheduled = sum((item.amount for item in schedule), Decimal("0.00"))
    if scheduled != price:
        raise ScheduleMismatch(
            f"the schedule adds up to {scheduled}, not the price {price}", scheduled=scheduled, price=price
        )
    paid = balance(records=records, kinds=PRICE_KINDS)
    unpaid = _unpaid_instalments(schedule=schedule, paid=paid)
    next_item = next(((item, left) for item, left in unpaid if left > 0), None)
    return PaymentPosition(
        price=price,
        paid=paid,
        outstanding=price - paid,
        due=sum((left for item, left in unpaid if item.due_on <= today), Decimal("0.00")),
        overdue=sum((left for item, left in unpaid if item.due_on < today), Decimal("0.00")),
        next_due_on=None if next_item is None else next_item[0].due_on,
        next_due_amount=Decimal("0.00") if next_item is None else next_item[1],
    )


def _unpaid_instalments(*, schedule: Sequence[Instalment], paid: Decimal) -> list[tuple[Instalment, Decimal]]:
    remaining = max(paid, Decimal(0))
    unpaid = []
    for item in sorted(schedule, key=lambda instalment: instalment.due_on):
        covered = min(item.amount, remaining)
        remaining -= covered
        unpaid.append((item, item.amount - covered))
    return unpaid
