"""Helpers shared by the deal services: the site's policy and clock zone, role checks against the transition
tables, gap-free document numbers, money records and the translation of rule refusals into domain errors."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from customers.rules import DEAL_ENDED
from customers.services import customer_stage_set, deposit_record_cancel
from customers.services.stages import customer_stage_set_many, deposit_record_cancel_many
from deals import rules
from deals.exceptions import DealStateConflict, RoleNotPermitted
from deals.models import Deal, Deposit, MoneyRecord
from salesoffice.core import access
from salesoffice.core.counters import counter_next, counter_next_many
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import Membership, Site, User
from salesoffice.core.policy import Policy
from salesoffice.core.roles import MANAGER_ROLES
from salesoffice.core.services import notify, policy_current


def site_policy(site_id: int) -> Policy:
    policy, _version = policy_current(site=site_id)
    return policy


def site_zone(site_id: int) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(Site.objects.only("time_zone").get(pk=site_id).time_zone)


def local_midnight_after(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The first moment of the local day after ``day``: a window "through day N" closes then."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=zone)


def roles_of(actor: User | None, site_id: int) -> list[str]:
    if actor is None:
        return [rules.SYSTEM]
    return sorted(role.value for role in access.roles_at(actor, site_id))


def table_next(
    *,
    table: rules.TransitionTable,
    current: str,
    action: str,
    roles: Sequence[str],
) -> str:
    """The target of ``action`` for the first of ``roles`` the table allows; a 409 when the state has no
    such move, a 403 when none of the roles may take it."""
    refusal: rules.DealRuleError | None = None
    for role in roles or ["none"]:
        try:
            return rules.check_transition(table=table, current=current, action=action, role=role)
        except rules.RoleNotPermitted as error:
            refusal = error
        except rules.TransitionNotAllowed as error:
            raise DealStateConflict(
                _("This %(record)s is %(status)s; it cannot be changed that way.")
                % {"record": table.name, "status": current}
            ) from error
    raise RoleNotPermitted(_("Your role may not do this.")) from refusal


def amount_error(error: rules.DealRuleError, field: str = "amount") -> DomainError:
    """DEP-01/02/04/05: a refused amount as a 400 with the figures in the field message."""
    params = error.params
    if isinstance(error, rules.DepositBelowMinimum):
        message = _("The deposit must be at least %(minimum)s yuan.") % {"minimum": params["minimum"]}
    elif isinstance(error, rules.DepositAboveMaximum):
        message = _("The deposit may be at most %(maximum)s yuan (%(ratio)s of the total price).") % {
            "maximum": params["maximum"],
            "ratio": f"{Decimal(str(params['ratio'])) * 100:.0f}%",
        }
    elif isinstance(error, rules.TopUpBelowPaid):
        message = _("The large deposit cannot be below the %(paid)s yuan already paid.") % {
            "paid": params["small_deposit"]
        }
    elif isinstance(error, rules.OrderMismatch):
        message = _("The form's area or total does not match the unit.")
    elif isinstance(error, rules.ScheduleMismatch):
        message = _("The instalments add up to %(scheduled)s yuan, not the price %(price)s.") % {
            "scheduled": params["scheduled"],
            "price": params["price"],
        }
    else:
        message = _("Enter a positive amount in yuan with two decimals.")
    return DomainError(message, code=error.code, fields={field: [message]})


def require_reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(
            _("A reason is required."), code="reason_required", fields={field: [_("Required.")]}
        )
    if len(text) > 500:
        raise DomainError(
            _("At most 500 characters."), code="reason_too_long", fields={field: [_("Too long.")]}
        )
    return text


def next_number(*, site_id: int, kind: str, prefix: str) -> str:
    """A gap-free number per site and kind (receipts, subscriptions, contracts), taken in the caller's
    transaction so that a rolled-back step gives its number back."""
    return f"{prefix}{counter_next(scope=f'deals.{kind}.{site_id}'):06d}"


def next_numbers(*, kind: str, prefix: str, counts: Mapping[int, int]) -> dict[int, list[str]]:
    """``counts[site]`` consecutive gap-free numbers of ``kind`` per site, like ``next_number`` but for
    many sites at once (P7: the hold expiry sweep numbers a whole batch); callers take them last."""
    taken = counter_next_many(counts={f"deals.{kind}.{site_id}": count for site_id, count in counts.items()})
    return {
        site_id: [f"{prefix}{number:06d}" for number in taken[f"deals.{kind}.{site_id}"]]
        for site_id, count in counts.items()
        if count > 0
    }


def money_record_build(
    *,
    deal: Deal,
    kind: rules.MoneyKind,
    amount: Decimal,
    payer: str,
    method: str,
    finance_user: User | None,
    at: dt.datetime,
    deposit: Deposit | None = None,
    reverses: MoneyRecord | None = None,
    note: str = "",
) -> MoneyRecord:
    """PAY-01: an unsaved money record, without its receipt number (``money_add`` or ``money_add_many``
    give it one and store it)."""
    return MoneyRecord(
        site_id=deal.site_id,
        deal=deal,
        deposit=deposit,
        kind=kind.value,
        amount=amount,
        payer=payer[:100],
        method=method,
        finance_user=finance_user,
        at=at,
        reverses=reverses,
        note=note[:500],
    )


def money_add(
    *,
    deal: Deal,
    kind: rules.MoneyKind,
    amount: Decimal,
    payer: str,
    method: str,
    finance_user: User | None,
    at: dt.datetime,
    deposit: Deposit | None = None,
    reverses: MoneyRecord | None = None,
    note: str = "",
) -> MoneyRecord:
    """PAY-01: append one money record with the site's next receipt number."""
    record = money_record_build(
        deal=deal, kind=kind, amount=amount, payer=payer, method=method, finance_user=finance_user, at=at,
        deposit=deposit, reverses=reverses, note=note,
    )  # fmt: skip
    record.receipt_number = next_number(site_id=deal.site_id, kind="receipt", prefix="SJ")
    record.save(force_insert=True)
    return record


