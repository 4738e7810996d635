"""Pure decisions of the handover app (handover.md): area adjustment, move-in checklist, certificate steps,
work orders, warranty, service targets and dispatch.

No Django and no clock: times and dates are arguments. Errors share the deals rules' shape (a stable
``code`` and the figures in ``params``) so one handler translates both apps' errors.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum

from deals.rules import (
    DealRuleError,
    PartyId,
    TransitionTable,
    is_two_decimal,
    make_table,
    require_money,
    to_fen,
)
from salesoffice.core.policy import Policy
from salesoffice.core.roles import MANAGER_ROLES, Role


class HandoverRuleError(DealRuleError):
    code = "handover_rule_error"


class InvalidArea(HandoverRuleError):
    code = "invalid_area"


class UnknownWarrantyCategory(HandoverRuleError):
    code = "unknown_warranty_category"


class UnknownPriority(HandoverRuleError):
    code = "unknown_priority"


class NoEligibleWorker(HandoverRuleError):
    code = "no_eligible_worker"


class UnknownChecklistItem(HandoverRuleError):
    code = "unknown_checklist_item"


class KeyCountRequired(HandoverRuleError):
    code = "key_count_required"


# --- Area adjustment (AREA-01, AREA-02) ---


@dataclasses.dataclass(frozen=True)
class StatementLine:
    """One line of the printable statement: ``label`` is a stable code the template translates."""

    label: str
    formula: str
    amount: Decimal | None = None


@dataclasses.dataclass(frozen=True)
class AreaAdjustment:
    """AREA-01 settlement. ``net`` is what the buyer pays (positive) or is refunded (negative); the parts
    above the threshold that the developer bears are shown but never charged."""

    contract_area: Decimal
    surveyed_area: Decimal
    unit_price: Decimal
    threshold_area: Decimal
    charged_area: Decimal
    buyer_pays: Decimal
    borne_area: Decimal
    developer_bears: Decimal
    refunded_area: Decimal
    refund: Decimal
    double_refunded_area: Decimal
    double_refund: Decimal
    total_refund: Decimal
    net: Decimal
    buyer_may_cancel: bool
    lines: tuple[StatementLine, ...]


def _require_area(name: str, value: Decimal) -> None:
    if not is_two_decimal(value) or value <= 0:
        raise InvalidArea(f"{name} must be a positive area in m² with two decimals, not {value}", name=name)


def _figure(value: Decimal) -> str:
    # Areas from the threshold ratio may carry more than two decimals; print them exactly, others as money.
    shown = value.quantize(Decimal("0.01")) if is_two_decimal(value) else value.normalize()
    return f"{shown:,}"


def area_adjustment(
    *, contract_area: Decimal, surveyed_area: Decimal, unit_price: Decimal, policy: Policy
) -> AreaAdjustment:
    """AREA-01: settle the surveyed area against the contract area at the contract unit price.

    With T = contract area × ``area_threshold_ratio``: a difference within ±T (T itself included) is settled
    both ways at the contract price; above +T the buyer pays for T and the developer bears the rest; below
    −T the developer refunds T at the price and the part beyond at double the price. Beyond ±T the buyer
    may cancel instead (CON-04). Each money line is rounded to the fen (S-DEAL-5).
    """
    _require_area("contract area", contract_area)
    _require_area("surveyed area", surveyed_area)
    require_money("unit price", unit_price)
    threshold = contract_area * policy.area_threshold_ratio
    difference = surveyed_area - contract_area
    gain, loss = max(difference, Decimal(0)), max(-difference, Decimal(0))
    charged, refunded = min(gain, threshold), min(loss, threshold)
    borne, double_refunded = gain - charged, loss - refunded
    buyer_pays = to_fen(charged * unit_price)
    refund = to_fen(refunded * unit_price)
    double_refund = to_fen(double_refunded * unit_price * 2)
    result = AreaAdjustment(
        contract_area=contract_area,
        surveyed_area=surveyed_area,
        unit_price=unit_price,
        threshold_area=threshold,
        charged_area=charged,
        buyer_pays=buyer_pays,
        borne_area=borne,
        developer_bears=to_fen(borne * unit_price),
        refunded_area=refunded,
        refund=refund,
        double_refunded_area=double_refunded,
        double_refund=double_refund,
        total_refund=refund + double_refund,
        net=buyer_pays - refund - double_refund,
        buyer_may_cancel=abs(difference) > threshold,
        lines=(),
    )
    return dataclasses.replace(result, lines=_statement_lines(result, policy.area_threshold_ratio))


def _statement_lines(result: AreaAdjustment, ratio: Decimal) -> tuple[StatementLine, ...]:
    price = _figure(result.unit_price)
    difference = result.surveyed_area - result.contract_area
    percent = (difference / result.contract_area * 100).quantize(Decimal("0.01"))
    surveyed, contract = _figure(result.surveyed_area), _figure(result.contract_area)
    lines = [
        StatementLine("difference", f"{surveyed} - {contract} = {_figure(difference)} m² ({percent}%)"),
        StatementLine(
            "threshold", f"{_figure(result.contract_area)} m² × {ratio} = {_figure(result.threshold_area)} m²"
        ),
    ]
    parts = (
        ("buyer_pays", result.charged_area, "", result.buyer_pays),
        ("developer_bears", result.borne_area, "", result.developer_bears),
        ("refund", result.refunded_area, "", result.refund),
        ("double_refund", result.double_refunded_area, " × 2", result.double_refund),
    )
    lines.extend(
        StatementLine(label, f"{_figure(area)} m² × {price}{factor} = {_figure(amount)}", amount)
        for label, area, factor, amount in parts
        if area > 0
    )
    if result.double_refund:
        refund, double, total = (
            _figure(value) for value in (result.refund, result.double_refund, result.total_refund)
        )
        lines.append(StatementLine("total_refund", f"{refund} + {double} = {total}", result.total_refund))
    return tuple(lines)


# --- Move-in checklist (MOVE-03) ---


class MoveInItem(StrEnum):
    NOTICE = "notice"
    ID_DOCUMENT = "id_document"
    CONTRACT = "contract"
    PAYMENT_PROOFS = "payment_proofs"
    BALANCE_AND_FEES_PAID = "balance_and_fees_paid"
    PROPERTY_CONVENTION_SIGNED = "property_convention_signed"
    DECORATION_COMMITMENT = "decoration_commitment"
    PARKING_SPACE = "parking_space"
    DOCUMENTS_HANDED_OVER = "documents_handed_over"
    KEYS_HANDED_OVER = "keys_handed_over"


OPTIONAL_MOVE_IN_ITEMS = frozenset({MoveInItem.DECORATION_COMMITMENT, MoveInItem.PARKING_SPACE})
MANDATORY_MOVE_IN_ITEMS = frozenset(MoveInItem) - OPTIONAL_MOVE_IN_ITEMS


@dataclasses.dataclass(frozen=True)
class ChecklistEntry:
    item: str
    done_by: PartyId
    done_at: dt.datetime
    key_count: int | None = None


@dataclasses.dataclass(frozen=True)
class ChecklistVerdict:
    complete: bool
    missing: tuple[MoveInItem, ...]
    optional_done: tuple[MoveInItem, ...]


def move_in_checklist(*, entries: Sequence[ChecklistEntry]) -> ChecklistVerdict:
    """MOVE-03: the handover is complete only when every mandatory item is done (each entry records who and
    when); handing over keys records how many."""
    done = set()
    for entry in entries:
        if entry.item not in set(MoveInItem):
            raise UnknownChecklistItem(f"unknown move-in checklist item {entry.item}", item=entry.item)
        if entry.item == MoveInItem.KEYS_HANDED_OVER and (entry.key_count is None or entry.key_count < 1):
            raise KeyCountRequired("handing over keys records how many keys were given")
        done.add(MoveInItem(entry.item))
    missing = tuple(item for item in MoveInItem if item in MANDATORY_MOVE_IN_ITEMS and item not in done)
    return ChecklistVerdict(
        complete=not missing,
        missing=missing,
        optional_done=tuple(item for item in MoveInItem if item in OPTIONAL_MOVE_IN_ITEMS and item in done),
    )


# --- Property certificate (CERT-01) ---


class CertificateStatus(StrEnum):
    DOCUMENTS_COLLECTED = "documents_collected"
    INITIAL_REGISTRATION_DONE = "initial_registration_done"
    SUBMITTED = "submitted"
    ISSUED = "issued"
    SENT_TO_BANK = "sent_to_bank"
    COPY_GIVEN = "copy_given"
    HANDED_OVER = "handed_over"


class CertificateAction(StrEnum):
    REGISTER_INITIAL = "register_initial"
    SUBMIT = "submit"
    ISSUE = "issue"
    SEND_TO_BANK = "send_to_bank"
    GIVE_COPY = "give_copy"
    HAND_OVER_ORIGINAL = "hand_over_original"


_CERTIFICATE_STAFF = (Role.SERVICE, *sorted(MANAGER_ROLES))
_CERTIFICATE_COMMON = (
    (
        (CertificateStatus.DOCUMENTS_COLLECTED,),
        CertificateAction.REGISTER_INITIAL,
        CertificateStatus.INITIAL_REGISTRATION_DONE,
        _CERTIFICATE_STAFF,
    ),
    (
        (CertificateStatus.INITIAL_REGISTRATION_DONE,),
        CertificateAction.SUBMIT,
        CertificateStatus.SUBMITTED,
        _CERTIFICATE_STAFF,
    ),
    ((CertificateStatus.SUBMITTED,), CertificateAction.ISSUE, CertificateStatus.ISSUED, _CERTIFICATE_STAFF),
)

# CERT-01 (D-CERT-03): a mortgage buyer's original goes to the bank and the owner gets a copy; a full-payment
# buyer signs for the original.
CERTIFICATE_MORTGAGE_TRANSITIONS = make_table(
    name="certificate (mortgage)",
    states=set(CertificateStatus) - {CertificateStatus.HANDED_OVER},
    initial=(CertificateStatus.DOCUMENTS_COLLECTED,),
    rows=(
        *_CERTIFICATE_COMMON,
        (
            (CertificateStatus.ISSUED,),
            CertificateAction.SEND_TO_BANK,
            CertificateStatus.SENT_TO_BANK,
            _CERTIFICATE_STAFF,
        ),
        (
            (CertificateStatus.SENT_TO_BANK,),
            CertificateAction.GIVE_COPY,
            CertificateStatus.COPY_GIVEN,
            _CERTIFICATE_STAFF,
        ),
    ),
)
CERTIFICATE_FULL_PAYMENT_TRANSITIONS = make_table(
    name="certificate (full payment)",
    states=set(CertificateStatus) - {CertificateStatus.SENT_TO_BANK, CertificateStatus.COPY_GIVEN},
    initial=(CertificateStatus.DOCUMENTS_COLLECTED,),
    rows=(
        *_CERTIFICATE_COMMON,
        (
            (CertificateStatus.ISSUED,),
            CertificateAction.HAND_OVER_ORIGINAL,
            CertificateStatus.HANDED_OVER,
            _CERTIFICATE_STAFF,
        ),
    ),
)


def certificate_transitions(*, mortgage: bool) -> TransitionTable:
    """CERT-01: the step table for the buyer; check steps with ``deals.rules.check_transition`` and overdue
    steps with ``deals.rules.step_deadline``."""
    return CERTIFICATE_MORTGAGE_TRANSITIONS if mortgage else CERTIFICATE_FULL_PAYMENT_TRANSITIONS


# --- Work orders (SVC-02, SVC-03, SVC-04) ---


class WorkOrderStatus(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    DONE = "done"
    CONFIRMED = "confirmed"
    CLOSED = "closed"
    REOPENED = "reopened"


class WorkOrderAction(StrEnum):
    ASSIGN = "assign"
    START = "start"
    WAIT = "wait"
    RESUME = "resume"
    FINISH = "finish"
    CONFIRM = "confirm"
    CLOSE = "close"
    REOPEN = "reopen"


_DISPATCHERS = _CERTIFICATE_STAFF
_WORKER = (Role.REPAIR,)

# SVC-03. The owner's confirmation and complaints are recorded by customer service; a dispatcher may assign
# again at any point before the work is done (SVC-02 override).
WORK_ORDER_TRANSITIONS = make_table(
    name="work order",
    states=WorkOrderStatus,
    initial=(WorkOrderStatus.NEW,),
    rows=(
        (
            (
                WorkOrderStatus.NEW,
                WorkOrderStatus.REOPENED,
                WorkOrderStatus.ASSIGNED,
                WorkOrderStatus.IN_PROGRESS,
                WorkOrderStatus.WAITING,
            ),
            WorkOrderAction.ASSIGN,
            WorkOrderStatus.ASSIGNED,
            _DISPATCHERS,
        ),
        ((WorkOrderStatus.ASSIGNED,), WorkOrderAction.START, WorkOrderStatus.IN_PROGRESS, _WORKER),
        ((WorkOrderStatus.IN_PROGRESS,), WorkOrderAction.WAIT, WorkOrderStatus.WAITING, _WORKER),
        ((WorkOrderStatus.WAITING,), WorkOrderAction.RESUME, WorkOrderStatus.IN_PROGRESS, _WORKER),
        ((WorkOrderStatus.IN_PROGRESS,), WorkOrderAction.FINISH, WorkOrderStatus.DONE, _WORKER),
        (
            (WorkOrderStatus.DONE,),
            WorkOrderAction.CONFIRM,
            WorkOrderStatus.CONFIRMED,
            (Role.SERVICE,),
        ),
        ((WorkOrderStatus.CONFIRMED,), WorkOrderAction.CLOSE, WorkOrderStatus.CLOSED, _DISPATCHERS),
        (
            (WorkOrderStatus.DONE, WorkOrderStatus.CONFIRMED, WorkOrderStatus.CLOSED),
            WorkOrderAction.REOPEN,
            WorkOrderStatus.REOPENED,
            _DISPATCHERS,
        ),
    ),
)


@dataclasses.dataclass(frozen=True)
class SlaTarget:
    response: dt.timedelta
    completion: dt.timedelta


@dataclasses.dataclass(frozen=True)
class SlaDue:
    respond_by: dt.datetime
    complete_by: dt.datetime


def sla_due(*, created_at: dt.datetime, priority: str, targets: Mapping[str, SlaTarget]) -> SlaDue:
    """SVC-02: response and completion due times from the priority's targets (site settings), counted in
    calendar time from the work order's creation."""
    target = targets.get(priority)
    if target is None:
        raise UnknownPriority(f"no service targets for priority {priority}", priority=priority)
    return SlaDue(respond_by=created_at + target.response, complete_by=created_at + target.completion)


