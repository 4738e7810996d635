"""Writes of the reports app: exports (audited, SEC-03), marketing activities (MKT-01), targets (RPT-02,
TEAM-01) and the scheduled delivery of the daily and weekly reports (RPT-09)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Membership, Notification, Site, User
from salesoffice.core.roles import Cap, Role
from salesoffice.core.services import notify
from salesoffice.reports import documents, rules
from salesoffice.reports.layouts import ReportDocument
from salesoffice.reports.models import Activity, Target

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report_export(
    *, document: ReportDocument, fmt: str, actor: Any, site_id: int, filters: dict[str, str], now: dt.datetime
) -> tuple[bytes, str]:
    """RPT-09, SEC-03: render the report as PDF or Excel with the generation time and the generator's name,
    and record the export with its filter in the audit trail."""
    stamped = dataclasses.replace(
        document, generated_at=now.astimezone(_zone(site_id)), generated_by=_name(actor)
    )
    content = documents.report_pdf(stamped) if fmt == "pdf" else documents.report_xlsx(stamped)
    audit_record(
        action=f"export.{fmt}",
        actor=actor,
        site=site_id,
        object_type=f"reports.{document.slug}",
        after={"report": document.slug, "filter": filters},
    )
    return content, CONTENT_TYPES[fmt]


def group_report_export(
    *, document: ReportDocument, fmt: str, actor: Any, site_ids: list[int], filters: dict[str, str],
    now: dt.datetime,
) -> tuple[bytes, str]:  # fmt: skip
    """RPT-09, SEC-03: render a report across sites (RPT-03 group monthly) as PDF or Excel, stamped with the
    time in the installation's zone and the generator's name, and record the export in the audit trail of
    every site whose figures it carries, so each site manager sees it when browsing their site's trail."""
    stamped = dataclasses.replace(document, generated_at=timezone.localtime(now), generated_by=_name(actor))
    content = documents.report_pdf(stamped) if fmt == "pdf" else documents.report_xlsx(stamped)
    with transaction.atomic():
        for site_id in site_ids:
            audit_record(
                action=f"export.{fmt}", actor=actor, site=site_id, object_type=f"reports.{document.slug}",
                after={"report": document.slug, "filter": filters, "sites": len(site_ids)},
            )  # fmt: skip
    return content, CONTENT_TYPES[fmt]


def _name(user: Any) -> str:
    if user is None:
        return _("SalesOffice (scheduled)")
    return user.get_full_name() or user.username


def _zone(site_id: int) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(Site.objects.only("time_zone").get(pk=site_id).time_zone)


# --- Marketing activities (MKT-01) ----------------------------------------------------------------

_ACTIVITY_FIELDS = (
    "name", "code", "kind", "channel", "starts_on", "ends_on", "budget", "cost", "target_visits", "target_deals",
    "note",
)  # fmt: skip


def _require_manager(actor: Any, site_id: int) -> None:
    if not access.can(actor, site_id, Cap.REPORTS_SITE):
        raise NotAllowed(_("Only the site manager manages marketing activities and targets."))


def activity_create(*, site: Site, actor: Any, **fields: Any) -> Activity:
    """MKT-01: the site manager records an activity with its dates, channel, budget, cost, targets and the
    code registrations will carry."""
    _require_manager(actor, site.pk)
    values = {name: fields[name] for name in _ACTIVITY_FIELDS if name in fields}
    try:
        with transaction.atomic():
            activity = Activity.objects.create(site=site, created_by=actor, **values)
            audit_record(action="activity.create", actor=actor, site=site, obj=activity, after=values)
    except IntegrityError as error:
        raise DomainError(
            _("Another activity of this site uses this code."), code="duplicate_code",
            fields={"code": [_("Already used.")]},
        ) from error  # fmt: skip
    return activity


def activity_update(*, activity: Activity, actor: Any, **fields: Any) -> Activity:
    """MKT-01: the manager corrects an activity (the cost is usually entered after it ends); the code
    stays, since registrations already carry it."""
    _require_manager(actor, activity.site_id)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        changes = {
            name: fields[name]
            for name in _ACTIVITY_FIELDS
            if name in fields and name != "code" and getattr(locked, name) != fields[name]
        }
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean(exclude=["site", "created_by"])
        locked.save()
        audit_record(
            action="activity.update",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            before=before,
            after=changes,
        )
    return locked


