"""RPT-01 daily report: figures against the hand-computed fixed day (tests/reports/conftest.py), the cut-off
rule, scopes (SEC-01), masking (SEC-02), audited exports (SEC-03), constant queries (P6) and delivery."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesoffice.core.models import AuditEvent, Notification
from salesoffice.core.roles import Role
from salesoffice.core.services import token_create
from salesoffice.reports import rules
from salesoffice.reports.selectors import activity
from salesoffice.reports.selectors.common import report_scope
from salesoffice.reports.tasks import daily_reports_deliver_task
from tests.reports.conftest import D, at

pytestmark = pytest.mark.django_db


def test_rpt_01_site_figures_match_the_hand_count(day):
    report = activity.daily_report(scope=report_scope(day.manager, day.site.pk), day=D)

    totals = report.totals
    assert (totals.walk_ins, totals.turns) == (4, 2)
    assert report.walk_ins_by_type == {"new": 3, "returning": 1}
    assert (totals.registrations_valid, totals.registrations_incomplete, totals.calls, totals.appointments) == (
        2, 1, 1, 1,
    )  # fmt: skip
    assert (totals.follow_ups, totals.follow_ups_overdue) == (1, 1)
    assert (totals.small_deposits, totals.small_deposit_amount) == (1, Decimal("5000.00"))
    assert (totals.large_deposits, totals.large_deposit_amount) == (1, Decimal("100000.00"))
    assert (totals.subscriptions, totals.contracts) == (1, 1)
    assert (totals.contract_area, totals.contract_amount) == (Decimal("100.00"), Decimal("2000000.00"))
    assert totals.cancellations == 0
    assert totals.money_received == Decimal("105000.00")
    # Units 3 and 4 were available at 18:00; unit 3 was held at 19:00, after the close.
    assert report.units_available_at_close == 2


def test_rpt_01_per_salesperson_figures(day):
    """RPT-01 and REG-07: each salesperson's day is summarised from the records."""
    report = activity.daily_report(scope=report_scope(day.manager, day.site.pk), day=D)

    people = {person.user_id: person.figures for person in report.people}
    a, b = people[day.a.pk], people[day.b.pk]
    assert (a.walk_ins, a.registrations_valid, a.registrations_incomplete, a.follow_ups) == (2, 1, 1, 1)
    assert (a.large_deposits, a.contracts, a.contract_amount, a.money_received) == (
        1, 1, Decimal("2000000.00"), Decimal("100000.00"),
    )  # fmt: skip
    assert (b.walk_ins, b.registrations_valid, b.calls, b.appointments, b.follow_ups_overdue) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert (b.small_deposits, b.money_received) == (1, Decimal("5000.00"))


def test_rpt_01_cut_off_moves_late_records_to_the_next_day(day):
    """REG-03/RPT-01: 钱七 registered at D-1 18:05 counts on D; 周九 (D 18:30), walk-in #5 (18:20) and the
    19:00 small deposit count on D+1; 赵六 at D-1 17:00 stays on D-1."""
    scope = report_scope(day.manager, day.site.pk)

    before = activity.daily_report(scope=scope, day=D - dt.timedelta(days=1)).totals
    after = activity.daily_report(scope=scope, day=D + dt.timedelta(days=1)).totals

    assert before.registrations_valid == 1
    assert (after.registrations_valid, after.walk_ins, after.small_deposits) == (1, 1, 1)
    assert after.small_deposit_amount == Decimal("1000.00")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [((18, 0), D), ((18, 1), D + dt.timedelta(days=1)), ((0, 0), D), ((23, 59), D + dt.timedelta(days=1))],
)
def test_rpt_01_business_day_rule(moment, expected):
    assert rules.business_day(at(D, *moment), dt.time(18), at(D, 0).tzinfo) == expected


def test_sec_01_salesperson_sees_only_own_figures(day, client):
    report = activity.daily_report(scope=report_scope(day.a, day.site.pk), day=D)

    assert [person.user_id for person in report.people] == [day.a.pk]
    assert report.totals.walk_ins == 2
    assert report.totals.small_deposits == 0

    client.force_login(day.a)
    response = client.get(reverse("reports-drill", args=["small_deposits"]), {"date": D.isoformat(),
                          "salesperson": day.b.pk})  # fmt: skip
    assert response.status_code == 403


def test_sec_01_another_site_is_not_found(day, other_site, api):
    response = api(day.manager).get(
        reverse("api-report-daily", args=[other_site.pk]), {"date": D.isoformat()}
    )

    assert response.status_code == 404


def test_rpt_09_api_daily_with_the_same_filters(day, api):
    response = api(day.manager).get(reverse("api-report-daily", args=[day.site.pk]), {"date": D.isoformat()})

    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["walk_ins"] == 4
    assert body["totals"]["contract_amount"] == "2000000.00"
    assert {row["name"] for row in body["people"]} == {"李娜", "赵强"}


