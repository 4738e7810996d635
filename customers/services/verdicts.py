"""Stored ownership verdicts and the records that change them: manager decisions and deposits."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import ownership
from customers.exceptions import (
    InvalidRegistration,
)
from customers.facts import decision_fact, linked_ownership_facts
from customers.models import (
    ChannelReport,
    Customer,
    DepositRecord,
    OwnershipDecision,
    OwnershipVerdict,
)
from salesoffice.core import access
from salesoffice.core.audit import audit_record, audit_record_many
from salesoffice.core.models import Site
from salesoffice.core.policy import Policy
from salesoffice.core.roles import Cap
from salesoffice.core.services import policy_current


def site_zone(site: Site) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(site.time_zone)


def ownership_refresh(
    *,
    customer: Customer,
    cause: str,
    at: dt.datetime | None = None,
    site: Site | None = None,
    policy: Policy | None = None,
    policy_version: int | None = None,
) -> OwnershipVerdict | None:
    """OWN-01..OWN-19: re-decide the customer (and those linked by relations and referrals) and
    store each verdict that changed, with the policy version that decided it."""
    return ownership_refresh_many(
        site_id=customer.site_id,
        customer_ids=[customer.pk],
        cause=cause,
        at=at,
        site=site,
        policy=policy,
        policy_version=policy_version,
    ).get(customer.pk)


_COMPARED = (
    "owner_id",
    "protected_until",
    "closed",
    "performance",
    "commission",
    "commission_factor",
    "channel",
    "rules",
    "lapse",
    "awaiting_decision",
)
_COMPARED_COLUMNS = tuple(f"verdict__{name}" for name in _COMPARED)
_CUSTOMER_TYPE = Customer._meta.label_lower


def ownership_refresh_many(
    *,
    site_id: int,
    customer_ids: Iterable[int],
    cause: str,
    at: dt.datetime | None = None,
    site: Site | None = None,
    policy: Policy | None = None,
    policy_version: int | None = None,
    held: Iterable[Customer] = (),
) -> dict[int, OwnershipVerdict]:
    """Re-decide many customers of one site with a fixed number of queries (P7: the nightly expiry
    re-decides thousands): the facts of all of them are read at once, the engine decides them
    together, and the verdicts that changed are written in bulk. Returns the new verdicts by customer.

    A caller that has the site, or the policy in force at ``at`` and its version, passes them so they
    are not read again (P3). ``held`` are customer instances the caller goes on using: their owner,
    protection and verdict are brought up to date."""
    if site is None:
        site = Site.objects.get(pk=site_id)
    elif site.pk != site_id:
        raise ValueError("site and site_id name different sites")
    moment = at or timezone.now()
    if policy is None or policy_version is None:
        policy, policy_version = policy_current(site=site, at=moment)
    ids, facts = linked_ownership_facts(customer_ids)
    verdicts = ownership.decide(facts, policy=policy, at=moment, tz=site_zone(site))
    # Only what a reader sees of the stored verdicts is compared; their lists of facts stay unread.
    rows = (
        Customer.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .values_list("pk", "owner_id", "protected_until", "verdict_id", *_COMPARED_COLUMNS)
    )
    locked = {
        pk: (owner_id, protected_until, verdict_id, dict(zip(_COMPARED, stored, strict=True)))
        for pk, owner_id, protected_until, verdict_id, *stored in rows
    }
    changed: list[tuple[int, ownership.Verdict, dict[str, Any]]] = []
    for pk, (_owner_id, _protected_until, verdict_id, current) in locked.items():
        verdict = verdicts.get(str(pk))
        if verdict is None:
            continue
        values = _stored_values(verdict)
        if verdict_id is None or current != values:
            changed.append((pk, verdict, values))
    saved = (
        OwnershipVerdict.objects.bulk_create(
            OwnershipVerdict(
                site_id=site_id,
                customer_id=pk,
                policy_version=policy_version,
                cause=cause,
                decided_at=moment,
                facts=list(verdict.facts),
                **values,
            )
            for pk, verdict, values in changed
        )
        if changed
        else []
    )
    by_customer = {stored.customer_id: stored for stored in saved}
    _sync_held(held, locked, by_customer)
    if not saved:
        return {}
    _copy_onto_customers([stored.pk for stored in saved])
    audit_record_many(
        action="ownership.verdict", site=site_id, reason=cause, object_type=_CUSTOMER_TYPE,
        entries=[
            (stored.customer_id, {"owner": locked[stored.customer_id][0]}, {"owner": stored.owner_id, "rules": stored.rules, "protected_until": stored.protected_until})
            for stored in saved
        ],
    )  # fmt: skip
    _channel_reports_match(site_id, saved)
    return by_customer


# The new verdicts reach their customers through a join on the verdicts' own keys: a subquery per
# customer would walk each customer's older verdicts, rows the nightly expiry otherwise never reads (P7).
_COPY_VERDICTS = (
    f"UPDATE {Customer._meta.db_table} AS customer "  # noqa: S608 - table names from the models
    "SET verdict_id = verdict.id, owner_id = verdict.owner_id, protected_until = verdict.protected_until "
    f"FROM {OwnershipVerdict._meta.db_table} AS verdict "
    "WHERE customer.id = verdict.customer_id AND verdict.id IN ({ids})"
)


def _copy_onto_customers(verdict_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_COPY_VERDICTS.format(ids=", ".join(["%s"] * len(verdict_ids))), verdict_ids)


def _sync_held(
    held: Iterable[Customer],
    locked: dict[int, tuple[Any, ...]],
    saved: dict[int, OwnershipVerdict],
) -> None:
    """The caller's instances take the owner, protection and verdict now stored for them."""
    for customer in held:
        stored = saved.get(customer.pk)
        if stored is not None:
            customer.verdict = stored
            customer.owner_id, customer.protected_until = stored.owner_id, stored.protected_until
        elif customer.pk in locked:
            # Unchanged here, but another transaction may have stored one since the caller read it.
            customer.owner_id, customer.protected_until, customer.verdict_id = locked[customer.pk][:3]


