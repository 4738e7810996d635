"""Reads of the reception rota, scoped to a site the caller may see (SEC-01, SEC-07).

The board is built from the day's one ``RotaDay`` row and the names of the people on it: the
engine's own queries (``up_next``, ``duty_assistant``, ``phone_duty``) decide who is highlighted,
so the board never re-derives a rota rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from reception import rota
from reception.models import Reception, RotaDay, RotaEvent, ShiftLog
from reception.recording import Replay, event_from_json, outcome_from_json, replay_day
from reception.services import ROTA_ROLES, business_date, site_zone
from salesoffice.core.models import Site
from salesoffice.core.policy import Policy
from salesoffice.core.services import policy_current


@dataclasses.dataclass(frozen=True)
class BoardRow:
    user_id: int
    name: str
    status: str
    since: dt.datetime | None
    position: int | None  # 1-based place in the queue; None when signed out
    turns: int
    tokens: int
    up_next: bool = False
    second: bool = False
    duty_assistant: bool = False
    phone_duty: bool = False
    walk_in: int | None = None
    walk_in_type: str | None = None
    counted: bool = False
    for_owner: str | None = None


@dataclasses.dataclass(frozen=True)
class BoardWaiting:
    number: int
    type: str
    arrived_at: dt.datetime | None
    waited: dt.timedelta


@dataclasses.dataclass(frozen=True)
class Board:
    """ROTA-01 counter board: the queue (head first), everybody's status, turns and make-up
    tokens, up next / second / duty assistant, phone duty (ROTA-06) and the waiting list."""

    site: Site
    date: dt.date
    now: dt.datetime
    rows: tuple[BoardRow, ...]
    signed_out: tuple[BoardRow, ...]
    waiting: tuple[BoardWaiting, ...]
    up_next: BoardRow | None
    second: BoardRow | None
    duty_assistant: BoardRow | None
    phone_duty: tuple[BoardRow, ...]
    walk_ins: int
    turns: int
    policy_version: int


def _second(state: rota.RotaState, policy: Policy) -> str | None:
    """Who would be up next once the one up next has received a new walk-in: asked of the
    engine itself, so make-ups and skips are accounted for exactly as they will be."""
    if rota.up_next(state) is None:
        return None
    try:
        after, _outcome = rota.apply(state, rota.WalkIn(type=rota.WalkInType.NEW, stays=True), policy)
    except rota.RotaError:
        return None
    return rota.up_next(after)


def user_names(ids: Iterable[int]) -> dict[int, str]:
    """Display names of staff members, one query."""
    users = get_user_model().objects.filter(pk__in=set(ids)).only("username", "first_name", "last_name")
    return {user.pk: str(user) for user in users}


def rota_board(*, site: Site, now: dt.datetime | None = None) -> Board:
    """ROTA-01, ROTA-04, ROTA-06: today's board of a site (access is checked by the caller)."""
    now = now or timezone.now()
    date = business_date(site=site, now=now)
    day = RotaDay.objects.filter(site=site, business_date=date).only("state", "policy_version").first()
    state = rota.RotaState.from_json(day.state) if day else rota.RotaState()
    policy, version = policy_current(site=site, at=now)
    names = user_names(int(member.name) for member in state.members)
    up_next = rota.up_next(state)
    second = _second(state, policy)
    duty = rota.duty_assistant(state)
    phones = set(rota.phone_duty(state, policy))

    def row(member: rota.Member) -> BoardRow:
        position = state.queue.index(member.name) + 1 if member.name in state.queue else None
        reception = member.reception
        return BoardRow(
            user_id=int(member.name),
            name=names.get(int(member.name), member.name),
            status=member.status.value,
            since=member.since,
            position=position,
            turns=member.turns,
            tokens=state.token_count(member.name),
            up_next=member.name == up_next,
            second=member.name == second,
            duty_assistant=member.name == duty,
            phone_duty=member.name in phones,
            walk_in=reception.walk_in if reception else None,
            walk_in_type=reception.type.value if reception else None,
            counted=reception.counted if reception else False,
            for_owner=names.get(int(reception.for_owner)) if reception and reception.for_owner else None,
        )

    rows = tuple(row(state.member(name)) for name in state.queue)
    by_name = {board_row.user_id: board_row for board_row in rows}
    return Board(
        site=site,
        date=date,
        now=now,
        rows=rows,
        signed_out=tuple(row(member) for member in state.members if member.name not in state.queue),
        waiting=tuple(
            BoardWaiting(
                number=item.number,
                type=item.walk_in.type.value,
                arrived_at=item.walk_in.at,
                waited=now - item.walk_in.at if item.walk_in.at else dt.timedelta(0),
            )
            for item in state.waiting
        ),
        up_next=by_name.get(int(up_next)) if up_next else None,
        second=by_name.get(int(second)) if second else None,
        duty_assistant=by_name.get(int(duty)) if duty else None,
        phone_duty=tuple(board_row for board_row in rows if board_row.phone_duty),
        walk_ins=state.walk_ins,
        turns=state.turns,
        policy_version=version,
    )