def money_add_many(*, records: Sequence[MoneyRecord]) -> list[MoneyRecord]:
    """PAY-01 for many records at once (P7): each site's records take its next receipt numbers in the
    order given, and all are stored with one insert. Takes the receipt counters, so callers call it last."""
    counts: dict[int, int] = {}
    for record in records:
        counts[record.site_id] = counts.get(record.site_id, 0) + 1
    numbers = {
        site_id: iter(taken)
        for site_id, taken in next_numbers(kind="receipt", prefix="SJ", counts=counts).items()
    }
    for record in records:
        record.receipt_number = next(numbers[record.site_id])
    return MoneyRecord.objects.bulk_create(records)


def rule_records(deal: Deal) -> list[rules.MoneyRecord]:
    return [
        rules.MoneyRecord(
            record_id=record.pk,
            kind=rules.MoneyKind(record.kind),
            amount=record.amount,
            reverses=record.reverses_id,
        )
        for record in MoneyRecord.objects.filter(deal=deal).order_by("at", "id")
    ]


def site_managers(site_id: int) -> list[User]:
    user_ids = Membership.objects.filter(
        site_id=site_id, role__in=[role.value for role in MANAGER_ROLES], is_active=True, user__is_active=True
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=user_ids))


def notify_users(users: Sequence[User], **message: Any) -> None:
    for user in users:
        dedupe = message.get("dedupe_key")
        notify(recipient=user, **{**message, "dedupe_key": f"{dedupe}:{user.pk}" if dedupe else None})


def customer_deal_ended(*, deal: Deal, at: dt.datetime) -> None:
    """OWN-04/CUS-01: an expired or cancelled deal frees the customer: its deposits stop holding
    ownership for good and the customer goes back to being followed up."""
    for deposit_id in Deposit.objects.filter(deal=deal).values_list("pk", flat=True):
        deposit_record_cancel(reference=f"deals.deposit:{deposit_id}", at=at)
    customer_stage_set(customer=deal.customer, stage=DEAL_ENDED, reason=f"deal #{deal.pk} ended")


def customer_deal_ended_many(*, deals: Sequence[Deal], at: dt.datetime) -> None:
    """OWN-04/CUS-01 for many ended deals at once (the hold expiry sweep, P7): what ``customer_deal_ended``
    does for each, with the deposit records cancelled together, ownership re-decided once per site and
    the stages moved together. A customer with several of the deals gets the first one's reason, as when
    the deals end one after another (the later ones find the customer already moved back)."""
    if not deals:
        return
    deposit_ids = Deposit.objects.filter(deal__in=[deal.pk for deal in deals]).order_by("pk")
    deposit_record_cancel_many(
        references=[f"deals.deposit:{pk}" for pk in deposit_ids.values_list("pk", flat=True)], at=at
    )
    reasons: dict[int, str] = {}
    for deal in deals:
        reasons.setdefault(deal.customer_id, f"deal #{deal.pk} ended")
    customer_stage_set_many(reasons=reasons, stage=DEAL_ENDED)