@dataclasses.dataclass(frozen=True)
class SlaBreach:
    response_late: bool
    completion_late: bool


def sla_breach(
    *, due: SlaDue, now: dt.datetime, responded_at: dt.datetime | None, completed_at: dt.datetime | None
) -> SlaBreach:
    """SVC-02: which target is missed (drives escalation): late if done after the due time, or not done and
    the due time has passed."""
    return SlaBreach(
        response_late=_late(due.respond_by, now, responded_at),
        completion_late=_late(due.complete_by, now, completed_at),
    )


def _late(due: dt.datetime, now: dt.datetime, done_at: dt.datetime | None) -> bool:
    return done_at > due if done_at is not None else now > due


@dataclasses.dataclass(frozen=True)
class RepairWorker:
    worker_id: PartyId
    areas: frozenset[str]
    skills: Mapping[str, int]
    open_orders: int
    available: bool = True


def choose_worker(*, workers: Sequence[RepairWorker], area: str, skill: str, min_level: int) -> RepairWorker:
    """SVC-02: an available worker who serves ``area`` and has ``skill`` at ``min_level`` or above.

    Among them: the fewest open orders; then the lowest sufficient level, which keeps the most skilled free
    for harder jobs; then the worker listed first.
    """
    eligible = [
        (worker.open_orders, worker.skills[skill], position, worker)
        for position, worker in enumerate(workers)
        if worker.available and area in worker.areas and worker.skills.get(skill, 0) >= min_level
    ]
    if not eligible:
        raise NoEligibleWorker(
            f"no available worker serves {area} with {skill} at level {min_level} or above",
            area=area,
            skill=skill,
            min_level=min_level,
        )
    return min(eligible, key=lambda candidate: candidate[:3])[3]