def rota_staff(*, site: Site) -> QuerySet[Any]:
    """Staff members who may stand on the site's rota (ROTA-01)."""
    return (
        get_user_model()
        .objects.filter(
            memberships__site=site,
            memberships__role__in=ROTA_ROLES,
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def rota_staff_get(*, site: Site, user_id: Any) -> Any:
    """A staff member of the site's rota, or None (the caller reports the field)."""
    try:
        return rota_staff(site=site).filter(pk=int(user_id)).first()
    except (TypeError, ValueError):
        return None


def reception_get(*, site: Site, reception_id: Any) -> Reception:
    """A reception of ``site``; anything else is "not found" (SEC-07)."""
    try:
        return Reception.objects.select_related("day").get(day__site=site, pk=int(reception_id))
    except (Reception.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def reception_open_list(*, site: Site) -> QuerySet[Reception]:
    """Open receptions of the site, any day (an open one from yesterday still needs its outcome)."""
    return (
        Reception.objects.filter(day__site=site, ended_at__isnull=True)
        .select_related("receiver", "customer", "for_owner", "day")
        .order_by("arrived_at")
    )


def rota_day_get(*, site: Site, date: dt.date) -> RotaDay | None:
    return RotaDay.objects.filter(site=site, business_date=date).first()


def rota_day_list(*, site: Site, limit: int = 60) -> QuerySet[RotaDay]:
    return (
        RotaDay.objects.filter(site=site)
        .only("business_date", "event_count")
        .order_by("-business_date")[:limit]
    )


def rota_event_list(*, day: RotaDay) -> QuerySet[RotaEvent]:
    return RotaEvent.objects.filter(day=day).order_by("sequence")


def day_events(day: RotaDay) -> tuple[tuple[rota.Event, ...], tuple[rota.Outcome, ...]]:
    """The engine events and outcomes recorded on a day, in order (ROTA-10)."""
    rows = list(rota_event_list(day=day).only("event", "outcome"))
    return (
        tuple(event_from_json(row.event) for row in rows),
        tuple(outcome_from_json(row.outcome) for row in rows),
    )


@dataclasses.dataclass(frozen=True)
class PersonFigures:
    user_id: int
    name: str
    turns: int
    receptions: int
    registered: int
    converted: int  # received customers who went on to a deposit or beyond
    skips: int
    makeups_granted: int
    makeups_used: int
    violations: int


@dataclasses.dataclass(frozen=True)
class Fairness:
    """ROTA-09 over a period: the engine's figures plus registrations per receiver."""

    site: Site
    date_from: dt.date
    date_to: dt.date
    figures: rota.FairnessFigures
    people: tuple[PersonFigures, ...]
    walk_ins_by_type: Mapping[str, int]
    skips_by_reason: Mapping[str, int]
    receptions_by_hour: Mapping[int, int]
    average_wait: dt.timedelta | None
    longest_wait: dt.timedelta | None
    days: int


# ROTA-09: a received customer converted when they paid a deposit or went further (CUS-01 stages).
CONVERTED_STAGES = ("deposited", "subscribed", "contracted", "owner")


def fairness_report(*, site: Site, date_from: dt.date, date_to: dt.date) -> Fairness:
    """ROTA-09: walk-ins by kind, turns per salesperson, skips by reason, make-ups granted and
    used, waiting times at the door, receptions per hour (site local time), and how many of each
    salesperson's receptions ended registered and how many of those customers converted, from the
    stored outcomes of the period."""
    days = list(RotaDay.objects.filter(site=site, business_date__range=(date_from, date_to)).only("id"))
    rows = RotaEvent.objects.filter(day__in=days).order_by("day__business_date", "sequence").only("outcome")
    outcomes = [outcome_from_json(row.outcome) for row in rows]
    figures = rota.fairness_figures(_local_hours(outcomes, site))
    skips: dict[str, int] = {}
    for outcome in outcomes:
        for received in outcome.receptions:
            for skip in received.skipped:
                skips[skip.who] = skips.get(skip.who, 0) + 1
    receptions: dict[int, tuple[int, int, int]] = {}
    for receiver_id, ended_as, stage in Reception.objects.filter(
        day__in=days, receiver__isnull=False
    ).values_list("receiver_id", "outcome", "customer__status"):
        total, registered, converted = receptions.get(receiver_id, (0, 0, 0))
        receptions[receiver_id] = (
            total + 1,
            registered + (ended_as == Reception.Outcome.REGISTERED),
            converted + (stage in CONVERTED_STAGES),
        )
    ids = {int(name) for name in figures.turns} | set(receptions) | {int(name) for name in skips}
    ids |= {int(name) for name in figures.makeups_granted} | {int(name) for name in figures.violations}
    names = user_names(ids)
    people = tuple(
        sorted(
            (
                PersonFigures(
                    user_id=user_id,
                    name=names.get(user_id, str(user_id)),
                    turns=figures.turns.get(str(user_id), 0),
                    receptions=receptions.get(user_id, (0, 0, 0))[0],
                    registered=receptions.get(user_id, (0, 0, 0))[1],
                    converted=receptions.get(user_id, (0, 0, 0))[2],
                    skips=skips.get(str(user_id), 0),
                    makeups_granted=figures.makeups_granted.get(str(user_id), 0),
                    makeups_used=figures.makeups_used.get(str(user_id), 0),
                    violations=figures.violations.get(str(user_id), 0),
                )
                for user_id in ids
            ),
            key=lambda person: (-person.turns, person.name),
        )
    )
    waits = figures.waiting_times
    return Fairness(
        site=site,
        date_from=date_from,
        date_to=date_to,
        figures=figures,
        people=people,
        walk_ins_by_type=figures.walk_ins_by_type,
        skips_by_reason=figures.skips_by_reason,
        receptions_by_hour=dict(sorted(figures.receptions_by_hour.items())),
        average_wait=sum(waits, dt.timedelta(0)) / len(waits) if waits else None,
        longest_wait=max(waits) if waits else None,
        days=len(days),
    )


def _local_hours(outcomes: list[rota.Outcome], site: Site) -> list[rota.Outcome]:
    """Times in the site's zone, so "receptions per hour" reads as the office's clock."""
    zone = site_zone(site)

    def local(value: dt.datetime | None) -> dt.datetime | None:
        return timezone.localtime(value, zone) if value else None

    def received(item: rota.Received) -> rota.Received:
        return dataclasses.replace(
            item, arrived_at=local(item.arrived_at), received_at=local(item.received_at)
        )

    return [
        dataclasses.replace(
            outcome,
            reception=received(outcome.reception) if outcome.reception else None,
            assigned=tuple(received(item) for item in outcome.assigned),
        )
        for outcome in outcomes
    ]


def day_replay(*, day: RotaDay, draft: Policy) -> Replay:
    """ROTA-10: a recorded day replayed from its start under a draft policy."""
    events, outcomes = day_events(day)
    return replay_day(
        rota.RotaState.from_json(day.start_state),
        events,
        outcomes,
        rota.RotaState.from_json(day.state),
        draft,
    )


def shift_log_list(*, site: Site) -> QuerySet[ShiftLog]:
    return ShiftLog.objects.filter(site=site).select_related("outgoing", "incoming", "reviewed_by")


def shift_log_get(*, site: Site, entry_id: Any) -> ShiftLog:
    try:
        return ShiftLog.objects.get(site=site, pk=int(entry_id))
    except (ShiftLog.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
