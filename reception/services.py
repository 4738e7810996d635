"""Every write of the reception rota. Each verb locks the site's ``RotaDay`` row, builds one engine
event, lets ``reception.rota.apply`` decide, stores the new state, appends the ``RotaEvent`` and
updates the ``Reception`` rows, all in one transaction with its audit record (SEC-03).

Salespeople appear in the engine under their user id as text, so a recorded day replays without
the database (ROTA-10). The business day is the site's local date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer, Registration
from customers.services import registration_create
from reception import rota
from reception.exceptions import ReceptionNotOpen, RotaRefused, ShiftLogRefused, rota_refusal
from reception.models import Reception, RotaDay, RotaEvent, ShiftLog
from reception.recording import event_kind, event_to_json, merge_order
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.models import Membership, Site
from salesoffice.core.roles import MANAGER_ROLES, Cap, Role
from salesoffice.core.services import notify, policy_current

# Roles that stand on the rota and receive walk-ins (ROTA-01).
ROTA_ROLES = (Role.SALESPERSON.value, Role.SUPERVISOR.value)
# Walk-ins whose reception ends with the event itself: a visitor who is not a customer is greeted
# and gone; a tour group is hosted as the team manager arranged, outside the rota (ROTA-02).
ENDS_AT_ONCE = frozenset({rota.WalkInType.NON_CUSTOMER, rota.WalkInType.TOUR_GROUP})


def site_zone(site: Site) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(site.time_zone)


def business_date(*, site: Site, now: dt.datetime) -> dt.date:
    """ROTA-01: one rota per business day, the site's local date."""
    return timezone.localtime(now, site_zone(site)).date()


def engine_name(user: Any) -> str:
    return str(user.pk)


def _require_rota_access(actor: Any, site: Site) -> None:
    """404 for another site; 403 without any rota capability (SEC-01)."""
    access.require_site(actor, site.pk)
    if not (access.can(actor, site.pk, Cap.ROTA_OWN_STATUS) or access.can(actor, site.pk, Cap.ROTA_ADJUST)):
        raise PermissionDenied


def _require_for_other(actor: Any, site: Site, subject: Any) -> None:
    """ROTA-01: a salesperson acts only for themself; acting for anyone else is an adjustment."""
    if subject is not None and subject.pk != actor.pk:
        access.require(actor, site.pk, Cap.ROTA_ADJUST)


def actor_role(actor: Any, site: Site) -> rota.Role:
    """The engine's role of a staff member at a site: managers and deputies act as the site
    manager, sales supervisors as supervisors, everybody else as a salesperson."""
    roles = access.roles_at(actor, site.pk)
    if roles & MANAGER_ROLES:
        return rota.Role.MANAGER
    if Role.SUPERVISOR in roles:
        return rota.Role.SUPERVISOR
    return rota.Role.SALESPERSON


def _by(actor: Any, site: Site, subject: Any | None) -> rota.Actor | None:
    """None when the salesperson acts for themself, else the acting staff member."""
    if subject is not None and subject.pk == actor.pk:
        return None
    return rota.Actor(name=engine_name(actor), role=actor_role(actor, site))


def rota_membership(*, site: Site, user: Any, field: str = "salesperson") -> Membership:
    """The membership that puts ``user`` on the site's rota; a 400 naming ``field`` otherwise."""
    membership = (
        Membership.objects.filter(
            site=site, user=user, role__in=ROTA_ROLES, is_active=True, user__is_active=True
        )
        .order_by("role")
        .first()
    )
    if membership is None:
        message = _("Not a salesperson of this site.")
        raise RotaRefused(message, code="not_on_rota", fields={field: [message]})
    return membership


# The day row ----------------------------------------------------------------------------------


