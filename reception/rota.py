"""The reception rota (轮接) as a pure function: state + event + policy -> new state + outcome.

One ``RotaState`` per site and business day. The services layer locks it, calls ``apply`` with one
event and the site's ``Policy``, and stores the new state (``RotaState.to_json``) and the outcome
(``Outcome.to_json``). Nothing here reads a clock or a database: events carry their own time, so a
recorded day replays to the same result under any policy (ROTA-10).

The model (ROTA-01): ``queue`` holds the signed-in salespeople, head first; the head is up next and
the last one is the duty assistant (义务接待). A counted turn sends the receiver to the back, and
everybody passed over on the way (the skipped) goes to the back just before them, in their order:
the pointer of the rota has moved past them (S-ROTA-2: A on a break, B receives -> C, D, A, B).
What a skipped salesperson keeps is the skip's outcome (ROTA-03): ``lose``, a make-up token
(ROTA-04: used by the next counted walk-in once they are available, before the normal head), or
``back_of_unreceived`` (on becoming available they are placed after the last salesperson who has
not received a counted turn since they were first skipped).

Errors are ``RotaError`` with a code; a refused event leaves the state as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeAlias

from salesoffice.core.policy import Policy


class Status(StrEnum):
    """ROTA-01 statuses of a salesperson on the day's rota."""

    AVAILABLE = "available"
    RECEIVING = "receiving"
    WITH_OWN_CUSTOMER = "with_own_customer"
    ON_ASSIGNMENT = "on_assignment"
    ON_BREAK = "on_break"
    SIGNED_OUT = "signed_out"


class WalkInType(StrEnum):
    """ROTA-02 kinds of walk-in, decided by the first question at the door (首问)."""

    NEW = "new"
    DESIGNATED = "designated"
    RETURNING = "returning"
    DEPOSIT_VISIT = "deposit_visit"
    REFERRED = "referred"
    GROUP = "group"
    ON_BEHALF = "on_behalf"
    NON_CUSTOMER = "non_customer"
    PEER = "peer"
    TOUR_GROUP = "tour_group"


class Role(StrEnum):
    SALESPERSON = "salesperson"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"


class SkipReason(StrEnum):
    """ROTA-03 reasons for passing over a salesperson whose turn it was."""

    ON_BREAK = "on_break"
    WITH_OWN_CUSTOMER = "with_own_customer"
    ON_ASSIGNMENT = "on_assignment"
    RECEIVING = "receiving"  # a reception that did not count (returning customer, deposit visit, ...)
    RECEIVING_COUNTED = "receiving_counted"  # still with the customer of their own counted turn
    REFUSED = "refused"


class SkipOutcome(StrEnum):
    LOSE = "lose"
    MAKEUP = "makeup"
    BACK_OF_UNRECEIVED = "back_of_unreceived"


class FinishOutcome(StrEnum):
    """ROTA-05: every reception ends with a registration or an explicit outcome."""

    REGISTERED = "registered"
    NOT_A_CUSTOMER = "not_a_customer"
    LEFT_BEFORE_REGISTRATION = "left_before_registration"


class RotaError(Exception):
    """An action the rota refuses; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


# Events ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who made a change; a salesperson may change only their own status (ROTA-01)."""

    name: str
    role: Role = Role.SALESPERSON


@dataclasses.dataclass(frozen=True)
class SignIn:
    """ROTA-01: join the day's rota (at the place the day's plan gives, else at the back)."""

    who: str
    team: str | None = None
    at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class SignOut:
    """ROTA-01: leave the rota; ``by`` None means the salesperson themself."""

    who: str
    by: Actor | None = None
    reason: str = ""
    at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class StatusChange:
    """ROTA-01, ROTA-05: available / with_own_customer / on_assignment / on_break.

    ``receiving`` only follows from a walk-in and ``signed_out`` from ``SignOut``.
    """

    who: str
    status: Status
    by: Actor | None = None
    reason: str = ""
    at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class WalkIn:
    """ROTA-02: somebody came through the door.

    ``named``: the salesperson a designated customer names. ``owner``: the owner of a returning or
    deposit-visit customer; ``delegate``: the colleague the owner asked to stand in (ROTA-07).
    ``assigned_to``: for ``referred``, the salesperson the referral rules give the customer; for
    ``new``, ``group``, ``on_behalf`` and ``peer``, a manager's or supervisor's assignment (``by``
    and ``reason`` required, ROTA-05). ``receiver``: for a tour group, the salesperson the team
    manager arranged (None: the team manager receives it). ``refused_by``: salespeople who refused or
    picked this customer (ROTA-03: lose, and a violation). ``stays``: False when the reception ends
    with the event itself, True when the receiver stays busy until ``Finish``.
    """

    type: WalkInType
    stays: bool = True
    named: str | None = None
    owner: str | None = None
    assigned_to: str | None = None
    delegate: str | None = None
    receiver: str | None = None
    refused_by: tuple[str, ...] = ()
    by: Actor | None = None
    reason: str = ""
    at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Finish:
    """ROTA-05: a reception ended, with its outcome."""

    who: str
    outcome: FinishOutcome = FinishOutcome.REGISTERED
    by: Actor | None = None
    reason: str = ""
    at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Transfer:
    """ROTA-05: only the site manager moves a started reception to another salesperson."""

    source: str
    target: str
    by: Actor
    reason: str
    at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Reorder:
    """ROTA-01, ROTA-05: a manager or supervisor sets the queue order, with a reason."""

    order: tuple[str, ...]
    by: Actor
    reason: str
    at: dt.datetime | None = None


