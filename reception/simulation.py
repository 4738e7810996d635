"""ROTA-10: the what-if behind ``POST /api/v1/rota/simulate/``, as pure functions.

``simulate(data, base=site_policy)`` validates the request body, replays it through ``rota.replay``
and returns the response body; nothing is stored. Bad input raises ``SimulationError`` whose
``errors`` map a field path (``events[2].named``) to a message, every error at once; an event the
rota refuses while replaying is reported under its path (``events[4]``).

Request: ``{"site": 1, "policy": {...overrides...}, "queue": ["A", ...], "events": [...]}``. Event
kinds: ``status`` (who, status, by, reason), ``walk_in`` (type, stays and the type's own fields),
``finish`` (who, outcome, by, reason), ``sign_in`` (who), ``sign_out`` (who, by, reason),
``transfer`` (from, to, by, reason) and ``reorder`` (order, by, reason). ``by`` is ``"self"``,
``"manager"``, ``"supervisor"`` or a name on the queue. A reception ends with its event unless the
walk-in says ``"stays": true``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from reception import rota
from salesoffice.core.policy import Policy, PolicyError, policy_from_json


class SimulationError(ValueError):
    """A bad request: ``errors`` maps each field path to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))


@dataclasses.dataclass(frozen=True)
class SimulationRequest:
    site: int
    policy: Policy
    queue: tuple[str, ...]
    events: tuple[rota.Event, ...]


def simulate(data: Any, *, base: Policy | None = None) -> dict[str, Any]:
    """ROTA-10: validate, replay and render; ``base`` is the site's current policy."""
    return run(parse_request(data, base=base))


_TOP_FIELDS = {"site", "policy", "queue", "events"}
_KINDS = ("status", "walk_in", "finish", "sign_in", "sign_out", "transfer", "reorder")
_ROLES = {"manager": rota.Role.MANAGER, "supervisor": rota.Role.SUPERVISOR}
# The fields each walk-in type may carry besides kind, type and stays; required ones first.
_WALK_IN_FIELDS: dict[rota.WalkInType, tuple[frozenset[str], frozenset[str]]] = {
    rota.WalkInType.NEW: (frozenset(), frozenset({"assigned_to", "by", "reason", "refused_by"})),
    rota.WalkInType.DESIGNATED: (frozenset({"named"}), frozenset({"refused_by"})),
    rota.WalkInType.RETURNING: (frozenset({"owner"}), frozenset({"delegate"})),
    rota.WalkInType.DEPOSIT_VISIT: (frozenset({"owner"}), frozenset({"delegate"})),
    rota.WalkInType.REFERRED: (frozenset(), frozenset({"assigned_to", "refused_by"})),
    rota.WalkInType.GROUP: (frozenset(), frozenset({"assigned_to", "by", "reason", "refused_by"})),
    rota.WalkInType.ON_BEHALF: (frozenset(), frozenset({"assigned_to", "by", "reason", "refused_by"})),
    rota.WalkInType.NON_CUSTOMER: (frozenset(), frozenset()),
    rota.WalkInType.PEER: (frozenset(), frozenset({"assigned_to", "by", "reason", "refused_by"})),
    rota.WalkInType.TOUR_GROUP: (frozenset(), frozenset({"receiver"})),
}
_ALL_WALK_IN_FIELDS = frozenset().union(
    *(required | allowed for required, allowed in _WALK_IN_FIELDS.values())
)
_EVENT_FIELDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "status": (frozenset({"who", "status"}), frozenset({"by", "reason"})),
    "finish": (frozenset({"who"}), frozenset({"outcome", "by", "reason"})),
    "sign_in": (frozenset({"who"}), frozenset()),
    "sign_out": (frozenset({"who"}), frozenset({"by", "reason"})),
    "transfer": (frozenset({"from", "to", "reason"}), frozenset({"by"})),
    "reorder": (frozenset({"order", "reason"}), frozenset({"by"})),
}