def test_sec_01_read_only_token_reads_aggregates_not_personal_rows(day, staff, client):
    reader = staff(Role.REPORT_CLIENT, day.site)
    _token, text = token_create(user=reader, site=day.site, name="BI", scope="read", actor=day.manager)
    headers = {"HTTP_AUTHORIZATION": f"Token {text}"}

    figures = client.get(reverse("api-report-daily", args=[day.site.pk]), {"date": D.isoformat()}, **headers)
    rows = client.get(reverse("api-report-drill", args=[day.site.pk, "registrations_valid"]),
                      {"date": D.isoformat()}, **headers)  # fmt: skip

    assert figures.status_code == 200
    assert figures.json()["totals"]["registrations_valid"] == 2
    assert rows.status_code == 403


def test_sec_02_drill_down_lists_masked_rows(day, api):
    response = api(day.manager).get(
        reverse("api-report-drill", args=[day.site.pk, "registrations_valid"]), {"date": D.isoformat()}
    )

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["phone"] for row in rows} == {"135****5555", "138****5678"}
    assert {row["customer"] for row in rows} == {"钱*", "张*"}
    assert "13812345678" not in response.content.decode()


def test_rpt_01_drill_down_page_matches_the_figure(day, client):
    client.force_login(day.manager)

    response = client.get(reverse("reports-drill", args=["follow_ups_overdue"]), {"date": D.isoformat()})

    assert response.status_code == 200
    text = response.content.decode()
    assert "赵*" in text
    assert "135****4444" in text
    assert "13500004444" not in text


def test_rpt_09_daily_page_links_figures_to_their_records(day, client):
    client.force_login(day.manager)

    response = client.get(reverse("reports-page", args=["daily"]), {"date": D.isoformat()})

    assert response.status_code == 200
    text = response.content.decode()
    assert "<svg" in text
    assert reverse("reports-drill", args=["small_deposits"]) in text


def test_sec_03_pdf_export_is_masked_printed_and_audited(day, client, tmp_path):
    client.force_login(day.manager)

    response = client.get(reverse("reports-export", args=["daily", "pdf"]), {"date": D.isoformat()})

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "daily.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607 - poppler-utils from the system
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "138****5678" in text
    assert "13812345678" not in text
    assert "13500005555" not in text
    assert "王经理" in text  # the generator's name
    assert D.isoformat() in text  # the filter
    event = AuditEvent.objects.get(action="export.pdf", site=day.site)
    assert event.actor_id == day.manager.pk
    assert event.after == {"report": "daily", "filter": {"date": D.isoformat()}}


def test_sec_03_excel_export_holds_the_figures_and_is_audited(day, client):
    client.force_login(day.manager)

    response = client.get(reverse("reports-export", args=["daily", "xlsx"]), {"date": D.isoformat()})

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cover = workbook.worksheets[0]
    assert any(row[1] == D.isoformat() for row in cover.iter_rows(values_only=True) if len(row) > 1)
    deals = workbook.worksheets[5]  # cover, two key-figure tables, walk-ins, customers, deals by salesperson
    values = list(deals.iter_rows(values_only=True))
    assert {row[0] for row in values[2:-1]} == {"李娜", "赵强"}
    total = values[-1]
    assert Decimal(str(total[8])) == Decimal("2000000.00")  # contract amount
    phones = [
        cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
    ]
    assert "138****5678" in phones
    assert "13812345678" not in phones
    assert AuditEvent.objects.filter(action="export.xlsx", site=day.site, actor=day.manager).count() == 1


def test_p6_daily_report_runs_a_constant_number_of_queries(day, django_assert_max_num_queries):
    scope = report_scope(day.manager, day.site.pk)

    with django_assert_max_num_queries(14):
        activity.daily_report(scope=scope, day=D)


def test_p6_daily_page_counts_overdue_follow_ups_once(day, client):
    """The week's chart beside the daily report charts the days; the follow-ups overdue at the close
    are counted once, by the daily figures."""
    client.force_login(day.manager)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("reports-page", args=["daily"]), {"date": D.isoformat()})

    assert response.status_code == 200
    overdue = [query for query in captured.captured_queries if '"next_date" <=' in query["sql"]]
    assert len(overdue) == 1


def test_rpt_09_daily_delivery_sends_once_at_the_cut_off(
    day, clock, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_ENABLED = True
    clock.set(at(D, 17, 45))
    assert daily_reports_deliver_task.delay().get() == 0

    clock.set(at(D, 18, 15))
    with django_capture_on_commit_callbacks(execute=True):
        first = daily_reports_deliver_task.delay().get()
        second = daily_reports_deliver_task.delay().get()

    assert (first, second) == (1, 0)
    notification = Notification.objects.get(recipient=day.manager, kind="reports.daily")
    assert notification.dedupe_key == f"reports.daily:{day.site.pk}:{D.isoformat()}:{day.manager.pk}"
    assert len(mail.outbox) == 1  # one e-mail, the one carrying the PDF
    assert mail.outbox[0].attachments[0][1].startswith(b"%PDF")
