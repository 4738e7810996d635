"""The nightly and morning jobs of the customers app (OWN-04, FUP-04, CHAN-02, SEC-06).

Each job is safe to run twice, late, or after a crash (quality.md R4): it selects its work with
set-based queries from the state in PostgreSQL (protection ends, report dates, activity dates), claims
rows with ``SELECT … FOR UPDATE SKIP LOCKED`` so two workers never take the same customer, and every
message carries a dedupe key so a second run sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pgtrigger
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import ChannelReport, Customer, CustomerPhone, DepositRecord, FollowUp, Registration
from customers.office_selectors import follow_up_counts, site_today
from customers.services.verdicts import ownership_refresh_many, site_zone
from salesoffice.core.audit import audit_record
from salesoffice.core.models import Membership, Notification, Site, User
from salesoffice.core.policy import Policy
from salesoffice.core.roles import MANAGER_ROLES
from salesoffice.core.services import notify_many, policy_current

BATCH = 500
Claimed = TypeVar("Claimed")
ANONYMISED_NAME = "已匿名"
# The append-only triggers the one legal erasure (SEC-06) is allowed past; nothing else uses this.
ERASURE_TRIGGERS = (
    "customers.Registration:registration_append_only",
    "customers.FollowUp:followup_append_only",
)


def _sites() -> list[Site]:
    return list(Site.objects.filter(is_active=True).order_by("pk"))


def _managers(site: Site) -> list[User]:
    rows = Membership.objects.filter(
        site=site, role__in=[role.value for role in MANAGER_ROLES], is_active=True, user__is_active=True
    ).select_related("user")
    return list({row.user_id: row.user for row in rows}.values())


def _claim_batches(
    candidates: Callable[[], QuerySet[Customer]],
    work: Callable[[list[Customer]], None],
) -> int:
    """Claim candidates in batches with FOR UPDATE SKIP LOCKED and run ``work`` on each batch inside the
    claiming transaction. Rows another worker holds are skipped (it does them); the run walks forward by
    primary key, so each row is tried at most once and a customer the engine keeps unchanged cannot loop."""
    return _claim(candidates, list, lambda customer: customer.pk, work)


def _claim_id_batches(candidates: Callable[[], QuerySet[Customer]], work: Callable[[list[int]], None]) -> int:
    """``_claim_batches`` for work that needs only the customers' ids: the claimed rows are not loaded."""
    return _claim(candidates, lambda claimed: list(claimed.values_list("pk", flat=True)), int, work)


def _claim(
    candidates: Callable[[], QuerySet[Customer]],
    load: Callable[[QuerySet[Customer]], list[Claimed]],
    key: Callable[[Claimed], int],
    work: Callable[[list[Claimed]], None],
) -> int:
    last_pk = 0
    done = 0
    while True:
        with transaction.atomic():
            batch = load(
                candidates()
                .filter(pk__gt=last_pk)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:BATCH]
            )
            if not batch:
                break
            work(batch)
            done += len(batch)
            last_pk = key(batch[-1])
    return done


def _claim_each(candidates: Callable[[], QuerySet[Customer]], work: Callable[[Customer], None]) -> int:
    def each(batch: list[Customer]) -> None:
        for customer in batch:
            work(customer)

    return _claim_batches(candidates, each)


def protection_expiry_run(*, at: dt.datetime | None = None) -> int:
    """OWN-04: customers whose protection ended before today (site-local) are re-decided with cause
    "expiry"; the verdict then names the lapse and the customer enters the public pool.

    Runs late without loss (every past end date is picked up) and twice without effect (a lapsed
    customer has no owner and no protection end any more). Each claimed batch is decided together
    (P7: a fixed number of queries per batch, not per customer)."""
    moment = at or timezone.now()
    total = 0
    for site in _sites():
        today = site_today(site, moment)

        def candidates(site: Site = site, today: dt.date = today) -> QuerySet[Customer]:
            return Customer.objects.filter(
                site=site, owner__isnull=False, protected_until__lt=today, merged_into__isnull=True
            )

        policy, policy_version = policy_current(site=site, at=moment)

        def expire(
            batch: list[int], site: Site = site, policy: Policy = policy, policy_version: int = policy_version
        ) -> None:
            ownership_refresh_many(
                site_id=site.pk,
                customer_ids=batch,
                cause="expiry",
                at=moment,
                site=site,
                policy=policy,
                policy_version=policy_version,
            )

        total += _claim_id_batches(candidates, expire)
    return total


