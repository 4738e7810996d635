"""Pure helpers around the recorded rota (no Django): events and outcomes to and from JSON, the
order a day closes with, and the replay of a recorded day under another policy (ROTA-10).

The rota rules themselves stay in ``reception.rota``; this module only stores and re-reads what
the engine was given and what it answered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reception import rota
from salesoffice.core.policy import Policy

_KIND_OF: dict[type, str] = {
    rota.SignIn: "sign_in",
    rota.SignOut: "sign_out",
    rota.StatusChange: "status",
    rota.WalkIn: "walk_in",
    rota.Finish: "finish",
    rota.Transfer: "transfer",
    rota.Reorder: "reorder",
}


def event_kind(event: rota.Event) -> str:
    return _KIND_OF[type(event)]


def event_to_json(event: rota.Event) -> dict[str, Any]:
    """The engine event as stored in ``RotaEvent.event``: its fields plus ``kind``."""
    data: dict[str, Any] = rota._jsonable(dataclasses.asdict(event))
    data["kind"] = event_kind(event)
    return data


def _actor(data: Mapping[str, Any] | None) -> rota.Actor | None:
    if not data:
        return None
    return rota.Actor(name=data["name"], role=rota.Role(data["role"]))


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def event_from_json(data: Mapping[str, Any]) -> rota.Event:
    """The engine event back from ``event_to_json`` output."""
    kind = data["kind"]
    at = _time(data.get("at"))
    by = _actor(data.get("by"))
    reason = data.get("reason", "")
    if kind == "sign_in":
        return rota.SignIn(who=data["who"], team=data.get("team"), at=at)
    if kind == "sign_out":
        return rota.SignOut(who=data["who"], by=by, reason=reason, at=at)
    if kind == "status":
        return rota.StatusChange(
            who=data["who"], status=rota.Status(data["status"]), by=by, reason=reason, at=at
        )
    if kind == "walk_in":
        return rota.walk_in_from_json(data)
    if kind == "finish":
        outcome = rota.FinishOutcome(data["outcome"])
        return rota.Finish(who=data["who"], outcome=outcome, by=by, reason=reason, at=at)
    if kind == "transfer":
        assert by is not None
        return rota.Transfer(source=data["source"], target=data["target"], by=by, reason=reason, at=at)
    if kind == "reorder":
        assert by is not None
        return rota.Reorder(order=tuple(data["order"]), by=by, reason=reason, at=at)
    raise ValueError(f"unknown rota event kind {kind!r}")


def _received_from_json(data: Mapping[str, Any]) -> rota.Received:
    return rota.Received(
        walk_in=data["walk_in"],
        type=rota.WalkInType(data["type"]),
        receiver=data["receiver"],
        counted=data["counted"],
        for_owner=data.get("for_owner"),
        skipped=tuple(
            rota.Skip(
                who=skip["who"],
                reason=rota.SkipReason(skip["reason"]),
                outcome=rota.SkipOutcome(skip["outcome"]),
            )
            for skip in data.get("skipped", ())
        ),
        tokens_granted=tuple(data.get("tokens_granted", ())),
        token_used=data.get("token_used"),
        arrived_at=_time(data.get("arrived_at")),
        received_at=_time(data.get("received_at")),
        rules=tuple(data.get("rules", ())),
    )


def outcome_from_json(data: Mapping[str, Any]) -> rota.Outcome:
    """The engine outcome back from ``Outcome.to_json`` output (ROTA-09 figures are built on it)."""
    reception = data.get("reception")
    walk_in_type = data.get("walk_in_type")
    return rota.Outcome(
        kind=data["kind"],
        rules=tuple(data["rules"]),
        walk_in=data.get("walk_in"),
        walk_in_type=rota.WalkInType(walk_in_type) if walk_in_type else None,
        reception=_received_from_json(reception) if reception else None,
        waiting=data.get("waiting", False),
        assigned=tuple(_received_from_json(item) for item in data.get("assigned", ())),
        violations=tuple(
            rota.Violation(who=item["who"], code=item["code"], walk_in=item.get("walk_in"))
            for item in data.get("violations", ())
        ),
    )


def merge_order(previous: Sequence[str], queue: Sequence[str]) -> tuple[str, ...]:
    """ROTA-01 option C: the day's rotation order with everybody who left kept at their place
    (right after whoever preceded them), so tomorrow continues from where today stopped even
    when the last people have signed out."""
    result = list(dict.fromkeys(queue))
    for index, name in enumerate(previous):
        if name in result:
            continue
        before = previous[index - 1] if index else None
        position = result.index(before) + 1 if before in result else 0
        result.insert(position, name)
    return tuple(result)


def assignments(outcomes: Iterable[rota.Outcome]) -> dict[int, str | None]:
    """Walk-in number -> receiver (None while waiting or never received)."""
    found: dict[int, str | None] = {}
    for outcome in outcomes:
        if outcome.walk_in is not None:
            found.setdefault(outcome.walk_in, None)
        for received in outcome.receptions:
            found[received.walk_in] = received.receiver
    return found


# ROTA-10: a recorded day as a request to the what-if endpoint -----------------------------------


def _by(actor: rota.Actor | None) -> str:
    if actor is None:
        return "self"
    if actor.role is rota.Role.MANAGER:
        return "manager"
    if actor.role is rota.Role.SUPERVISOR:
        return "supervisor"
    return actor.name


def _simulation_event(event: rota.Event) -> dict[str, Any]:
    data: dict[str, Any]
    match event:
        case rota.SignIn():
            return {"kind": "sign_in", "who": event.who}
        case rota.SignOut():
            return {"kind": "sign_out", "who": event.who, "by": _by(event.by), "reason": event.reason}
        case rota.StatusChange():
            data = {"kind": "status", "who": event.who, "status": event.status.value}
            return data | {"by": _by(event.by), "reason": event.reason}
        case rota.Finish():
            data = {"kind": "finish", "who": event.who, "outcome": event.outcome.value}
            return data | {"by": _by(event.by), "reason": event.reason}
        case rota.Transfer():
            return {
                "kind": "transfer",
                "from": event.source,
                "to": event.target,
                "by": _by(event.by),
                "reason": event.reason,
            }
        case rota.Reorder():
            return {
                "kind": "reorder",
                "order": list(event.order),
                "by": _by(event.by),
                "reason": event.reason,
            }
        case rota.WalkIn():
            data = {"kind": "walk_in", "type": event.type.value, "stays": event.stays}
            optional = {
                "named": event.named,
                "owner": event.owner,
                "assigned_to": event.assigned_to,
                "delegate": event.delegate,
                "receiver": event.receiver,
            }
            data |= {name: value for name, value in optional.items() if value is not None}
            if event.refused_by:
                data["refused_by"] = list(event.refused_by)
            if event.by is not None:
                data |= {"by": _by(event.by), "reason": event.reason}
            return data


def simulation_request(
    site: int, events: Sequence[rota.Event], policy: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[int, int]]:
    """ROTA-10: the body of ``POST /api/v1/rota/simulate/`` that replays a recorded day.

    The what-if starts with everybody on its queue signed in, so the day's opening sign-ins (those
    before any other event) become the queue, and anyone who signed in later is put on the queue
    and signed out again at once, to sign in when they really did. Returns the body and a map from
    the recorded event's index to its index in the body."""
    opening = 0
    while opening < len(events) and isinstance(events[opening], rota.SignIn):
        opening += 1
    queue = [event.who for event in events[:opening] if isinstance(event, rota.SignIn)]
    later = [
        event.who for event in events[opening:] if isinstance(event, rota.SignIn) and event.who not in queue
    ]
    late_joiners = list(dict.fromkeys(later))
    body_events: list[dict[str, Any]] = [{"kind": "sign_out", "who": name} for name in late_joiners]
    index_map: dict[int, int] = {}
    for index, event in enumerate(events[opening:], start=opening):
        index_map[index] = len(body_events)
        body_events.append(_simulation_event(event))
    body = {"site": site, "policy": dict(policy or {}), "queue": queue + late_joiners, "events": body_events}
    return body, index_map