def _channel_reports_match(site_id: int, saved: list[OwnershipVerdict]) -> None:
    """CHAN-03: the report a stored verdict names as the channel of record is marked as visited and
    bound to the customer; of two verdicts naming one report the first binds it, as
    ``channel_reports_match`` called once per verdict would. One UPDATE for the whole batch."""
    bound: dict[int, int] = {}
    for stored in saved:
        label = str((stored.channel or {}).get("report") or "")
        if label.startswith("k"):
            bound.setdefault(int(label[1:]), stored.customer_id)
    if not bound:
        return
    ChannelReport.objects.filter(pk__in=bound, site_id=site_id).exclude(
        status__in=(ChannelReport.Status.CANCELLED, ChannelReport.Status.MATCHED)
    ).update(
        status=ChannelReport.Status.MATCHED,
        matched_customer_id=Case(
            *(When(pk=report, then=Value(customer)) for report, customer in bound.items()),
            output_field=BigIntegerField(),
        ),
    )


def _stored_values(verdict: ownership.Verdict) -> dict[str, Any]:
    return {
        "owner_id": int(verdict.owner) if verdict.owner else None,
        "protected_until": verdict.protected_until,
        "closed": verdict.closed,
        "performance": {label: str(share) for label, share in verdict.performance.items()},
        "commission": {label: str(share) for label, share in verdict.commission.items()},
        "commission_factor": verdict.commission_factor,
        "channel": _channel_json(verdict.channel),
        "rules": list(verdict.rules),
        "lapse": _lapse_json(verdict.lapse),
        "awaiting_decision": verdict.awaiting_decision or "",
    }


def _channel_json(channel: ownership.ChannelMatch | None) -> dict[str, Any] | None:
    if channel is None:
        return None
    return {"agent": channel.agent, "report": channel.report, "team": channel.team, "rule": channel.rule}


def _lapse_json(lapse: ownership.Lapse | None) -> dict[str, Any] | None:
    if lapse is None:
        return None
    return {
        "former_owner": lapse.former_owner,
        "ended_on": lapse.ended_on.isoformat(),
        "rule": lapse.rule,
        "fact": lapse.fact,
    }


@transaction.atomic
def decision_record(
    *,
    customer: Customer,
    actor: Any,
    kind: str,
    reason: str,
    owner_id: int | None = None,
    party_id: int | None = None,
    performance: dict[str, Any] | None = None,
    commission: dict[str, Any] | None = None,
    until: dt.date | None = None,
) -> OwnershipDecision:
    """DISP-02 and the OWN rules that name the site manager: a decision later verdicts respect."""
    access.require(actor, customer.site_id, Cap.DISPUTES_DECIDE)
    if not reason.strip():
        raise InvalidRegistration(
            _("A decision needs a written reason."), fields={"reason": [_("This field is required.")]}
        )
    for field, user_id in (("owner_id", owner_id), ("party_id", party_id)):
        if user_id is not None and not access.works_at(user_id, customer.site_id):
            raise InvalidRegistration(
                _("Please correct the marked fields."), fields={field: [_("Unknown salesperson.")]}
            )
    decision = OwnershipDecision(
        site_id=customer.site_id, customer=customer, kind=kind, owner_id=owner_id, party_id=party_id,
        performance=performance, commission=commission, until=until, reason=reason, decided_by=actor,
        decided_at=timezone.now(),
    )  # fmt: skip
    try:
        decision_fact(decision)  # the engine's own fact rules validate it before it is stored
    except ValueError as error:
        raise InvalidRegistration(str(error), fields={"kind": [str(error)]}) from error
    decision.save()
    audit_record(
        action="ownership.decision",
        actor=actor,
        site=customer.site_id,
        obj=decision,
        after={"kind": kind, "owner": owner_id},
        reason=reason,
    )
    ownership_refresh(customer=customer, cause="decision")
    return decision


@transaction.atomic
def deposit_record(
    *, customer: Customer, salesperson: Any, kind: str, at: dt.datetime, reference: str
) -> DepositRecord:
    """OWN-04: a deposit closes the customer to its owner; called by the deals app."""
    record, _created = DepositRecord.objects.get_or_create(
        reference=reference,
        defaults={
            "site_id": customer.site_id,
            "customer": customer,
            "salesperson": salesperson,
            "kind": kind,
            "at": at,
        },
    )
    ownership_refresh(customer=customer, cause="deposit")
    return record
