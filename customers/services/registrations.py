"""Registrations (REG), follow-ups (FUP-03) and relations (CUS-02)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from customers.exceptions import (
    FIELD_MESSAGES,
    CorrectionNeedsManager,
    InvalidRegistration,
)
from customers.models import (
    Customer,
    CustomerPhone,
    FollowUp,
    Household,
    Registration,
    Relation,
)
from customers.ownership.days import is_late
from customers.rules import needs_problems, registration_missing_items
from customers.services.verdicts import ownership_refresh, ownership_refresh_many, site_zone
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.counters import counter_next
from salesoffice.core.models import Site
from salesoffice.core.phones import InvalidPhone, Phone, normalize_phone
from salesoffice.core.roles import Cap, Role
from salesoffice.core.services import policy_current

NOTICE_VERSION = "2026-01"
MAX_BACKDATE = dt.timedelta(days=30)
MAX_PLAN_AHEAD = dt.timedelta(days=366)  # the next follow-up is planned within a year
CLOCK_SKEW = dt.timedelta(minutes=5)


def name_initials(name: str) -> str:
    """Pinyin initials for the counter lookup (CUS-03: 张三 → zs)."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()[:50]


def _parse_phones(raw_phones: Iterable[str]) -> list[Phone]:
    phones: list[Phone] = []
    errors: list[str] = []
    for raw in raw_phones:
        if not (raw or "").strip():
            continue
        try:
            phone = normalize_phone(raw)
        except InvalidPhone:
            errors.append(str(FIELD_MESSAGES["phone_invalid"]))
            continue
        if phone.e164 not in {existing.e164 for existing in phones}:
            phones.append(phone)
    if errors:
        raise InvalidRegistration(_("Please correct the marked fields."), fields={"phones": errors})
    return phones