# ROTA-10: the manager's replay of a recorded day under a draft policy ---------------------------


@dataclasses.dataclass(frozen=True)
class ReplayRow:
    """One recorded event next to what the draft policy would have made of it."""

    index: int
    event: rota.Event
    recorded: rota.Outcome
    draft: rota.Outcome | None
    error: str = ""


@dataclasses.dataclass(frozen=True)
class Replay:
    rows: tuple[ReplayRow, ...]
    recorded_turns: Mapping[str, int]
    draft_turns: Mapping[str, int]
    recorded_queue: tuple[str, ...]
    draft_queue: tuple[str, ...]
    recorded_tokens: Mapping[str, int]
    draft_tokens: Mapping[str, int]
    stopped_at: int | None


def replay_day(
    start: rota.RotaState,
    events: Sequence[rota.Event],
    recorded: Sequence[rota.Outcome],
    final: rota.RotaState,
    draft: Policy,
) -> Replay:
    """ROTA-10: run the day's recorded events again from its start under ``draft``. An event the
    draft policy refuses ends the replay there (what followed depended on the refused event)."""
    state = start
    rows: list[ReplayRow] = []
    stopped_at: int | None = None
    for index, (event, outcome) in enumerate(zip(events, recorded, strict=True)):
        if stopped_at is not None:
            rows.append(ReplayRow(index=index, event=event, recorded=outcome, draft=None))
            continue
        try:
            state, draft_outcome = rota.apply(state, event, draft)
        except rota.RotaError as error:
            stopped_at = index
            rows.append(ReplayRow(index=index, event=event, recorded=outcome, draft=None, error=error.code))
            continue
        rows.append(ReplayRow(index=index, event=event, recorded=outcome, draft=draft_outcome))
    names = tuple(member.name for member in final.members)
    return Replay(
        rows=tuple(rows),
        recorded_turns={member.name: member.turns for member in final.members},
        draft_turns={name: (member.turns if (member := state.find(name)) else 0) for name in names},
        recorded_queue=final.queue,
        draft_queue=state.queue,
        recorded_tokens={name: final.token_count(name) for name in names},
        draft_tokens={name: state.token_count(name) for name in names},
        stopped_at=stopped_at,
    )