Event: TypeAlias = SignIn | SignOut | StatusChange | WalkIn | Finish | Transfer | Reorder

# State ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Reception:
    """An open reception: which walk-in, since when, whether it was a counted turn."""

    walk_in: int
    type: WalkInType
    counted: bool
    since: dt.datetime | None = None
    for_owner: str | None = None  # a stand-in records the visit for the owner (ROTA-07)


@dataclasses.dataclass(frozen=True)
class Member:
    """One salesperson who signed in today, with their status and counters."""

    name: str
    status: Status = Status.AVAILABLE
    since: dt.datetime | None = None
    team: str | None = None
    reception: Reception | None = None
    turns: int = 0
    last_turn: int = 0  # sequence number of their latest counted turn, 0 for none
    pending_since_turn: int | None = None  # back_of_unreceived: turn sequence at the first skip


@dataclasses.dataclass(frozen=True)
class Waiting:
    """A walk-in that arrived while nobody could receive it (ROTA-02 waiting list)."""

    number: int
    walk_in: WalkIn


@dataclasses.dataclass(frozen=True)
class RotaState:
    """The rota of one site and business day.

    ``tokens`` lists make-up tokens in the order they were granted, one entry per token, so the
    earliest-credited available holder uses theirs first. ``planned`` is the day's order from the
    manager or from yesterday (ROTA-01 options B and C); empty when the queue follows sign-ins.
    """

    queue: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()
    tokens: tuple[str, ...] = ()
    waiting: tuple[Waiting, ...] = ()
    planned: tuple[str, ...] = ()
    walk_ins: int = 0
    turns: int = 0
    last_receiver: str | None = None

    def find(self, name: str | None) -> Member | None:
        return next((member for member in self.members if member.name == name), None)

    def member(self, name: str) -> Member:
        member = self.find(name)
        if member is None:
            raise RotaError("unknown_salesperson", f"{name} has not signed in today")
        return member

    def is_available(self, name: str | None) -> bool:
        member = self.find(name)
        return member is not None and name in self.queue and member.status is Status.AVAILABLE

    def token_count(self, name: str) -> int:
        return self.tokens.count(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "queue": list(self.queue),
            "members": [_jsonable(dataclasses.asdict(member)) for member in self.members],
            "tokens": list(self.tokens),
            "waiting": [
                {"number": waiting.number, "walk_in": walk_in_to_json(waiting.walk_in)}
                for waiting in self.waiting
            ],
            "planned": list(self.planned),
            "walk_ins": self.walk_ins,
            "turns": self.turns,
            "last_receiver": self.last_receiver,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RotaState:
        return cls(
            queue=tuple(data["queue"]),
            members=tuple(_member_from_json(member) for member in data["members"]),
            tokens=tuple(data["tokens"]),
            waiting=tuple(
                Waiting(number=item["number"], walk_in=walk_in_from_json(item["walk_in"]))
                for item in data["waiting"]
            ),
            planned=tuple(data["planned"]),
            walk_ins=data["walk_ins"],
            turns=data["turns"],
            last_receiver=data["last_receiver"],
        )


# Outcome --------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Skip:
    who: str
    reason: SkipReason
    outcome: SkipOutcome


@dataclasses.dataclass(frozen=True)
class Violation:
    """A breach of the rota for the manager (ROTA-03: refused or picked a customer)."""

    who: str
    code: str
    walk_in: int | None = None


@dataclasses.dataclass(frozen=True)
class Received:
    """How one walk-in was received: at once, or later from the waiting list."""

    walk_in: int
    type: WalkInType
    receiver: str | None
    counted: bool
    for_owner: str | None = None
    skipped: tuple[Skip, ...] = ()
    tokens_granted: tuple[str, ...] = ()
    token_used: str | None = None
    arrived_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    rules: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one event did. ``reception`` is this event's own walk-in when received at once;
    ``waiting`` is True when it joined the waiting list; ``assigned`` lists waiting walk-ins this
    event handed to a salesperson who became available (S-ROTA-7)."""

    kind: str
    rules: tuple[str, ...]
    walk_in: int | None = None
    walk_in_type: WalkInType | None = None
    reception: Received | None = None
    waiting: bool = False
    assigned: tuple[Received, ...] = ()
    violations: tuple[Violation, ...] = ()

    @property
    def receiver(self) -> str | None:
        return self.reception.receiver if self.reception else None

    @property
    def counted(self) -> bool:
        return self.reception.counted if self.reception else False

    @property
    def skipped(self) -> tuple[Skip, ...]:
        return self.reception.skipped if self.reception else ()

    @property
    def receptions(self) -> tuple[Received, ...]:
        return ((self.reception,) if self.reception else ()) + self.assigned

    @property
    def tokens_granted(self) -> tuple[str, ...]:
        return tuple(name for received in self.receptions for name in received.tokens_granted)

    @property
    def tokens_used(self) -> tuple[str, ...]:
        return tuple(received.token_used for received in self.receptions if received.token_used)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _jsonable(dataclasses.asdict(self))
        return data


# Applying events ------------------------------------------------------------------------------


def apply(state: RotaState, event: Event, policy: Policy) -> tuple[RotaState, Outcome]:
    """ROTA-01..07: the new state and the outcome of one event, or ``RotaError``."""
    match event:
        case SignIn():
            return _sign_in(state, event, policy)
        case SignOut():
            return _sign_out(state, event)
        case StatusChange():
            return _change_status(state, event, policy)
        case WalkIn():
            return _walk_in(state, event, policy)
        case Finish():
            return _finish(state, event, policy)
        case Transfer():
            return _transfer(state, event, policy)
        case Reorder():
            return _reorder(state, event)


def replay(
    state: RotaState, events: Iterable[Event], policy: Policy
) -> tuple[RotaState, tuple[Outcome, ...]]:
    """ROTA-10: run events in order; the recorded rota and the simulation both use this."""
    outcomes = []
    for event in events:
        state, outcome = apply(state, event, policy)
        outcomes.append(outcome)
    return state, tuple(outcomes)


def _sign_in(state: RotaState, event: SignIn, policy: Policy) -> tuple[RotaState, Outcome]:
    existing = state.find(event.who)
    if existing is not None and existing.status is not Status.SIGNED_OUT:
        raise RotaError("already_signed_in", f"{event.who} is already on today's rota")
    team = event.team if event.team is not None else (existing.team if existing else None)
    member = dataclasses.replace(
        existing or Member(name=event.who), status=Status.AVAILABLE, since=event.at, team=team
    )
    state = _put_member(state, member)
    state = dataclasses.replace(state, queue=_place_by_plan(state, event.who))
    state, assigned = _hand_over_waiting(state, policy, event.at)
    return state, _outcome("sign_in", ("ROTA-01",), assigned=assigned)


def _place_by_plan(state: RotaState, name: str) -> tuple[str, ...]:
    """ROTA-01 B/C: a planned salesperson goes before the first later-planned one still waiting
    for a first turn today; everybody else joins at the back (option A: sign-in order)."""
    if name not in state.planned:
        return (*state.queue, name)
    rank = state.planned.index(name)
    for index, other in enumerate(state.queue):
        later = other in state.planned and state.planned.index(other) > rank
        if later and state.member(other).last_turn == 0:
            return (*state.queue[:index], name, *state.queue[index:])
    return (*state.queue, name)


def _sign_out(state: RotaState, event: SignOut) -> tuple[RotaState, Outcome]:
    rules = ("ROTA-01", *_authorise(event.who, event.by, event.reason))
    member = _signed_in(state, event.who)
    _require_no_open_reception(member)
    member = dataclasses.replace(member, status=Status.SIGNED_OUT, since=event.at, pending_since_turn=None)
    state = _put_member(state, member)
    state = dataclasses.replace(state, queue=tuple(name for name in state.queue if name != event.who))
    return state, _outcome("sign_out", rules)


_SETTABLE = (Status.AVAILABLE, Status.WITH_OWN_CUSTOMER, Status.ON_ASSIGNMENT, Status.ON_BREAK)


def _change_status(state: RotaState, event: StatusChange, policy: Policy) -> tuple[RotaState, Outcome]:
    rules = ("ROTA-01", *_authorise(event.who, event.by, event.reason))
    if event.status not in _SETTABLE:
        raise RotaError(
            "invalid_status",
            f"{event.status} is not set by hand: receiving follows a walk-in, signed_out a sign-out",
        )
    member = _signed_in(state, event.who)
    _require_no_open_reception(member)
    state = _put_member(state, dataclasses.replace(member, status=event.status, since=event.at))
    assigned: tuple[Received, ...] = ()
    if event.status is Status.AVAILABLE and member.status is not Status.AVAILABLE:
        state = _reposition(state, event.who)
        state, assigned = _hand_over_waiting(state, policy, event.at)
    return state, _outcome("status", rules, assigned=assigned)


def _finish(state: RotaState, event: Finish, policy: Policy) -> tuple[RotaState, Outcome]:
    rules = ("ROTA-05", *_authorise(event.who, event.by, event.reason))
    member = _signed_in(state, event.who)
    if member.reception is None:
        raise RotaError("not_receiving", f"{event.who} has no open reception to finish")
    state = _free(state, member, event.at)
    state, assigned = _hand_over_waiting(state, policy, event.at)
    return state, _outcome("finish", rules, assigned=assigned)


def _transfer(state: RotaState, event: Transfer, policy: Policy) -> tuple[RotaState, Outcome]:
    """ROTA-05: a started reception moves only by the site manager, with a reason."""
    if event.by.role is not Role.MANAGER:
        raise RotaError("manager_only", "only the site manager can transfer a reception")
    _require_reason(event.reason)
    source = _signed_in(state, event.source)
    if source.reception is None:
        raise RotaError("not_receiving", f"{event.source} has no open reception to transfer")
    _require_available(state, event.target)
    target = state.member(event.target)
    state = _put_member(
        state,
        dataclasses.replace(target, status=Status.RECEIVING, since=event.at, reception=source.reception),
    )
    state = _free(state, source, event.at)
    state, assigned = _hand_over_waiting(state, policy, event.at)
    return state, _outcome("transfer", ("ROTA-05",), assigned=assigned)


def _reorder(state: RotaState, event: Reorder) -> tuple[RotaState, Outcome]:
    """ROTA-01, ROTA-05: only a manager or supervisor, with a reason, and the same people."""
    if event.by.role is Role.SALESPERSON:
        raise RotaError("not_allowed", "only a manager or supervisor can change the order")
    _require_reason(event.reason)
    if len(set(event.order)) != len(event.order) or set(event.order) != set(state.queue):
        raise RotaError("invalid_order", "the new order must list each signed-in salesperson once")
    return dataclasses.replace(state, queue=tuple(event.order)), _outcome("reorder", ("ROTA-01", "ROTA-05"))


def _free(state: RotaState, member: Member, at: dt.datetime | None) -> RotaState:
    freed = dataclasses.replace(member, status=Status.AVAILABLE, since=at, reception=None)
    return _reposition(_put_member(state, freed), member.name)


def _authorise(who: str, by: Actor | None, reason: str) -> tuple[str, ...]:
    """ROTA-01, ROTA-05: a salesperson acts only for themself; a manager or supervisor acts for
    anyone but must give a reason, and the change is recorded under ROTA-05."""
    if by is None or (by.role is Role.SALESPERSON and by.name == who):
        return ()
    if by.role is Role.SALESPERSON:
        raise RotaError("not_allowed", f"{by.name} may change only their own status, not {who}'s")
    _require_reason(reason)
    return ("ROTA-05",)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise RotaError("reason_required", "a manager's or supervisor's change needs a reason")


def _signed_in(state: RotaState, name: str) -> Member:
    member = state.member(name)
    if name not in state.queue:
        raise RotaError("not_signed_in", f"{name} is not signed in")
    return member


def _require_no_open_reception(member: Member) -> None:
    if member.reception is not None:
        raise RotaError(
            "reception_open",
            f"{member.name} is still receiving walk-in {member.reception.walk_in}: finish it first",
        )


def _require_available(state: RotaState, name: str) -> None:
    member = _signed_in(state, name)
    if member.status is Status.RECEIVING:
        raise RotaError(
            "receiver_busy",
            f"{name} is receiving a customer and cannot be given another walk-in; "
            "only the site manager can transfer a reception",
        )
    if member.status is not Status.AVAILABLE:
        raise RotaError("not_available", f"{name} is {member.status}, not available")


def _put_member(state: RotaState, member: Member) -> RotaState:
    if state.find(member.name) is None:
        return dataclasses.replace(state, members=(*state.members, member))
    members = tuple(member if other.name == member.name else other for other in state.members)
    return dataclasses.replace(state, members=members)


def _outcome(kind: str, rules: tuple[str, ...], *, assigned: tuple[Received, ...] = ()) -> Outcome:
    for received in assigned:
        rules = _merge_rules(rules, received.rules)
    return Outcome(kind=kind, rules=rules, assigned=assigned)


def _merge_rules(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return first + tuple(rule for rule in second if rule not in first)


# Walk-ins -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Decision:
    receiver: str | None
    counted: bool
    rules: tuple[str, ...]
    status: Status = Status.RECEIVING
    for_owner: str | None = None
    skipped: tuple[Skip, ...] = ()
    tokens_granted: tuple[str, ...] = ()
    token_used: str | None = None


_QUEUE_TYPES = (WalkInType.NEW, WalkInType.GROUP, WalkInType.ON_BEHALF, WalkInType.PEER, WalkInType.REFERRED)


def _walk_in(state: RotaState, event: WalkIn, policy: Policy) -> tuple[RotaState, Outcome]:
    """ROTA-02: route the walk-in; when nobody can receive it, it waits."""
    _check_walk_in(state, event)
    number = state.walk_ins + 1
    state = dataclasses.replace(state, walk_ins=number)
    violations = tuple(
        Violation(who=name, code="refused_customer", walk_in=number) for name in event.refused_by
    )
    decision = _route(state, event, policy)
    if decision is None:
        waiting = (*state.waiting, Waiting(number=number, walk_in=event))
        outcome = Outcome(
            kind="walk_in",
            rules=("ROTA-02", "ROTA-03") if violations else ("ROTA-02",),
            walk_in=number,
            walk_in_type=event.type,
            waiting=True,
            violations=violations,
        )
        return dataclasses.replace(state, waiting=waiting), outcome
    state, received = _receive(state, event, number, decision, event.at)
    rules = _merge_rules(received.rules, ("ROTA-03",) if violations else ())
    outcome = Outcome(
        kind="walk_in",
        rules=rules,
        walk_in=number,
        walk_in_type=event.type,
        reception=received,
        violations=violations,
    )
    return state, outcome


def _check_walk_in(state: RotaState, event: WalkIn) -> None:
    """Refuse walk-ins that cannot be routed; ROTA-05 for manager assignments."""
    if event.type is WalkInType.DESIGNATED and not event.named:
        raise RotaError("missing_field", "a designated walk-in needs the salesperson it names")
    if event.type in (WalkInType.RETURNING, WalkInType.DEPOSIT_VISIT) and not event.owner:
        raise RotaError("missing_field", f"a {event.type} walk-in needs the customer's owner")
    if event.assigned_to is not None and event.type not in _QUEUE_TYPES:
        raise RotaError("invalid_walk_in", f"a {event.type} walk-in is not assigned by hand")
    if event.assigned_to is not None and event.type is not WalkInType.REFERRED:
        if event.by is None or event.by.role is Role.SALESPERSON:
            raise RotaError("not_allowed", "only a manager or supervisor assigns a walk-in")
        _require_reason(event.reason)
        _require_available(state, event.assigned_to)
    if event.receiver is not None:
        if event.type is not WalkInType.TOUR_GROUP:
            raise RotaError("invalid_walk_in", "only a tour group names its receiver")
        _require_available(state, event.receiver)
    for name in event.refused_by:
        _signed_in(state, name)


def _route(state: RotaState, event: WalkIn, policy: Policy) -> _Decision | None:
    """ROTA-02: who receives, and whether it counts; None when nobody can receive it now."""
    refused = frozenset(event.refused_by)
    match event.type:
        case WalkInType.DESIGNATED:
            return _designated(state, event, policy, refused)
        case WalkInType.RETURNING | WalkInType.DEPOSIT_VISIT:
            return _owned(state, event, policy)
        case WalkInType.NON_CUSTOMER:
            return _greet(state)
        case WalkInType.TOUR_GROUP:
            # The team manager arranges a tour group; the head keeps the position.
            return _Decision(receiver=event.receiver, counted=False, rules=("ROTA-02",))
        case WalkInType.PEER if not policy.peer_counts:
            return _greet(state)
    if event.assigned_to is not None and state.is_available(event.assigned_to):
        rules = ("ROTA-02",) if event.type is WalkInType.REFERRED else ("ROTA-01", "ROTA-02", "ROTA-05")
        return _Decision(receiver=event.assigned_to, counted=True, rules=rules)
    return _queue_turn(state, policy, refused)


def _designated(state: RotaState, event: WalkIn, policy: Policy, refused: frozenset[str]) -> _Decision | None:
    """ROTA-02 designated: options counts / counts_if_up_next / never; the named one absent or
    busy -> the head of the queue receives, counted."""
    named = event.named
    if not state.is_available(named):
        return _queue_turn(state, policy, refused)
    if policy.designated_turn == "counts":
        return _Decision(receiver=named, counted=True, rules=("ROTA-02",))
    if policy.designated_turn == "counts_if_up_next":
        turn = _queue_turn(state, policy, refused)
        if turn is not None and turn.receiver == named:
            return turn
    return _Decision(receiver=named, counted=False, rules=("ROTA-02",))


def _owned(state: RotaState, event: WalkIn, policy: Policy) -> _Decision | None:
    """ROTA-02, ROTA-07: the owner receives their own customer (not a turn); when the owner is
    absent or busy, a stand-in receives it for the owner."""
    owner = event.owner
    if state.is_available(owner):
        return _Decision(receiver=owner, counted=False, rules=("ROTA-02",), status=Status.WITH_OWN_CUSTOMER)
    stand_in = _stand_in(state, owner, event.delegate)
    if stand_in is None:
        return None
    if event.type is WalkInType.DEPOSIT_VISIT:
        # Voluntary help (义务协助) for a customer who only pays or signs: never a turn.
        return _Decision(receiver=stand_in, counted=False, rules=("ROTA-02",), for_owner=owner)
    counted = policy.returning_standin_turn == "counted"
    return _Decision(receiver=stand_in, counted=counted, rules=("ROTA-02", "ROTA-07"), for_owner=owner)


def _stand_in(state: RotaState, owner: str | None, delegate: str | None) -> str | None:
    """ROTA-07: the colleague the owner delegated; else a free member of the owner's team nearest
    the back; else the duty assistant (last in queue) or the free salesperson nearest the back."""
    if delegate is not None and delegate != owner and state.is_available(delegate):
        return delegate
    free_from_back = [name for name in reversed(state.queue) if name != owner and state.is_available(name)]
    owner_member = state.find(owner)
    team = owner_member.team if owner_member else None
    same_team = [name for name in free_from_back if team is not None and state.member(name).team == team]
    return next(iter(same_team + free_from_back), None)


def _greet(state: RotaState) -> _Decision | None:
    """ROTA-02: whoever is up next greets a visitor who is not a turn; the queue does not move."""
    name = next((name for name in state.queue if state.is_available(name)), None)
    if name is None:
        return None
    return _Decision(receiver=name, counted=False, rules=("ROTA-02",))


def _queue_turn(state: RotaState, policy: Policy, refused: frozenset[str]) -> _Decision | None:
    """ROTA-02, ROTA-03, ROTA-04: the earliest-credited available make-up holder, else the first
    available salesperson in queue order; everybody passed over is a skip."""
    holder = next((name for name in state.tokens if state.is_available(name) and name not in refused), None)
    if holder is not None:
        return _Decision(receiver=holder, counted=True, rules=("ROTA-02", "ROTA-04"), token_used=holder)
    skipped: list[Skip] = []
    granted: list[str] = []
    for name in state.queue:
        member = state.member(name)
        if member.status is Status.AVAILABLE and name not in refused:
            rules = ("ROTA-02",) + (("ROTA-03",) if skipped else ())
            if any(skip.outcome is not SkipOutcome.LOSE for skip in skipped):
                rules += ("ROTA-04",)
            return _Decision(
                receiver=name,
                counted=True,
                rules=rules,
                skipped=tuple(skipped),
                tokens_granted=tuple(granted),
            )
        reason = SkipReason.REFUSED if name in refused else _skip_reason(member)
        option = _makeup_option(reason, policy)
        skipped.append(Skip(who=name, reason=reason, outcome=_skip_outcome(option)))
        if option == "each" or (option == "once" and state.token_count(name) == 0):
            granted.append(name)
    return None


def _skip_reason(member: Member) -> SkipReason:
    if member.status is Status.RECEIVING:
        counted = member.reception is not None and member.reception.counted
        return SkipReason.RECEIVING_COUNTED if counted else SkipReason.RECEIVING
    return SkipReason(member.status.value)


def _makeup_option(reason: SkipReason, policy: Policy) -> str | None:
    """ROTA-03: the make-up option for a skip reason; None when the turn is lost."""
    options = {
        SkipReason.WITH_OWN_CUSTOMER: policy.makeup_with_own_customer,
        SkipReason.ON_ASSIGNMENT: policy.makeup_on_assignment,
        SkipReason.RECEIVING: policy.makeup_receiving_uncounted,
    }
    return options.get(reason)


def _skip_outcome(option: str | None) -> SkipOutcome:
    if option is None:
        return SkipOutcome.LOSE
    if option == "back_of_unreceived":
        return SkipOutcome.BACK_OF_UNRECEIVED
    return SkipOutcome.MAKEUP


def _receive(
    state: RotaState, event: WalkIn, number: int, decision: _Decision, at: dt.datetime | None
) -> tuple[RotaState, Received]:
    """Apply a routing decision: tokens, pending placements, turn count, queue and status."""
    state = _settle_tokens(state, decision)
    state = _mark_back_of_unreceived(state, decision.skipped)
    if decision.receiver is not None and decision.counted:
        state = _count_turn(state, decision)
    if decision.receiver is not None and event.stays:
        reception = Reception(
            walk_in=number, type=event.type, counted=decision.counted, since=at, for_owner=decision.for_owner
        )
        member = dataclasses.replace(
            state.member(decision.receiver), status=decision.status, since=at, reception=reception
        )
        state = _put_member(state, member)
    received = Received(
        walk_in=number,
        type=event.type,
        receiver=decision.receiver,
        counted=decision.counted,
        for_owner=decision.for_owner,
        skipped=decision.skipped,
        tokens_granted=decision.tokens_granted,
        token_used=decision.token_used,
        arrived_at=event.at,
        received_at=at,
        rules=decision.rules,
    )
    return state, received


def _settle_tokens(state: RotaState, decision: _Decision) -> RotaState:
    tokens = list(state.tokens)
    if decision.token_used is not None:
        tokens.remove(decision.token_used)
    return dataclasses.replace(state, tokens=(*tokens, *decision.tokens_granted))


def _mark_back_of_unreceived(state: RotaState, skipped: tuple[Skip, ...]) -> RotaState:
    for skip in skipped:
        member = state.member(skip.who)
        if skip.outcome is SkipOutcome.BACK_OF_UNRECEIVED and member.pending_since_turn is None:
            state = _put_member(state, dataclasses.replace(member, pending_since_turn=state.turns))
    return state


def _count_turn(state: RotaState, decision: _Decision) -> RotaState:
    """ROTA-01: the receiver of a counted turn goes to the back, the skipped just before them."""
    receiver = state.member(str(decision.receiver))
    turns = state.turns + 1
    state = _put_member(state, dataclasses.replace(receiver, turns=receiver.turns + 1, last_turn=turns))
    passed = tuple(skip.who for skip in decision.skipped)
    rest = tuple(name for name in state.queue if name not in passed and name != receiver.name)
    return dataclasses.replace(
        state, queue=(*rest, *passed, receiver.name), turns=turns, last_receiver=receiver.name
    )


def _reposition(state: RotaState, name: str) -> RotaState:
    """ROTA-03 back_of_unreceived: on becoming available, go right after the last salesperson who
    has not received a counted turn since this one was first skipped (the head if nobody)."""
    member = state.member(name)
    since = member.pending_since_turn
    if since is None:
        return state
    others = tuple(other for other in state.queue if other != name)
    unreceived = [index for index, other in enumerate(others) if state.member(other).last_turn <= since]
    index = unreceived[-1] + 1 if unreceived else 0
    state = _put_member(state, dataclasses.replace(member, pending_since_turn=None))
    return dataclasses.replace(state, queue=(*others[:index], name, *others[index:]))


def _hand_over_waiting(
    state: RotaState, policy: Policy, at: dt.datetime | None
) -> tuple[RotaState, tuple[Received, ...]]:
    """ROTA-02 waiting list: waiting walk-ins, oldest first, go to whoever can now receive them."""
    handed: list[Received] = []
    while (found := _first_receivable(state, policy)) is not None:
        waiting, decision = found
        state = dataclasses.replace(state, waiting=tuple(item for item in state.waiting if item != waiting))
        state, received = _receive(state, waiting.walk_in, waiting.number, decision, at)
        handed.append(received)
    return state, tuple(handed)


def _first_receivable(state: RotaState, policy: Policy) -> tuple[Waiting, _Decision] | None:
    for waiting in state.waiting:
        decision = _route(state, waiting.walk_in, policy)
        if decision is not None:
            return waiting, decision
    return None


# The day's start, queries and figures ---------------------------------------------------------


def day_plan(
    policy: Policy,
    *,
    manager_order: Sequence[str] = (),
    yesterday_queue: Sequence[str] = (),
    stopped_at: str | None = None,
) -> tuple[str, ...]:
    """ROTA-01 order source: A ``sign_in`` has no plan; B ``manager_order`` is the manager's order;
    C ``continue_yesterday`` is yesterday's queue starting after ``stopped_at``, the last one who
    received ("当天下班轮到4,则第二天上班时从5开始")."""
    if policy.order_source == "manager_order":
        return tuple(dict.fromkeys(manager_order))
    if policy.order_source == "continue_yesterday":
        order = tuple(dict.fromkeys(yesterday_queue))
        if stopped_at in order:
            start = order.index(stopped_at) + 1
            order = order[start:] + order[:start]
        return order
    return ()


def day_start(
    policy: Policy,
    *,
    manager_order: Sequence[str] = (),
    yesterday_queue: Sequence[str] = (),
    stopped_at: str | None = None,
    carried_tokens: Sequence[str] = (),
) -> RotaState:
    """ROTA-01, ROTA-04: an empty day with its plan; yesterday's unused make-up tokens carry over
    only when ``makeup_expires_daily`` is off."""
    plan = day_plan(
        policy, manager_order=manager_order, yesterday_queue=yesterday_queue, stopped_at=stopped_at
    )
    tokens = () if policy.makeup_expires_daily else tuple(carried_tokens)
    return RotaState(planned=plan, tokens=tokens)


def initial_queue(
    policy: Policy,
    *,
    sign_ins: Sequence[str],
    manager_order: Sequence[str] = (),
    yesterday_queue: Sequence[str] = (),
    stopped_at: str | None = None,
) -> tuple[str, ...]:
    """ROTA-01: the day's queue once ``sign_ins`` (in sign-in order) have signed in."""
    state = day_start(
        policy, manager_order=manager_order, yesterday_queue=yesterday_queue, stopped_at=stopped_at
    )
    state, _ = replay(state, (SignIn(who=name) for name in dict.fromkeys(sign_ins)), policy)
    return state.queue


def up_next(state: RotaState) -> str | None:
    """ROTA-01, ROTA-04: who receives the next counted walk-in (a make-up holder comes first)."""
    holder = next((name for name in state.tokens if state.is_available(name)), None)
    return holder or next((name for name in state.queue if state.is_available(name)), None)


def duty_assistant(state: RotaState) -> str | None:
    """ROTA-01: the last salesperson in the queue (义务接待)."""
    return state.queue[-1] if state.queue else None


def phone_duty(state: RotaState, policy: Policy) -> tuple[str, ...]:
    """ROTA-06: who answers incoming calls, in queue order. ``last_k``: the ``phone_lines``
    available salespeople nearest the back; ``head``: the ``phone_lines`` nearest the head;
    ``queue``: calls follow the walk-in queue, so the one up next."""
    available = [name for name in state.queue if state.is_available(name)]
    lines = policy.phone_lines
    if policy.phone_duty == "queue":
        name = up_next(state)
        return (name,) if name and lines else ()
    if policy.phone_duty == "head":
        return tuple(available[:lines])
    return tuple(available[len(available) - lines :]) if lines else ()


def open_reception_alerts(state: RotaState, policy: Policy, now: dt.datetime) -> tuple[str, ...]:
    """ROTA-05: salespeople whose open reception is older than ``open_reception_alert_hours``."""
    limit = dt.timedelta(hours=policy.open_reception_alert_hours)
    return tuple(
        member.name
        for member in state.members
        if member.reception is not None
        and member.reception.since is not None
        and now - member.reception.since > limit
    )


@dataclasses.dataclass(frozen=True)
class FairnessFigures:
    """ROTA-09 figures that follow from the outcomes alone (conversions need the registrations)."""

    walk_ins_by_type: Mapping[str, int]
    turns: Mapping[str, int]
    skips_by_reason: Mapping[str, int]
    makeups_granted: Mapping[str, int]
    makeups_used: Mapping[str, int]
    waiting_times: tuple[dt.timedelta, ...]
    receptions_by_hour: Mapping[int, int]
    violations: Mapping[str, int]


def fairness_figures(outcomes: Iterable[Outcome]) -> FairnessFigures:
    """ROTA-09: walk-ins by kind, turns, skips by reason, make-ups granted and used, waiting times
    at the door (arrival to reception, when both times are known), receptions per hour, violations."""
    outcomes = tuple(outcomes)
    receptions = [received for outcome in outcomes for received in outcome.receptions]
    return FairnessFigures(
        walk_ins_by_type=dict(Counter(str(o.walk_in_type) for o in outcomes if o.walk_in_type)),
        turns=dict(Counter(str(r.receiver) for r in receptions if r.counted)),
        skips_by_reason=dict(Counter(str(skip.reason) for r in receptions for skip in r.skipped)),
        makeups_granted=dict(Counter(name for o in outcomes for name in o.tokens_granted)),
        makeups_used=dict(Counter(name for o in outcomes for name in o.tokens_used)),
        waiting_times=tuple(
            r.received_at - r.arrived_at for r in receptions if r.received_at and r.arrived_at and r.receiver
        ),
        receptions_by_hour=dict(
            Counter(r.received_at.hour for r in receptions if r.received_at and r.receiver)
        ),
        violations=dict(Counter(v.who for o in outcomes for v in o.violations)),
    )


# JSON -----------------------------------------------------------------------------------------


def walk_in_to_json(walk_in: WalkIn) -> dict[str, Any]:
    data: dict[str, Any] = _jsonable(dataclasses.asdict(walk_in))
    return data


def walk_in_from_json(data: Mapping[str, Any]) -> WalkIn:
    by = data.get("by")
    return WalkIn(
        type=WalkInType(data["type"]),
        stays=data["stays"],
        named=data.get("named"),
        owner=data.get("owner"),
        assigned_to=data.get("assigned_to"),
        delegate=data.get("delegate"),
        receiver=data.get("receiver"),
        refused_by=tuple(data.get("refused_by", ())),
        by=Actor(name=by["name"], role=Role(by["role"])) if by else None,
        reason=data.get("reason", ""),
        at=_datetime_from_json(data.get("at")),
    )


def _member_from_json(data: Mapping[str, Any]) -> Member:
    reception = data["reception"]
    return Member(
        name=data["name"],
        status=Status(data["status"]),
        since=_datetime_from_json(data["since"]),
        team=data["team"],
        reception=_reception_from_json(reception) if reception else None,
        turns=data["turns"],
        last_turn=data["last_turn"],
        pending_since_turn=data["pending_since_turn"],
    )


def _reception_from_json(data: Mapping[str, Any]) -> Reception:
    return Reception(
        walk_in=data["walk_in"],
        type=WalkInType(data["type"]),
        counted=data["counted"],
        since=_datetime_from_json(data["since"]),
        for_owner=data["for_owner"],
    )


def _datetime_from_json(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _jsonable(value: Any) -> Any:
    """Plain JSON values from ``dataclasses.asdict`` output: enums, datetimes and tuples."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value