class _Reader:
    """Collects every error of a request under its field path."""

    def __init__(self) -> None:
        self.queue: tuple[str, ...] = ()
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def fields(self, data: Mapping[str, Any], path: str, required: set[str], allowed: set[str]) -> bool:
        for name in sorted(set(data) - required - allowed, key=str):
            self.fail(f"{path}.{name}", "unknown field")
        for name in sorted(required - set(data)):
            self.fail(f"{path}.{name}", "this field is required")
        return required <= set(data)

    def text(self, data: Mapping[str, Any], path: str, name: str, default: str = "") -> str:
        value = data.get(name, default)
        if not isinstance(value, str):
            self.fail(f"{path}.{name}", "must be a string")
            return default
        return value

    def salesperson(self, data: Mapping[str, Any], path: str, name: str) -> str | None:
        if name not in data:
            return None
        value = data[name]
        if not isinstance(value, str):
            self.fail(f"{path}.{name}", "must be a salesperson's name")
            return None
        if value not in self.queue:
            self.fail(f"{path}.{name}", f"{value!r} is not on the queue")
        return value

    def names(self, data: Mapping[str, Any], path: str, name: str) -> tuple[str, ...]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(f"{path}.{name}", "must be a list of salespeople's names")
            return ()
        for index, item in enumerate(value):
            if item not in self.queue:
                self.fail(f"{path}.{name}[{index}]", f"{item!r} is not on the queue")
        return tuple(value)

    def choice(self, data: Mapping[str, Any], path: str, name: str, choices: tuple[str, ...]) -> str | None:
        value = data.get(name)
        if value not in choices:
            self.fail(f"{path}.{name}", f"{value!r} is not one of " + ", ".join(choices))
            return None
        return str(value)

    def actor(self, data: Mapping[str, Any], path: str, default: str) -> rota.Actor | None:
        """None stands for the salesperson acting for themself (``"self"``)."""
        value = data.get("by", default)
        if value == "self":
            return None
        return self.staff(data, path, default)

    def staff(self, data: Mapping[str, Any], path: str, default: str) -> rota.Actor:
        value = data.get("by", default)
        if value in _ROLES:
            return rota.Actor(name=value, role=_ROLES[value])
        if isinstance(value, str) and value in self.queue:
            return rota.Actor(name=value)
        self.fail(f"{path}.by", "must be self, manager, supervisor or a name on the queue")
        return rota.Actor(name=str(value))


def parse_request(data: Any, *, base: Policy | None = None) -> SimulationRequest:
    """Validate the request body; raise ``SimulationError`` naming every bad field."""
    if not isinstance(data, Mapping):
        raise SimulationError({"": "the request must be a JSON object"})
    reader = _Reader()
    reader.queue = _queue(data, reader)
    for name in sorted(set(data) - _TOP_FIELDS, key=str):
        reader.fail(str(name), "unknown field")
    site = _site(data, reader)
    policy = _policy(data.get("policy", {}), base or Policy(), reader)
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        reader.fail("events", "must be a list of events")
        raw_events = []
    events = [_event(raw, f"events[{index}]", reader) for index, raw in enumerate(raw_events)]
    if reader.errors:
        raise SimulationError(reader.errors)
    return SimulationRequest(
        site=site, policy=policy, queue=reader.queue, events=tuple(e for e in events if e is not None)
    )


def _site(data: Mapping[str, Any], reader: _Reader) -> int:
    site = data.get("site")
    if isinstance(site, bool) or not isinstance(site, int) or site < 1:
        reader.fail("site", "must be the id of a sales site")
        return 0
    return site


def _queue(data: Mapping[str, Any], reader: _Reader) -> tuple[str, ...]:
    queue = data.get("queue")
    if not isinstance(queue, list) or not queue or not all(isinstance(n, str) and n for n in queue):
        reader.fail("queue", "must be a non-empty list of salespeople's names")
        return ()
    if len(set(queue)) != len(queue):
        reader.fail("queue", "names must not repeat")
    return tuple(queue)


def _policy(raw: Any, base: Policy, reader: _Reader) -> Policy:
    if not isinstance(raw, Mapping):
        reader.fail("policy", "must be an object of policy fields")
        return base
    try:
        return policy_from_json(raw, base=base)
    except PolicyError as error:
        for name, (_, message) in error.errors.items():
            reader.fail(f"policy.{name}", message)
        return base


def _event(raw: Any, path: str, reader: _Reader) -> rota.Event | None:
    if not isinstance(raw, Mapping):
        reader.fail(path, "must be an object")
        return None
    kind = reader.choice(raw, path, "kind", _KINDS)
    if kind is None:
        return None
    if kind == "walk_in":
        return _walk_in(raw, path, reader)
    required, allowed = _EVENT_FIELDS[kind]
    if not reader.fields(raw, path, {"kind", *required}, set(allowed)):
        return None
    return _PARSERS[kind](raw, path, reader)


def _status(raw: Mapping[str, Any], path: str, reader: _Reader) -> rota.Event | None:
    who = reader.salesperson(raw, path, "who")
    status = reader.choice(raw, path, "status", tuple(rota.Status))
    actor = reader.actor(raw, path, "self")
    reason = reader.text(raw, path, "reason")
    if who is None or status is None:
        return None
    return rota.StatusChange(who=who, status=rota.Status(status), by=actor, reason=reason)


def _finish(raw: Mapping[str, Any], path: str, reader: _Reader) -> rota.Event | None:
    who = reader.salesperson(raw, path, "who")
    outcome = rota.FinishOutcome.REGISTERED
    if "outcome" in raw and (choice := reader.choice(raw, path, "outcome", tuple(rota.FinishOutcome))):
        outcome = rota.FinishOutcome(choice)
    actor = reader.actor(raw, path, "self")
    reason = reader.text(raw, path, "reason")
    return None if who is None else rota.Finish(who=who, outcome=outcome, by=actor, reason=reason)