class WarrantyCategory(StrEnum):
    ROOF = "roof"
    WATERPROOFING = "waterproofing"
    ELECTRICAL = "electrical"
    PLUMBING = "plumbing"
    DECORATION = "decoration"
    HEATING = "heating"
    COOLING = "cooling"


@dataclasses.dataclass(frozen=True)
class Season:
    """A yearly season from ``start`` to ``end`` (month, day), both days included; it crosses the new year
    when ``end`` comes before ``start``. 29 February is not a valid bound."""

    start: tuple[int, int]
    end: tuple[int, int]


# Northern China's usual public heating period and a summer cooling period; sites set their own.
HEATING_SEASON = Season(start=(11, 15), end=(3, 15))
COOLING_SEASON = Season(start=(6, 1), end=(9, 30))


@dataclasses.dataclass(frozen=True)
class YearsTerm:
    years: int


@dataclasses.dataclass(frozen=True)
class SeasonsTerm:
    """Warranty for ``count`` whole seasons: the first ``count`` seasons that start on or after the handover
    date. A season already under way at handover does not count, so the owner never gets less than
    ``count`` full seasons."""

    count: int
    season: Season


WarrantyTerm = YearsTerm | SeasonsTerm

# SVC-04 defaults, from the usual residential quality guarantee.
DEFAULT_WARRANTY_TERMS: Mapping[str, WarrantyTerm] = {
    WarrantyCategory.ROOF: YearsTerm(years=5),
    WarrantyCategory.WATERPROOFING: YearsTerm(years=5),
    WarrantyCategory.ELECTRICAL: YearsTerm(years=2),
    WarrantyCategory.PLUMBING: YearsTerm(years=2),
    WarrantyCategory.DECORATION: YearsTerm(years=2),
    WarrantyCategory.HEATING: SeasonsTerm(count=2, season=HEATING_SEASON),
    WarrantyCategory.COOLING: SeasonsTerm(count=2, season=COOLING_SEASON),
}