def _warning_threshold(days_left: int, warning_days: Iterable[int]) -> int | None:
    """OWN-04: the warning a customer with ``days_left`` is due for: the smallest warning day at or
    above it, so a run that comes late still sends the one warning that was missed."""
    eligible = sorted(day for day in warning_days if day >= days_left)
    return eligible[0] if eligible else None


def lapse_warnings_send(*, at: dt.datetime | None = None) -> int:
    """OWN-04: warn each owner before a customer's protection lapses (default 3 days and 1 day before)
    and give the site manager the day's list of lapsing customers (D-PROT-08).

    Dedupe keys hold the customer, the protection end and the warning day, so a second or late run
    sends nothing twice."""
    moment = at or timezone.now()
    sent = 0
    for site in _sites():
        policy, _version = policy_current(site=site, at=moment)
        if not policy.lapse_warning_days:
            continue
        today = site_today(site, moment)
        horizon = today + dt.timedelta(days=max(policy.lapse_warning_days))
        lapsing = list(
            Customer.objects.filter(
                site=site,
                owner__isnull=False,
                protected_until__gte=today,
                protected_until__lte=horizon,
                merged_into__isnull=True,
                anonymised_at__isnull=True,
            )
            .order_by("protected_until", "pk")
            .values_list("pk", "name", "protected_until", "owner_id")
        )
        title, body = (
            _("Protection of %(name)s ends on %(date)s"),
            _("Record a follow-up that reaches the customer to keep them (OWN-04)."),
        )
        warnings = []
        for pk, name, protected_until, owner_id in lapsing:
            assert protected_until is not None  # filtered above
            threshold = _warning_threshold((protected_until - today).days, policy.lapse_warning_days)
            if threshold is None:
                continue
            warnings.append(
                Notification(
                    recipient_id=owner_id,
                    site=site,
                    kind="ownership.lapse_warning",
                    title=title % {"name": name, "date": protected_until.isoformat()},
                    body=body,
                    link=f"/customers/{pk}/follow-up-file/",
                    dedupe_key=f"lapse:{pk}:{protected_until.isoformat()}:{threshold}",
                )
            )
        if lapsing:
            lines = [f"{name}: {protected_until}" for _pk, name, protected_until, _owner in lapsing[:200]]
            warnings += [
                Notification(
                    recipient=manager,
                    site=site,
                    kind="ownership.lapse_summary",
                    title=_("%(count)s customers lapse within %(days)s days")
                    % {"count": len(lapsing), "days": max(policy.lapse_warning_days)},
                    body="\n".join(lines),
                    link="/customers/pool/",
                    dedupe_key=f"lapse-summary:{site.pk}:{manager.pk}:{today.isoformat()}",
                )
                for manager in _managers(site)
            ]
        sent += notify_many(warnings)
    return sent


def follow_up_reminders_send(*, at: dt.datetime | None = None) -> int:
    """FUP-04: every morning one in-app message per salesperson with their due and overdue follow-ups,
    and one to each manager with every salesperson's overdue count. Sites that share a cadence and a
    time zone are counted together, in one grouped query (P7)."""
    moment = at or timezone.now()
    groups: dict[tuple[Any, ...], list[Site]] = {}
    policies: dict[tuple[Any, ...], Policy] = {}
    for site in _sites():
        policy, _version = policy_current(site=site, at=moment)
        key = (
            tuple(sorted(policy.follow_up_cadence_days.items())),
            policy.first_return_call_days,
            site.time_zone,
        )
        groups.setdefault(key, []).append(site)
        policies[key] = policy
    sent = 0
    for key, sites in groups.items():
        today = site_today(sites[0], moment)
        counts = [
            row
            for row in follow_up_counts(sites=sites, policy=policies[key], today=today)
            if row["due"] or row["overdue"]
        ]
        by_site: dict[int, list[dict[str, Any]]] = {}
        for row in counts:
            by_site.setdefault(row["site"], []).append(row)
        owners = User.objects.in_bulk({row["owner"] for row in counts})
        reminders = []
        for site in sites:
            reminders += _follow_up_reminders(site, by_site.get(site.pk, []), owners, today)
        sent += notify_many(reminders)
    return sent