def target_set(
    *, site: Site, actor: Any, period: str, starts_on: dt.date, metric: str, value: Decimal,
    salesperson_id: int | None = None,
) -> Target:  # fmt: skip
    """RPT-02, TEAM-01: the manager sets the target of a week (from its Monday) or a month (from its first
    day), for the site or one salesperson; setting it again replaces the figure."""
    _require_manager(actor, site.pk)
    if period == Target.Period.WEEK:
        starts_on = rules.week_of(starts_on).first
    else:
        starts_on = rules.month_of(starts_on).first
    if salesperson_id is not None and not access.works_at(salesperson_id, site.pk):
        raise DomainError(_("Choose a salesperson of this site."), code="invalid_salesperson")
    with transaction.atomic():
        target, _created = Target.objects.select_for_update().update_or_create(
            site=site, salesperson_id=salesperson_id, period=period, starts_on=starts_on, metric=metric,
            defaults={"value": value, "set_by": actor},
        )  # fmt: skip
        audit_record(
            action="target.set", actor=actor, site=site, obj=target,
            after={"period": period, "starts_on": starts_on, "metric": metric, "value": value, "salesperson": salesperson_id},
        )  # fmt: skip
    return target


# --- Scheduled delivery (RPT-09) ---------------------------------------------------------------------


def site_managers(site: Site) -> list[User]:
    return list(
        User.objects.filter(
            memberships__site=site, memberships__is_active=True, is_active=True,
            memberships__role__in=[Role.MANAGER.value, Role.DEPUTY.value],
        ).distinct()
    )  # fmt: skip


def report_deliver(*, site: Site, document: ReportDocument, key: str, link: str, now: dt.datetime) -> int:
    """RPT-09: send one report to each site manager in-app, and by e-mail with the PDF attached when e-mail
    is configured. The dedupe key makes a second run (a retry, two beats) send nothing; the PDF is only
    rendered for managers who have not received it yet."""
    stamped = dataclasses.replace(
        document, generated_at=now.astimezone(_zone(site.pk)), generated_by=_name(None)
    )
    pdf: bytes | None = None
    sent = 0
    for manager in site_managers(site):
        dedupe_key = f"{key}:{manager.pk}"
        if Notification.objects.filter(dedupe_key=dedupe_key).exists():
            continue
        title = f"{site.name} · {document.title} · {dict(document.filters).get(_('Period'), '')}"
        notification = notify(
            recipient=manager, site=site, kind=f"reports.{document.slug}", title=title[:200],
            body=_("The report is ready."), link=link, dedupe_key=dedupe_key, email=False,
        )  # fmt: skip
        if notification is None:
            continue
        sent += 1
        if settings.EMAIL_ENABLED and manager.email:
            pdf = pdf or documents.report_pdf(stamped)
            message = EmailMessage(
                title[:200], _("The report is attached."), settings.DEFAULT_FROM_EMAIL, [manager.email]
            )
            message.attach(f"{document.slug}-{now:%Y%m%d}.pdf", pdf, "application/pdf")
            transaction.on_commit(functools.partial(message.send, fail_silently=True))
    return sent


def _report_url(slug: str, query: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return reverse("reports-page", args=[slug]) + "?" + urlencode(query)


def daily_reports_deliver(*, now: dt.datetime) -> int:
    """RPT-01, RPT-09: once a site's daily cut-off has passed, its daily report goes to the site manager
    (each site by its own zone and cut-off; safe to run every few minutes)."""
    from salesoffice.reports import catalogue
    from salesoffice.reports.forms import ReportParams
    from salesoffice.reports.selectors.common import system_scope

    sent = 0
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        if not Membership.objects.filter(
            site=site, is_active=True, role__in=[Role.MANAGER.value, Role.DEPUTY.value]
        ).exists():
            continue
        scope = system_scope(site)
        local = now.astimezone(scope.tz)
        if local.time() < scope.cutoff:
            continue
        day = local.date()
        params = ReportParams(period=rules.day_of(day))
        document = catalogue.build_daily(scope, params, None)
        sent += report_deliver(
            site=site, document=document, key=f"reports.daily:{site.pk}:{day.isoformat()}",
            link=_report_url("daily", params.as_query()), now=now,
        )  # fmt: skip
    return sent


def weekly_reports_deliver(*, now: dt.datetime) -> int:
    """RPT-02, RPT-09: on Monday morning the previous week's report goes to each site manager."""
    from salesoffice.reports import catalogue
    from salesoffice.reports.forms import ReportParams
    from salesoffice.reports.selectors.common import system_scope

    sent = 0
    for site in Site.objects.filter(is_active=True).order_by("pk"):
        scope = system_scope(site)
        week = rules.week_of(now.astimezone(scope.tz).date()).previous()
        params = ReportParams(period=week)
        if "weekly" not in catalogue.CATALOGUE:
            return 0
        document = catalogue.CATALOGUE["weekly"].build(scope, params, None)
        sent += report_deliver(
            site=site, document=document, key=f"reports.weekly:{site.pk}:{week.first.isoformat()}",
            link=_report_url("weekly", params.as_query()), now=now,
        )  # fmt: skip
    return sent