def warranty_covered_until(*, term: WarrantyTerm, handed_over_on: dt.date) -> dt.date:
    """SVC-04: the last day covered. N years end the day before the N-th anniversary of the handover (an
    anniversary of 29 February falls on 1 March); seasons end on the last day of the last counted season."""
    if isinstance(term, YearsTerm):
        return _anniversary(handed_over_on, term.years) - dt.timedelta(days=1)
    month, day = term.season.start
    first_start = dt.date(handed_over_on.year, month, day)
    if first_start < handed_over_on:
        first_start = first_start.replace(year=first_start.year + 1)
    last_start = first_start.replace(year=first_start.year + term.count - 1)
    end = dt.date(last_start.year, *term.season.end)
    return end if end >= last_start else end.replace(year=end.year + 1)


def _anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


@dataclasses.dataclass(frozen=True)
class WarrantyVerdict:
    category: str
    covered_until: dt.date
    chargeable: bool


def warranty_check(
    *,
    category: str,
    handed_over_on: dt.date,
    reported_on: dt.date,
    terms: Mapping[str, WarrantyTerm] = DEFAULT_WARRANTY_TERMS,
) -> WarrantyVerdict:
    """SVC-04: a repair reported after the category's warranty from the handover date is chargeable."""
    term = terms.get(category)
    if term is None:
        raise UnknownWarrantyCategory(f"no warranty period for category {category}", category=category)
    covered_until = warranty_covered_until(term=term, handed_over_on=handed_over_on)
    return WarrantyVerdict(
        category=category, covered_until=covered_until, chargeable=reported_on > covered_until
    )