def _day_start(site: Site, date: dt.date, policy: Any, manager_order: Sequence[str]) -> rota.RotaState:
    """ROTA-01 order sources and ROTA-04 carried tokens, from the latest earlier day."""
    previous = (
        RotaDay.objects.filter(site=site, business_date__lt=date)
        .order_by("-business_date")
        .only("state", "closing_order")
        .first()
    )
    yesterday = rota.RotaState.from_json(previous.state) if previous else rota.RotaState()
    return rota.day_start(
        policy,
        manager_order=manager_order,
        yesterday_queue=tuple(previous.closing_order) if previous else (),
        stopped_at=yesterday.last_receiver,
        carried_tokens=yesterday.tokens,
    )


def _day_lock(*, site: Site, date: dt.date) -> RotaDay:
    """Lock the day's row, creating it first if this is the day's first event. Two desks
    creating it at once: the second waits on the unique key, then locks the first one's row."""
    day = RotaDay.objects.select_for_update().filter(site=site, business_date=date).first()
    if day is not None:
        return day
    policy, version = policy_current(site=site)
    start = _day_start(site, date, policy, ()).to_json()
    try:
        with transaction.atomic():
            RotaDay.objects.create(
                site=site, business_date=date, state=start, start_state=start, policy_version=version
            )
    except IntegrityError:
        pass
    return RotaDay.objects.select_for_update().get(site=site, business_date=date)


@dataclasses.dataclass(frozen=True)
class Applied:
    day: RotaDay
    state: rota.RotaState
    outcome: rota.Outcome
    record: RotaEvent


def _apply(
    day: RotaDay, event: rota.Event, *, actor: Any, reason: str, now: dt.datetime, field: str | None = None
) -> Applied:
    """Run one event through the engine on a locked day and store everything it decided.
    A refusal raises before anything is written."""
    policy, version = policy_current(site=day.site_id, at=now)
    state = rota.RotaState.from_json(day.state)
    try:
        state, outcome = rota.apply(state, event, policy)
    except rota.RotaError as error:
        raise rota_refusal(error, field=field) from error
    day.state = state.to_json()
    day.closing_order = list(merge_order(day.closing_order, state.queue))
    day.policy_version = version
    day.event_count += 1
    day.save(update_fields=["state", "closing_order", "policy_version", "event_count", "updated_at"])
    record = RotaEvent.objects.create(
        day=day,
        sequence=day.event_count,
        kind=event_kind(event),
        event=event_to_json(event),
        outcome=outcome.to_json(),
        policy_version=version,
        actor=actor,
        reason=reason,
        at=now,
    )
    _record_hand_overs(day, outcome.assigned, now)
    audit_record(
        action=f"rota.{record.kind}",
        actor=actor,
        site=day.site_id,
        obj=record,
        after={"event": record.event, "rules": list(outcome.rules), "receiver": outcome.receiver},
        reason=reason,
    )
    return Applied(day=day, state=state, outcome=outcome, record=record)


def _record_hand_overs(day: RotaDay, handed: Sequence[rota.Received], now: dt.datetime) -> None:
    """ROTA-02 waiting list: walk-ins handed to someone who became free start now."""
    for received in handed:
        reception = Reception.objects.get(day=day, number=received.walk_in)
        reception.receiver_id = int(received.receiver) if received.receiver else None
        reception.for_owner_id = int(received.for_owner) if received.for_owner else None
        reception.counted = received.counted
        reception.started_at = now
        if rota.WalkInType(reception.type) in ENDS_AT_ONCE:
            reception.ended_at, reception.outcome = now, Reception.Outcome.NOT_A_CUSTOMER
        reception.save(
            update_fields=["receiver", "for_owner", "counted", "started_at", "ended_at", "outcome"]
        )


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _today(site: Site, now: dt.datetime) -> RotaDay:
    return _day_lock(site=site, date=business_date(site=site, now=now))


# Sign-in, sign-out, status -------------------------------------------------------------------