def _lock_phones(site: Site, phones: list[Phone]) -> None:
    """Serialise registrations of the same number (quality.md R3): the second waits for the
    first to commit and then finds the customer it created."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for phone in sorted(phones, key=lambda item: item.e164):
            key = int.from_bytes(
                hashlib.blake2b(f"{site.pk}:{phone.e164}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def registration_create(
    *,
    site: Site,
    actor: Any,
    kind: str,
    contact_at: dt.datetime,
    customer_id: int | None,
    name: str,
    gender: str,
    phones: list[str],
    needs: dict[str, Any],
    level: str,
    source: str,
    named_id: int | None = None,
    said_first_visit: bool | None = None,
    owner_present: bool | None = None,
    declined_former: bool = False,
    standin: bool = False,
    appointment_entered: bool = False,
    brought_by_id: int | None = None,
    notice_version: str = NOTICE_VERSION,
    note: str = "",
    activity_code: str = "",
) -> Registration:
    """REG-01..REG-06: record a visit or call, numbered per site, and re-decide ownership.

    The receiver registers (谁接待谁登记). A registration missing one of REG-02's three basic
    items is kept and counted but marked incomplete, which gives no ownership (OWN-14). One filed
    after the daily cut-off is marked late and ranks by its recording time (REG-03)."""
    access.require(actor, site.pk, Cap.REGISTRATIONS_CREATE)
    now = timezone.now()
    name = (name or "").strip()
    fields: dict[str, list[str]] = {}
    if not name:
        fields["name"] = [str(FIELD_MESSAGES["name_required"])]
    elif len(name) > 50:
        fields["name"] = [str(FIELD_MESSAGES["name_too_long"])]
    if contact_at > now + CLOCK_SKEW:
        fields["contact_at"] = [str(FIELD_MESSAGES["contact_in_future"])]
    elif contact_at < now - MAX_BACKDATE:
        fields["contact_at"] = [str(FIELD_MESSAGES["contact_too_old"])]
    try:
        parsed = _parse_phones(phones)
    except InvalidRegistration as error:
        fields.update(error.fields)
        parsed = []
    for key, problem in needs_problems(needs).items():
        fields[f"needs.{key}"] = [str(FIELD_MESSAGES[problem])]
    if named_id is not None and not access.works_at(named_id, site.pk):
        fields["named_id"] = [_("Unknown salesperson.")]
    if brought_by_id is not None and not access.works_at(brought_by_id, site.pk, Role.CHANNEL_AGENT):
        fields["brought_by_id"] = [_("Unknown channel agent.")]
    if fields:
        raise InvalidRegistration(_("Please correct the marked fields."), fields=fields)
    policy, policy_version = policy_current(site=site)
    _lock_phones(site, parsed)
    customer, known, created = _customer_for(
        site=site, actor=actor, customer_id=customer_id, phones=parsed, name=name
    )
    missing = registration_missing_items(name=name, gender=gender, phone_count=len(parsed), needs=needs)
    tz = site_zone(site)
    registration = Registration.objects.create(
        site=site,
        number=counter_next(scope=f"registration:{site.pk}"),
        kind=kind,
        customer=customer,
        salesperson=actor,
        contact_at=contact_at,
        source=source,
        activity_code=activity_code,
        name=name,
        gender=gender,
        phones=[phone.e164 for phone in parsed],
        needs=needs,
        level=level,
        complete=not missing,
        missing=missing,
        late=is_late(contact_at, now, policy.daily_cutoff, tz),
        named_id=named_id,
        said_first_visit=said_first_visit,
        owner_present=owner_present,
        declined_former=declined_former,
        standin=standin,
        appointment_entered=appointment_entered,
        brought_by_id=brought_by_id,
        notice_version=notice_version,
        note=note,
    )
    _absorb_registration(customer, registration, parsed, known=known, new_customer=created)
    audit_record(
        action="registration.create",
        actor=actor,
        site=site,
        obj=registration,
        after={"number": registration.number, "customer": customer.pk, "complete": registration.complete},
    )
    # The site and policy in hand decide; ``registration.customer`` leaves with its verdict (P3).
    ownership_refresh_many(
        site_id=site.pk,
        customer_ids=[customer.pk],
        cause="registration",
        site=site,
        policy=policy,
        policy_version=policy_version,
        held=[customer],
    )
    return registration


def _customer_for(
    *, site: Site, actor: Any, customer_id: int | None, phones: list[Phone], name: str
) -> tuple[Customer, set[str] | None, bool]:
    """The registered customer: the one named by the form, else the one owning any of these
    numbers (one number identifies one person, CUS-01), else a new customer. With it come the numbers
    of ``phones`` the site already knows (None: not read) and whether the customer is new."""
    if customer_id is not None:
        customer = Customer.objects.filter(site=site, pk=customer_id, merged_into__isnull=True).first()
        if customer is None:
            raise InvalidRegistration(
                _("Unknown customer."), fields={"customer_id": [_("Unknown customer.")]}
            )
        return customer, None, False
    known = dict(
        CustomerPhone.objects.filter(site=site, e164__in=[phone.e164 for phone in phones]).values_list(
            "e164", "customer_id"
        )
    )
    if known:
        # The verdict and owner come along for the answer at the counter (its list of facts stays unread).
        customer = (
            Customer.objects.select_related("verdict", "owner")
            .defer("verdict__facts")
            .get(pk=min(known.values()))
        )
        return customer, set(known), False
    customer = Customer.objects.create(
        site=site, name=name, name_initials=name_initials(name), created_by=actor
    )
    return customer, set(), True


# What a registration changes on its customer: saved alone, so a concurrent change of the owner or the
# stage made since the customer was read is never written back over.
ABSORBED_FIELDS = (
    "last_activity_at", "gender", "level", "source", "budget", "layout", "purpose", "payment_method",
    "floor_preference",
)  # fmt: skip


def _absorb_registration(
    customer: Customer,
    registration: Registration,
    phones: list[Phone],
    *,
    known: set[str] | None = None,
    new_customer: bool = False,
) -> None:
    """New numbers join the customer's phones; level, needs and activity follow the latest record.

    ``known`` are the numbers of ``phones`` the site already has, when the caller read them."""
    if known is None:
        known = set(
            CustomerPhone.objects.filter(
                site=customer.site_id, e164__in=[p.e164 for p in phones]
            ).values_list("e164", flat=True)
        )
    CustomerPhone.objects.bulk_create(
        [
            CustomerPhone(
                customer=customer,
                site_id=customer.site_id,
                e164=phone.e164,
                kind=phone.kind,
                last4=phone.last4,
            )
            for phone in phones
            if phone.e164 not in known
        ]
    )
    customer.last_activity_at = registration.recorded_at
    if registration.gender and customer.gender == "unknown":
        customer.gender = registration.gender
    if registration.level:
        customer.level = registration.level
    if (
        registration.source
        and customer.source == "walk_in"
        and (new_customer or not customer.registrations.exclude(pk=registration.pk).exists())
    ):
        customer.source = registration.source
    for field in ("budget", "layout", "purpose", "payment_method", "floor_preference"):
        value = registration.needs.get(field)
        if value not in (None, ""):
            setattr(customer, field, Decimal(str(value)) if field == "budget" else value)
    customer.save(update_fields=ABSORBED_FIELDS)


@transaction.atomic
def follow_up_record(
    *,
    customer: Customer,
    actor: Any,
    at: dt.datetime,
    method: str,
    reached: bool,
    content: str = "",
    result: str = "",
    level: str | None = None,
    next_step: str = "",
    next_date: dt.date | None = None,
    referrals_asked: str = "",
) -> FollowUp:
    """FUP-03: record a follow-up; one that reached the customer renews protection (OWN-04).

    Only the owner (or a manager) follows up: salespeople must not contact others' customers (OWN-11)."""
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    if customer.owner_id != actor.pk and not access.can(actor, customer.site_id, Cap.CUSTOMERS_READ_ALL):
        raise CorrectionNeedsManager(_("Only the owner follows up this customer."), code="not_owner")
    now = timezone.now()
    if at > now + CLOCK_SKEW:
        raise InvalidRegistration(
            _("Please correct the marked fields."), fields={"at": [str(FIELD_MESSAGES["contact_in_future"])]}
        )
    if at < now - MAX_BACKDATE:
        raise InvalidRegistration(
            _("Please correct the marked fields."), fields={"at": [str(FIELD_MESSAGES["contact_too_old"])]}
        )
    if next_date is not None and next_date < timezone.localdate():
        raise InvalidRegistration(
            _("Please correct the marked fields."),
            fields={"next_date": [_("The next follow-up cannot be in the past.")]},
        )
    latest = timezone.localdate() + MAX_PLAN_AHEAD
    if next_date is not None and next_date > latest:
        raise InvalidRegistration(
            _("Please correct the marked fields."),
            fields={"next_date": [str(MaxValueValidator.message) % {"limit_value": latest}]},
        )
    follow_up = FollowUp.objects.create(
        site_id=customer.site_id, customer=customer, salesperson=actor, at=at, method=method, reached=reached,
        content=content, result=result, level_before=customer.level, level_after=level or customer.level,
        next_step=next_step, next_date=next_date, referrals_asked=referrals_asked,
    )  # fmt: skip
    customer.level = follow_up.level_after
    customer.last_activity_at = now
    if customer.last_follow_up_at is None or at >= customer.last_follow_up_at:
        # A back-dated follow-up does not replace a later one as the latest (FUP-02).
        customer.last_follow_up_at, customer.next_follow_up_on = at, next_date
    if customer.status == Customer.Status.NEW:
        customer.status = Customer.Status.FOLLOWING
    customer.save(
        update_fields=["level", "last_activity_at", "last_follow_up_at", "next_follow_up_on", "status"]
    )
    audit_record(
        action="followup.create",
        actor=actor,
        site=customer.site_id,
        obj=follow_up,
        after={"reached": reached, "level": follow_up.level_after},
    )
    ownership_refresh(customer=customer, cause="follow_up")
    return follow_up