def _follow_up_reminders(
    site: Site, counts: list[dict[str, Any]], owners: dict[int, User], today: dt.date
) -> list[Notification]:
    reminders = [
        Notification(
            recipient=owners[row["owner"]],
            site=site,
            kind="followup.reminder",
            title=_("Follow-ups today: %(due)s due, %(overdue)s overdue")
            % {"due": row["due"], "overdue": row["overdue"]},
            link="/customers/follow-ups/due/",
            dedupe_key=f"followup-reminder:{site.pk}:{row['owner']}:{today.isoformat()}",
        )
        for row in counts
    ]
    if not counts:
        return reminders
    body = "\n".join(
        f"{owners[row['owner']].get_full_name() or owners[row['owner']].username}: {row['overdue']}"
        for row in counts
    )
    return reminders + [
        Notification(
            recipient=manager,
            site=site,
            kind="followup.overdue_summary",
            title=_("Overdue follow-ups by salesperson"),
            body=body,
            link="/customers/follow-ups/overview/",
            dedupe_key=f"followup-overview:{site.pk}:{manager.pk}:{today.isoformat()}",
        )
        for manager in _managers(site)
    ]


def channel_reports_expire(*, at: dt.datetime | None = None) -> int:
    """CHAN-02: a report not matched by the end of its validity (the report's day plus
    ``channel_report_valid_days`` - 1, inclusive) becomes expired. One UPDATE per site."""
    moment = at or timezone.now()
    total = 0
    for site in _sites():
        policy, _version = policy_current(site=site, at=moment)
        first_valid_day = site_today(site, moment) - dt.timedelta(days=policy.channel_report_valid_days - 1)
        # Reports made before the start of that local day have run out.
        cutoff = dt.datetime.combine(first_valid_day, dt.time.min, tzinfo=site_zone(site))
        total += ChannelReport.objects.filter(
            site=site, status=ChannelReport.Status.VALID, reported_at__lt=cutoff
        ).update(status=ChannelReport.Status.EXPIRED)
    return total


def _months_before(moment: dt.datetime, months: int) -> dt.datetime:
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, 28)
    return moment.replace(year=year, month=month + 1, day=day)


def anonymisable_customers(*, site: Site, at: dt.datetime) -> QuerySet[Customer]:
    """SEC-06: customers with no deal (no deposit ever) and no activity for ``retention_months``."""
    policy, _version = policy_current(site=site, at=at)
    cutoff = _months_before(at, policy.retention_months)
    return Customer.objects.filter(site=site, anonymised_at__isnull=True).filter(
        Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, created_at__lt=cutoff),
        ~Exists(DepositRecord.objects.filter(customer=OuterRef("pk"))),
    )


def customers_anonymise(*, at: dt.datetime | None = None) -> int:
    """SEC-06: remove the name and contact details of customers with no deal and no activity for the
    retention period; statistics (dates, sources, levels, needs, verdicts) stay.

    Registrations and follow-ups are append-only (REG-04, SEC-05) and hold the name, phones and
    notes. This is the one erasure the law requires, so only this job passes the append-only
    triggers, with ``pgtrigger.ignore`` scoped to those two triggers and to this transaction; every
    other UPDATE or DELETE on them is still rejected by PostgreSQL. After it nothing in the database
    links the record back to the person."""
    moment = at or timezone.now()
    total = 0
    for site in _sites():

        def candidates(site: Site = site) -> QuerySet[Customer]:
            return anonymisable_customers(site=site, at=moment)

        def erase(customer: Customer) -> None:
            _anonymise(customer, moment)

        total += _claim_each(candidates, erase)
    return total


def _anonymise(customer: Customer, moment: dt.datetime) -> None:
    CustomerPhone.objects.filter(customer=customer).delete()
    with pgtrigger.ignore(*ERASURE_TRIGGERS):
        Registration.objects.filter(customer=customer).update(name=ANONYMISED_NAME, phones=[], note="")
        FollowUp.objects.filter(customer=customer).update(
            content="", result="", next_step="", referrals_asked=""
        )
    ChannelReport.objects.filter(matched_customer=customer).update(
        customer_name=ANONYMISED_NAME, phone_prefix="", phone_suffix="", agent_full_name=""
    )
    for field in (
        "name_initials",
        "district",
        "intent",
        "decision_maker",
        "lost_note",
        "id_type",
        "id_number",
    ):
        setattr(customer, field, "")
    customer.name = ANONYMISED_NAME
    customer.anonymised_at = moment
    customer.save()
    audit_record(action="customer.anonymise", site=customer.site_id, obj=customer, reason="SEC-06 retention")