@transaction.atomic
def rota_sign_in(
    *,
    site: Site,
    actor: Any,
    salesperson: Any | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> RotaDay:
    """ROTA-01: join today's rota (sign-in order, the manager's plan, or yesterday's order
    continued). A manager or supervisor may sign a colleague in, with a reason (ROTA-05)."""
    now = _now(now)
    salesperson = salesperson or actor
    _require_rota_access(actor, site)
    _require_for_other(actor, site, salesperson)
    if salesperson.pk != actor.pk and not reason.strip():
        raise rota_refusal(rota.RotaError("reason_required", ""))
    membership = rota_membership(site=site, user=salesperson)
    day = _today(site, now)
    team = str(membership.team_id) if membership.team_id else None
    event = rota.SignIn(who=engine_name(salesperson), team=team, at=now)
    return _apply(day, event, actor=actor, reason=reason, now=now).day


@transaction.atomic
def rota_sign_out(
    *,
    site: Site,
    actor: Any,
    salesperson: Any | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> RotaDay:
    """ROTA-01: leave today's rota; not while receiving a customer (ROTA-05)."""
    now = _now(now)
    salesperson = salesperson or actor
    _require_rota_access(actor, site)
    _require_for_other(actor, site, salesperson)
    day = _today(site, now)
    event = rota.SignOut(
        who=engine_name(salesperson), by=_by(actor, site, salesperson), reason=reason, at=now
    )
    return _apply(day, event, actor=actor, reason=reason, now=now).day


@transaction.atomic
def rota_status_change(
    *,
    site: Site,
    actor: Any,
    salesperson: Any,
    status: str,
    reason: str = "",
    now: dt.datetime | None = None,
) -> RotaDay:
    """ROTA-01: available / with own customer / on assignment / on break. A salesperson changes
    only their own status; a manager or supervisor anyone's, with a reason (ROTA-05). Becoming
    available may take a make-up turn's place or a waiting walk-in (ROTA-02, ROTA-04)."""
    now = _now(now)
    _require_rota_access(actor, site)
    _require_for_other(actor, site, salesperson)
    try:
        new_status = rota.Status(status)
    except ValueError:
        message = _("Not a status.")
        raise RotaRefused(message, code="invalid_status", fields={"status": [message]}) from None
    day = _today(site, now)
    event = rota.StatusChange(
        who=engine_name(salesperson),
        status=new_status,
        by=_by(actor, site, salesperson),
        reason=reason,
        at=now,
    )
    return _apply(day, event, actor=actor, reason=reason, now=now, field="status").day


# Walk-ins and receptions ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WalkInResult:
    """What the rota decided for one walk-in: its reception row, the receiver (None while it
    waits or when nobody from the rota hosts it) and the engine's outcome with its rules."""

    reception: Reception
    receiver_id: int | None
    outcome: rota.Outcome

    @property
    def waiting(self) -> bool:
        return self.outcome.waiting


def _walk_in_fields(walk_in_type: rota.WalkInType, named: Any, owner: Any) -> None:
    """ROTA-02: a designated walk-in needs the salesperson named; an owned one its owner."""
    if walk_in_type is rota.WalkInType.DESIGNATED and named is None:
        message = _("Choose the salesperson the customer named.")
        raise RotaRefused(message, code="missing_field", fields={"named": [message]})
    if walk_in_type in (rota.WalkInType.RETURNING, rota.WalkInType.DEPOSIT_VISIT) and owner is None:
        message = _("A returning customer needs their owner: look the customer up first.")
        raise RotaRefused(message, code="missing_field", fields={"owner": [message]})


@transaction.atomic
def rota_walk_in(
    *,
    site: Site,
    actor: Any,
    type: str,
    customer: Customer | None = None,
    named: Any | None = None,
    owner: Any | None = None,
    delegate: Any | None = None,
    assigned_to: Any | None = None,
    receiver: Any | None = None,
    refused_by: Sequence[Any] = (),
    reason: str = "",
    now: dt.datetime | None = None,
) -> WalkInResult:
    """ROTA-02..ROTA-04, ROTA-07: somebody came through the door; the rota names the receiver and
    whether it is a turn, or the walk-in waits. A receiving salesperson is never given a second
    walk-in (ROTA-05); a manager's or supervisor's assignment needs a reason."""
    now = _now(now)
    _require_rota_access(actor, site)
    if assigned_to is not None and type != rota.WalkInType.REFERRED:
        access.require(actor, site.pk, Cap.ROTA_ADJUST)
    try:
        walk_in_type = rota.WalkInType(type)
    except ValueError:
        message = _("Not a kind of walk-in.")
        raise RotaRefused(message, code="invalid_walk_in", fields={"type": [message]}) from None
    if customer is not None and customer.site_id != site.pk:
        raise PermissionDenied
    if (
        owner is None
        and customer is not None
        and walk_in_type
        in (
            rota.WalkInType.RETURNING,
            rota.WalkInType.DEPOSIT_VISIT,
        )
    ):
        owner = customer.owner
    _walk_in_fields(walk_in_type, named, owner)
    by = None
    if assigned_to is not None and walk_in_type is not rota.WalkInType.REFERRED:
        by = rota.Actor(name=engine_name(actor), role=actor_role(actor, site))
    event = rota.WalkIn(
        type=walk_in_type,
        stays=walk_in_type not in ENDS_AT_ONCE,
        named=engine_name(named) if named is not None else None,
        owner=engine_name(owner) if owner is not None else None,
        assigned_to=engine_name(assigned_to) if assigned_to is not None else None,
        delegate=engine_name(delegate) if delegate is not None else None,
        receiver=engine_name(receiver) if receiver is not None else None,
        refused_by=tuple(engine_name(user) for user in refused_by),
        by=by,
        reason=reason,
        at=now,
    )
    day = _today(site, now)
    applied = _apply(day, event, actor=actor, reason=reason, now=now)
    outcome = applied.outcome
    received = outcome.reception
    receiver_id = int(received.receiver) if received and received.receiver else None
    ends_now = received is not None and walk_in_type in ENDS_AT_ONCE
    assert outcome.walk_in is not None
    reception = Reception.objects.create(
        day=day,
        number=outcome.walk_in,
        type=walk_in_type.value,
        receiver_id=receiver_id,
        for_owner_id=int(received.for_owner) if received and received.for_owner else None,
        named=named,
        counted=outcome.counted,
        arrived_at=now,
        started_at=now if received is not None else None,
        ended_at=now if ends_now else None,
        outcome=Reception.Outcome.NOT_A_CUSTOMER if ends_now else "",
        customer=customer,
        created_by=actor,
    )
    audit_record(
        action="reception.open",
        actor=actor,
        site=site,
        obj=reception,
        after={
            "number": reception.number,
            "type": reception.type,
            "receiver": receiver_id,
            "counted": reception.counted,
        },
        reason=reason,
    )
    return WalkInResult(reception=reception, receiver_id=receiver_id, outcome=outcome)


def _locked_open_reception(reception: Reception) -> tuple[RotaDay, Reception]:
    day = RotaDay.objects.select_for_update().get(pk=reception.day_id)
    reception = Reception.objects.get(pk=reception.pk)
    if reception.ended_at is not None or reception.receiver_id is None:
        raise ReceptionNotOpen(_("This reception is not open."))
    return day, reception


@transaction.atomic
def rota_finish(
    *,
    site: Site,
    actor: Any,
    reception: Reception,
    outcome: str,
    registration: Registration | None = None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Reception:
    """ROTA-05: a reception ends with a registration or an explicit "not a customer" / "left
    before registration" outcome; the receiver becomes available again and may take a make-up
    turn's place or a waiting walk-in (ROTA-02, ROTA-04). Someone else's reception is ended only
    by a manager or supervisor, with a reason."""
    now = _now(now)
    _require_rota_access(actor, site)
    if reception.day.site_id != site.pk:
        raise PermissionDenied
    day, reception = _locked_open_reception(reception)
    if reception.receiver_id != actor.pk:
        access.require(actor, site.pk, Cap.ROTA_ADJUST)
    try:
        finish_outcome = rota.FinishOutcome(outcome)
    except ValueError:
        message = _("Not an outcome.")
        raise RotaRefused(message, code="invalid_outcome", fields={"outcome": [message]}) from None
    if finish_outcome is rota.FinishOutcome.REGISTERED and (
        registration is None or registration.site_id != site.pk
    ):
        message = _("A registered reception needs its registration.")
        raise RotaRefused(message, code="registration_required", fields={"registration": [message]})
    receiver_name = str(reception.receiver_id)
    member = rota.RotaState.from_json(day.state).find(receiver_name)
    if member is None or member.reception is None or member.reception.walk_in != reception.number:
        raise ReceptionNotOpen(_("This reception is not open."))
    by = (
        None
        if reception.receiver_id == actor.pk
        else rota.Actor(name=engine_name(actor), role=actor_role(actor, site))
    )
    event = rota.Finish(who=receiver_name, outcome=finish_outcome, by=by, reason=reason, at=now)
    # The row is closed before the engine runs: the freed receiver may be handed a waiting walk-in.
    reception.ended_at = now
    reception.outcome = finish_outcome.value
    if finish_outcome is rota.FinishOutcome.REGISTERED:
        assert registration is not None
        reception.registration = registration
        reception.customer_id = registration.customer_id
    reception.save(update_fields=["ended_at", "outcome", "registration", "customer"])
    _apply(day, event, actor=actor, reason=reason, now=now)
    audit_record(
        action="reception.finish",
        actor=actor,
        site=site,
        obj=reception,
        after={"outcome": reception.outcome, "registration": reception.registration_id},
        reason=reason,
    )
    return reception


@transaction.atomic
def rota_transfer(
    *, site: Site, actor: Any, reception: Reception, target: Any, reason: str, now: dt.datetime | None = None
) -> Reception:
    """ROTA-05: only the site manager moves a started reception to another, available
    salesperson, with a reason; the transfer is recorded."""
    now = _now(now)
    access.require(actor, site.pk, Cap.ROTA_ADJUST)
    if reception.day.site_id != site.pk:
        raise PermissionDenied
    rota_membership(site=site, user=target, field="to")
    day, reception = _locked_open_reception(reception)
    event = rota.Transfer(
        source=str(reception.receiver_id),
        target=engine_name(target),
        by=rota.Actor(name=engine_name(actor), role=actor_role(actor, site)),
        reason=reason,
        at=now,
    )
    before = reception.receiver_id
    applied = _apply(day, event, actor=actor, reason=reason, now=now, field="to")
    reception.receiver = target
    reception.save(update_fields=["receiver"])
    audit_record(
        action="reception.transfer",
        actor=actor,
        site=site,
        obj=reception,
        before={"receiver": before},
        after={"receiver": target.pk, "event": applied.record.sequence},
        reason=reason,
    )
    return reception


@transaction.atomic
def rota_reorder(
    *, site: Site, actor: Any, order: Sequence[Any], reason: str, now: dt.datetime | None = None
) -> RotaDay:
    """ROTA-01, ROTA-05: a manager or supervisor sets the queue order, with a reason; the new
    order lists each signed-in salesperson once."""
    now = _now(now)
    access.require(actor, site.pk, Cap.ROTA_ADJUST)
    day = _today(site, now)
    event = rota.Reorder(
        order=tuple(engine_name(user) for user in order),
        by=rota.Actor(name=engine_name(actor), role=actor_role(actor, site)),
        reason=reason,
        at=now,
    )
    return _apply(day, event, actor=actor, reason=reason, now=now).day


@transaction.atomic
def rota_plan_set(
    *,
    site: Site,
    actor: Any,
    date: dt.date,
    order: Sequence[Any],
    reason: str,
    now: dt.datetime | None = None,
) -> RotaDay:
    """ROTA-01 option B: the site manager sets a day's order in advance, before anyone signs in;
    sign-ins then take their planned places."""
    now = _now(now)
    access.require(actor, site.pk, Cap.ROTA_ADJUST)
    if not reason.strip():
        raise rota_refusal(rota.RotaError("reason_required", ""))
    if date < business_date(site=site, now=now):
        message = _("A past day cannot be planned.")
        raise RotaRefused(message, code="invalid_date", fields={"date": [message]})
    for user in order:
        rota_membership(site=site, user=user, field="order")
    day = _day_lock(site=site, date=date)
    if day.event_count:
        message = _("The day has started: change the order with a reorder instead.")
        raise RotaRefused(message, code="day_started", fields={"date": [message]})
    policy, _version = policy_current(site=site, at=now)
    names = tuple(engine_name(user) for user in order)
    start = _day_start(site, date, dataclasses.replace(policy, order_source="manager_order"), names)
    day.state = day.start_state = start.to_json()
    day.save(update_fields=["state", "start_state", "updated_at"])
    audit_record(
        action="rota.plan", actor=actor, site=site, obj=day, after={"order": list(names)}, reason=reason
    )
    return day


@transaction.atomic
def reception_register(
    *,
    site: Site,
    actor: Any,
    reception: Reception,
    name: str,
    gender: str,
    phones: list[str],
    needs: dict[str, Any],
    level: str,
    source: str,
    notice_version: str,
    customer_id: int | None = None,
    said_first_visit: bool | None = None,
    owner_present: bool | None = None,
    declined_former: bool = False,
    appointment_entered: bool = False,
    note: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> Registration:
    """ROTA-05 with REG-01: the counter's last step. The receiver registers the visit (谁接待谁登记)
    and the reception ends as registered, in one transaction (quality.md P3): a refused
    registration leaves the reception open."""
    now = _now(now)
    if reception.day.site_id != site.pk:
        raise PermissionDenied
    # The day first, then the registration's own locks: the order every desk takes them in.
    _locked_open_reception(reception)
    registration = registration_create(
        site=site,
        actor=actor,
        kind=Registration.Kind.VISIT,
        contact_at=reception.started_at or now,
        customer_id=customer_id if customer_id is not None else reception.customer_id,
        name=name,
        gender=gender,
        phones=phones,
        needs=needs,
        level=level,
        source=source,
        named_id=reception.named_id,
        said_first_visit=said_first_visit,
        owner_present=owner_present,
        declined_former=declined_former,
        standin=reception.for_owner_id is not None,
        appointment_entered=appointment_entered,
        notice_version=notice_version,
        note=note,
    )
    rota_finish(
        site=site,
        actor=actor,
        reception=reception,
        outcome=Reception.Outcome.REGISTERED,
        registration=registration,
        reason=reason,
        now=now,
    )
    return registration


# Alerts ---------------------------------------------------------------------------------------


@transaction.atomic
def reception_open_alerts_send(*, site: Site, now: dt.datetime | None = None) -> int:
    """ROTA-05: tell the site's managers about every open reception older than the policy's
    limit, once per reception and manager (the dedupe key makes a second run send nothing)."""
    now = _now(now)
    policy, _version = policy_current(site=site, at=now)
    days = RotaDay.objects.filter(site=site, receptions__ended_at__isnull=True).distinct()
    managers = list(
        get_user_model()
        .objects.filter(
            memberships__site=site,
            memberships__role__in=[role.value for role in MANAGER_ROLES],
            memberships__is_active=True,
            is_active=True,
        )
        .distinct()
    )
    open_receptions: list[tuple[RotaDay, rota.Reception, str]] = []
    for day in days:
        state = rota.RotaState.from_json(day.state)
        for name in rota.open_reception_alerts(state, policy, now):
            reception = state.member(name).reception
            if reception is not None:
                open_receptions.append((day, reception, name))
    users = get_user_model().objects.in_bulk([int(name) for _day, _reception, name in open_receptions])
    sent = 0
    for day, reception, name in open_receptions:
        receiver = users.get(int(name))
        since = timezone.localtime(reception.since, site_zone(site)) if reception.since else now
        title = _("Reception open too long: %(name)s, walk-in %(number)s") % {
            "name": receiver or name,
            "number": reception.walk_in,
        }
        body = _("Open since %(since)s; every reception must end with an outcome (ROTA-05).") % {
            "since": since.strftime("%H:%M")
        }
        for manager in managers:
            notification = notify(
                recipient=manager,
                site=site,
                kind="rota.open_reception",
                title=title,
                body=body,
                dedupe_key=f"rota.open_reception:{day.pk}:{reception.walk_in}:{manager.pk}",
            )
            sent += notification is not None
    return sent


# Shift log ------------------------------------------------------------------------------------


@transaction.atomic
def shift_log_create(*, site: Site, actor: Any, text: str, pending: str = "") -> ShiftLog:
    """ROTA-08: the outgoing person records what happened and what is pending."""
    _require_rota_access(actor, site)
    if not text.strip():
        message = _("Write what happened during the shift.")
        raise ShiftLogRefused(message, fields={"text": [message]})
    entry = ShiftLog.objects.create(site=site, outgoing=actor, text=text.strip(), pending=pending.strip())
    audit_record(action="shift_log.create", actor=actor, site=site, obj=entry)
    return entry


def _locked_entry(entry: ShiftLog) -> ShiftLog:
    return ShiftLog.objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def shift_log_answer(
    *,
    site: Site,
    actor: Any,
    entry: ShiftLog,
    confirm: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> ShiftLog:
    """ROTA-08: the incoming person confirms the handover, or refuses it with a reason; both are
    signed with user and time."""
    now = _now(now)
    _require_rota_access(actor, site)
    if entry.site_id != site.pk:
        raise PermissionDenied
    entry = _locked_entry(entry)
    if entry.status != ShiftLog.Status.PENDING:
        raise ShiftLogRefused(_("This handover has already been answered."), code="already_answered")
    if entry.outgoing_id == actor.pk:
        raise ShiftLogRefused(
            _("The incoming person answers the handover, not the outgoing one."), code="own_entry"
        )
    if not confirm and not reason.strip():
        message = _("Give the reason for refusing.")
        raise ShiftLogRefused(message, code="reason_required", fields={"reason": [message]})
    entry.incoming = actor
    entry.status = ShiftLog.Status.CONFIRMED if confirm else ShiftLog.Status.REFUSED
    entry.refusal_reason = "" if confirm else reason.strip()
    entry.answered_at = now
    entry.save(update_fields=["incoming", "status", "refusal_reason", "answered_at"])
    audit_record(
        action=f"shift_log.{entry.status}", actor=actor, site=site, obj=entry, reason=entry.refusal_reason
    )
    return entry


@transaction.atomic
def shift_log_review(*, site: Site, actor: Any, entry: ShiftLog, now: dt.datetime | None = None) -> ShiftLog:
    """ROTA-08: the manager's daily review of the shift log."""
    now = _now(now)
    access.require(actor, site.pk, Cap.ROTA_ADJUST)
    if entry.site_id != site.pk:
        raise PermissionDenied
    entry = _locked_entry(entry)
    if entry.reviewed_at is not None:
        raise ShiftLogRefused(_("This handover has already been reviewed."), code="already_reviewed")
    entry.reviewed_by = actor
    entry.reviewed_at = now
    entry.save(update_fields=["reviewed_by", "reviewed_at"])
    audit_record(action="shift_log.review", actor=actor, site=site, obj=entry)
    return entry