def _sign_in(raw: Mapping[str, Any], path: str, reader: _Reader) -> rota.Event | None:
    who = reader.salesperson(raw, path, "who")
    return None if who is None else rota.SignIn(who=who)


def _sign_out(raw: Mapping[str, Any], path: str, reader: _Reader) -> rota.Event | None:
    who = reader.salesperson(raw, path, "who")
    actor = reader.actor(raw, path, "self")
    reason = reader.text(raw, path, "reason")
    return None if who is None else rota.SignOut(who=who, by=actor, reason=reason)


def _transfer(raw: Mapping[str, Any], path: str, reader: _Reader) -> rota.Event | None:
    source = reader.salesperson(raw, path, "from")
    target = reader.salesperson(raw, path, "to")
    actor = reader.staff(raw, path, "manager")
    reason = reader.text(raw, path, "reason")
    if source is None or target is None:
        return None
    return rota.Transfer(source=source, target=target, by=actor, reason=reason)


def _reorder(raw: Mapping[str, Any], path: str, reader: _Reader) -> rota.Event | None:
    order = reader.names(raw, path, "order")
    actor = reader.staff(raw, path, "manager")
    reason = reader.text(raw, path, "reason")
    return rota.Reorder(order=order, by=actor, reason=reason)


_PARSERS = {
    "status": _status,
    "finish": _finish,
    "sign_in": _sign_in,
    "sign_out": _sign_out,
    "transfer": _transfer,
    "reorder": _reorder,
}


def _walk_in(raw: Mapping[str, Any], path: str, reader: _Reader) -> rota.Event | None:
    choice = reader.choice(raw, path, "type", tuple(rota.WalkInType))
    if choice is None:
        reader.fields(raw, path, {"kind", "type"}, {"stays", *_ALL_WALK_IN_FIELDS})
        return None
    walk_in_type = rota.WalkInType(choice)
    required, allowed = _WALK_IN_FIELDS[walk_in_type]
    complete = reader.fields(raw, path, {"kind", "type", *required}, {"stays", *allowed})
    stays = raw.get("stays", False)
    if not isinstance(stays, bool):
        reader.fail(f"{path}.stays", "must be true or false")
    assigned_to = reader.salesperson(raw, path, "assigned_to")
    # A manager's assignment is the what-if's default author; a referral needs none.
    by_default = "manager" if assigned_to is not None else "self"
    event = rota.WalkIn(
        type=walk_in_type,
        stays=stays is True,
        named=reader.salesperson(raw, path, "named"),
        owner=reader.salesperson(raw, path, "owner"),
        assigned_to=assigned_to,
        delegate=reader.salesperson(raw, path, "delegate"),
        receiver=reader.salesperson(raw, path, "receiver"),
        refused_by=reader.names(raw, path, "refused_by"),
        by=reader.actor(raw, path, by_default),
        reason=reader.text(raw, path, "reason"),
    )
    return event if complete else None


def run(request: SimulationRequest) -> dict[str, Any]:
    """ROTA-10: replay the request through the rota and render the response body."""
    state = rota.RotaState()
    for name in request.queue:
        state, _ = rota.apply(state, rota.SignIn(who=name), request.policy)
    entries: list[dict[str, Any]] = []
    event_of_walk_in: dict[int, int] = {}
    for index, event in enumerate(request.events):
        try:
            state, outcome = rota.apply(state, event, request.policy)
        except rota.RotaError as error:
            raise SimulationError({f"events[{index}]": error.message}) from error
        if outcome.walk_in is not None:
            event_of_walk_in[outcome.walk_in] = index
        entries.append(_entry(index, outcome, event_of_walk_in))
    return {
        "events": entries,
        "queue": list(state.queue),
        "turns": {name: state.member(name).turns for name in request.queue},
        "tokens": {name: state.token_count(name) for name in request.queue},
        "waiting": [event_of_walk_in[waiting.number] for waiting in state.waiting],
    }


def _entry(index: int, outcome: rota.Outcome, event_of_walk_in: Mapping[int, int]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "event": index,
        "receiver": outcome.receiver,
        "counted": outcome.counted,
        "skipped": [
            {"who": skip.who, "reason": skip.reason.value, "outcome": skip.outcome.value}
            for skip in outcome.skipped
        ],
        "rules": list(outcome.rules),
    }
    handed = [
        {"event": event_of_walk_in[received.walk_in], "receiver": received.receiver}
        for received in outcome.assigned
    ]
    if handed:
        # One salesperson is freed per event, so one hand-over, unless the walk-ins it settles
        # end at once ("stays": false) and it goes on to the next one waiting.
        entry["assigned"] = handed[0] if len(handed) == 1 else handed
    return entry