@transaction.atomic
def relation_link(*, a: Customer, b: Customer, kind: str, actor: Any) -> Relation:
    """CUS-02: link two customers of one site; re-decides both (OWN-06, OWN-07)."""
    if a.site_id != b.site_id or a.pk == b.pk:
        raise InvalidRegistration(
            _("Link two different customers of the same site."), fields={"b": [_("Unknown customer.")]}
        )
    relation = Relation.objects.create(site_id=a.site_id, a=a, b=b, kind=kind, recorded_by=actor)
    audit_record(
        action="relation.create",
        actor=actor,
        site=a.site_id,
        obj=relation,
        after={"a": a.pk, "b": b.pk, "kind": kind},
    )
    ownership_refresh(customer=a, cause="relation")
    return relation


CORRECTABLE_FIELDS = ("name", "gender", "phones", "needs", "level", "source", "note")


@transaction.atomic
def registration_correct(
    *, original: Registration, actor: Any, changes: dict[str, Any], reason: str
) -> Registration:
    """SEC-05/REG-04: a correction is a new registration pointing at the original, with a reason
    and an author; the original stays as it was.

    A registration filed before today needs the site manager, and so does a change of the phone or
    name of another salesperson's customer. The correction keeps the original's contact time, so it
    cannot move the customer's place in line (REG-03)."""
    original = Registration.objects.select_related("site", "customer").get(pk=original.pk)
    site = original.site
    is_manager = access.can(actor, site.pk, Cap.REGISTRATIONS_CORRECT)
    if original.salesperson_id != actor.pk and not is_manager:
        access.require(actor, site.pk, Cap.REGISTRATIONS_CORRECT)
    if original.corrections.exists():
        raise InvalidRegistration(
            _("This registration was already corrected; correct the latest version."),
            code="already_corrected",
        )
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise InvalidRegistration(
            _("Please correct the marked fields."),
            fields={name: [_("This field cannot be corrected.")] for name in unknown},
        )
    if not reason.strip():
        raise InvalidRegistration(
            _("Please correct the marked fields."), fields={"reason": [_("This field is required.")]}
        )
    tz = site_zone(site)
    older_than_today = original.recorded_at.astimezone(tz).date() < timezone.now().astimezone(tz).date()
    others_identity = ("phones" in changes or "name" in changes) and original.customer.owner_id not in (
        None,
        actor.pk,
    )
    if (older_than_today or others_identity) and not is_manager:
        raise CorrectionNeedsManager(_("This correction needs the site manager."))
    values = {field: getattr(original, field) for field in CORRECTABLE_FIELDS}
    values.update(changes)
    name = (values["name"] or "").strip()
    if not name or len(name) > 50:
        raise InvalidRegistration(
            _("Please correct the marked fields."),
            fields={"name": [str(FIELD_MESSAGES["name_required" if not name else "name_too_long"])]},
        )
    problems = needs_problems(values["needs"])
    if problems:
        raise InvalidRegistration(
            _("Please correct the marked fields."),
            fields={f"needs.{key}": [str(FIELD_MESSAGES[problem])] for key, problem in problems.items()},
        )
    parsed = _parse_phones(values["phones"])
    _lock_phones(site, parsed)
    missing = registration_missing_items(
        name=name, gender=values["gender"], phone_count=len(parsed), needs=values["needs"]
    )
    correction = Registration.objects.create(
        site=site, number=counter_next(scope=f"registration:{site.pk}"), kind=original.kind,
        customer=original.customer, salesperson=original.salesperson, contact_at=original.contact_at,
        source=values["source"], activity_code=original.activity_code, name=name, gender=values["gender"],
        phones=[phone.e164 for phone in parsed], needs=values["needs"], level=values["level"],
        complete=not missing, missing=missing, late=original.late, named_id=original.named_id,
        said_first_visit=original.said_first_visit, owner_present=original.owner_present,
        declined_former=original.declined_former, standin=original.standin,
        appointment_entered=original.appointment_entered, notice_version=original.notice_version,
        note=values["note"], corrects=original, correction_reason=reason,
        approved_by=actor if is_manager else None,
    )  # fmt: skip
    _absorb_registration(original.customer, correction, parsed)
    audit_record(
        action="registration.correct", actor=actor, site=site, obj=correction,
        before={field: getattr(original, field) for field in changes}, after=changes, reason=reason,
    )  # fmt: skip
    ownership_refresh(customer=original.customer, cause="correction", site=site)
    return correction


@transaction.atomic
def household_join(*, customers: list[Customer], actor: Any, name: str = "") -> Household:
    """CUS-02: people who buy together form one household; joining records them in the first one
    any of them already belongs to (OWN-07: family members known to be one household)."""
    if len(customers) < 2 or len({customer.site_id for customer in customers}) != 1:
        raise InvalidRegistration(
            _("A household joins two or more customers of one site."),
            fields={"customers": [_("Choose at least two.")]},
        )
    site_id = customers[0].site_id
    if not (
        access.can(actor, site_id, Cap.CUSTOMERS_READ_ALL)
        or all(customer.owner_id == actor.pk for customer in customers)
    ):
        raise CorrectionNeedsManager(
            _("Only the owner or a manager groups these customers."), code="not_owner"
        )
    existing = next((customer.household for customer in customers if customer.household_id), None)
    household = existing or Household.objects.create(site_id=site_id, name=name or customers[0].name)
    Customer.objects.filter(pk__in=[customer.pk for customer in customers]).update(household=household)
    audit_record(
        action="household.join", actor=actor, site=site_id, obj=household,
        after={"customers": [customer.pk for customer in customers]},
    )  # fmt: skip
    return household
