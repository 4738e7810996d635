"""RPT-02..07, TEAM-01/02, MKT-01/02 against the fixed day of tests/reports/conftest.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from deals import services as deal_services
from deals.models import MoneyRecord
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role
from salesoffice.reports import rules, services
from salesoffice.reports.models import Activity
from salesoffice.reports.selectors import funnel, inventory, money, sources, team
from salesoffice.reports.selectors.common import SITE_WIDE, report_scope
from tests.customers.factories import register
from tests.reports.conftest import D, at

pytestmark = pytest.mark.django_db
REPORTS = ["daily", "weekly", "monthly", "funnel", "sources", "inventory", "money", "team", "marketing"]


def test_rpt_04_funnel_counts_conversions_and_stages(day):
    scope = report_scope(day.manager, day.site.pk)
    period = rules.Period(rules.PeriodKind.CUSTOM, D - dt.timedelta(days=1), D + dt.timedelta(days=1))

    report = funnel.funnel_report(scope=scope, period=period)

    (row,) = report.rows
    # Six customers first registered: 赵六, 钱七, 张三, 王五, 孙八 (call), 周九.
    assert row.customers == 6
    assert row.stages == {
        "first_call": 1, "first_visit": 5, "return_visit": 0, "small_deposit": 2, "large_deposit": 1, "contract": 1,
    }  # fmt: skip
    assert row.conversions["small_deposit"] is None  # no return visits to convert from
    assert row.conversions["contract"] == Decimal("100.0")
    # 张三: large deposit at 15:00, contract at 16:00 (an hour, 0.0 days to one decimal); no return visits.
    assert row.median_days["contract"] == 0.0
    assert row.median_days["return_visit"] is None


def test_rpt_04_funnel_by_salesperson(day):
    scope = report_scope(day.manager, day.site.pk)

    report = funnel.funnel_report(scope=scope, period=rules.day_of(D), group="salesperson")

    by_name = {row.label: row for row in report.rows}
    assert by_name["李娜"].stages["contract"] == 1
    assert by_name["赵强"].stages["small_deposit"] == 1


def test_rpt_05_sources_and_cost_per_result(day):
    services.activity_create(
        site=day.site, actor=day.manager, name="春季房展会", code="expo-2026", kind="exhibition", channel="walk_in",
        starts_on=D, ends_on=D, budget=Decimal("30000.00"), cost=Decimal("20000.00"),
    )  # fmt: skip
    scope = report_scope(day.manager, day.site.pk)

    report = sources.sources_report(scope=scope, period=rules.day_of(D))

    (row,) = report.rows
    assert (row.key, row.registrations, row.visits, row.calls) == ("walk_in", 4, 3, 1)
    assert (row.deposits, row.deals, row.deal_amount) == (2, 1, Decimal("2000000.00"))
    assert row.cost_per_visit == Decimal("6666.67")
    assert row.cost_per_deal == Decimal("20000.00")


def test_mkt_02_activity_effect_traces_registrations_to_deals(day, clock):
    activity_row = services.activity_create(
        site=day.site, actor=day.manager, name="开盘活动", code="launch", kind="launch", channel="event",
        starts_on=D + dt.timedelta(days=1), ends_on=D + dt.timedelta(days=1), cost=Decimal("9000.00"),
        target_visits=10,
    )  # fmt: skip
    clock.set(at(D + dt.timedelta(days=1), 10))
    register(day.site, day.a, name="吴十", phones=["13300006666"], activity_code="launch", source="event")
    register(
        day.site,
        day.b,
        name="郑一",
        phones=["13300007777"],
        activity_code="launch",
        source="event",
        kind="call",
    )

    (effect,) = sources.activity_effects(scope=report_scope(day.manager, day.site.pk))

    assert effect.id == activity_row.pk
    assert (effect.registrations, effect.visits, effect.customers, effect.deposits, effect.deals) == (
        2,
        1,
        2,
        0,
        0,
    )
    assert effect.cost_per_registration == Decimal("4500.00")
    assert effect.cost_per_deal is None


def test_mkt_01_activity_code_is_unique_per_site(day):
    fields = {
        "name": "A",
        "code": "open-day",
        "kind": "open_day",
        "channel": "event",
        "starts_on": D,
        "ends_on": D,
    }
    services.activity_create(site=day.site, actor=day.manager, **fields)

    with pytest.raises(services.DomainError):
        services.activity_create(site=day.site, actor=day.manager, **fields)

    assert Activity.objects.count() == 1


def test_mkt_01_salesperson_cannot_create_an_activity(day):
    with pytest.raises(services.NotAllowed):
        services.activity_create(
            site=day.site,
            actor=day.a,
            name="A",
            code="x",
            kind="open_day",
            channel="event",
            starts_on=D,
            ends_on=D,
        )
    assert not Activity.objects.exists()


def test_rpt_06_inventory_by_status_layout_and_value(day):
    report = inventory.inventory_report(scope=report_scope(day.manager, day.site.pk))

    statuses = {row.key: row.units for row in report.by_status}
    assert statuses == {"on_hold": 2, "contracted": 1, "available": 1, "withheld": 1}
    assert (report.total.units, report.total.remaining) == (5, 2)
    assert report.total.remaining_value == Decimal("4700000.00")  # unit 4 (1.5M) + unit 5 (3.2M)
    layouts = {row.key: (row.units, row.remaining) for row in report.by_layout}
    assert layouts == {"2室2厅": (2, 1), "3室2厅": (2, 0), "4室2厅": (1, 1)}
    bands = {row.key: row.units for row in report.by_price_band}
    assert bands == {"1500000": 2, "2000000": 2, "3000000": 1}
    assert (report.sold_units, report.sold_area, report.sold_amount) == (
        1,
        Decimal("100.00"),
        Decimal("2000000.00"),
    )
    assert report.average_price_per_m2 == Decimal("20000.00")


def test_rpt_07_money_held_received_receivable_and_overdue(day, staff, clock):
    finance = staff(Role.FINANCE, day.site)
    deal = MoneyRecord.objects.get(amount=Decimal("100000.00")).deal
    clock.set(at(D + dt.timedelta(days=1), 10))
    deal_services.payment_record(
        deal=deal,
        actor=finance,
        kind="instalment",
        amount=Decimal("400000.00"),
        payer="张三",
        method="transfer",
    )
    scope = report_scope(finance, day.site.pk, allowed=SITE_WIDE)

    report = money.money_report(
        scope=scope,
        period=rules.Period(rules.PeriodKind.CUSTOM, D, D + dt.timedelta(days=1)),
        as_of=D + dt.timedelta(days=60),
    )

    assert report.flows.totals.money_received == Decimal("506000.00")
    assert (report.deposits_held, report.deposits_held_amount) == (2, Decimal("6000.00"))
    assert report.contracts_value == Decimal("2000000.00")
    assert report.receivable == Decimal("1500000.00")
    assert report.overdue_deals == (1 if report.overdue_amount else 0)


def test_team_02_ranking_by_contract_amount(day):
    report = team.team_report(scope=report_scope(day.manager, day.site.pk), period=rules.day_of(D))

    assert [(row.rank, row.name) for row in report.rows] == [(1, "李娜"), (2, "赵强")]
    first = report.rows[0]
    assert first.figures.valid_rate == Decimal("50.0")  # one complete, one incomplete visit registration
    assert first.performance == Decimal("2000000.00")
    assert first.conversion == Decimal("50.0")  # one deposit per two walk-ins


def test_team_01_follow_up_punctuality(day):
    """赵六's follow-up was planned for D-1 and nothing followed: 0 of 1 on time for 赵强."""
    scope = report_scope(day.manager, day.site.pk)
    period = rules.Period(rules.PeriodKind.CUSTOM, D - dt.timedelta(days=1), D)

    rows = {row.name: row for row in team.team_report(scope=scope, period=period).rows}

    assert (rows["赵强"].follow_ups_due, rows["赵强"].follow_ups_on_time, rows["赵强"].punctuality) == (
        1,
        0,
        Decimal("0.0"),
    )


def test_rpt_02_weekly_against_previous_week_and_target(day, client):
    services.target_set(
        site=day.site, actor=day.manager, period="week", starts_on=D, metric="contracts", value=Decimal("4")
    )
    client.force_login(day.manager)

    response = client.get(reverse("api-report", args=[day.site.pk, "weekly"]), {"date": D.isoformat()})

    assert response.status_code == 200
    comparison = response.json()["tables"][0]
    contracts = next(row for row in comparison["rows"] if row[0] in ("签约(套)", "Contracts (units)"))
    assert contracts[1:] == [1, 0, None, "4.00", "25.0%"]


def test_rpt_03_half_year_analysis_in_april(day):
    scope = report_scope(day.manager, day.site.pk)
    from salesoffice.reports import catalogue
    from salesoffice.reports.forms import ReportParams

    document = catalogue.build_monthly(scope, ReportParams(period=rules.month_of(dt.date(2026, 4, 1))), None)

    months = document.tables[4]
    assert [row[0].value for row in months.rows[:-1]] == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
    ]
    assert months.rows[4][6].value == 1  # the contract of March


@pytest.mark.parametrize("report", REPORTS)
def test_rpt_09_every_report_has_a_page_pdf_and_excel(day, client, report):
    client.force_login(day.manager)

    page = client.get(reverse("reports-page", args=[report]), {"date": D.isoformat()})
    pdf = client.get(reverse("reports-export", args=[report, "pdf"]), {"date": D.isoformat()})
    xlsx = client.get(reverse("reports-export", args=[report, "xlsx"]), {"date": D.isoformat()})

    assert page.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert xlsx.content.startswith(b"PK")
    assert AuditEvent.objects.filter(object_type=f"reports.{report}").count() == 2


@pytest.mark.parametrize("report", ["weekly", "monthly", "funnel", "sources", "inventory", "money", "team"])
def test_p6_report_pages_run_constant_queries(day, client, report, django_assert_max_num_queries):
    client.force_login(day.manager)
    client.get(reverse("reports-page", args=[report]), {"date": D.isoformat()})

    with django_assert_max_num_queries(45):
        response = client.get(reverse("reports-page", args=[report]), {"date": D.isoformat()})

    assert response.status_code == 200


def test_sec_01_salesperson_is_refused_the_money_report(day, client):
    client.force_login(day.a)

    assert client.get(reverse("reports-page", args=["money"])).status_code == 403
    assert client.get(reverse("reports-page", args=["daily"])).status_code == 200


def test_rpt_09_dashboards_per_role(day, staff, client):
    finance = staff(Role.FINANCE, day.site)
    for user, heading in [(day.manager, "reports-drill"), (day.a, "reports-drill"), (finance, "<svg")]:
        client.force_login(user)
        response = client.get(reverse("reports-dashboard"))
        assert response.status_code == 200
        assert heading in response.content.decode() or "<svg" in response.content.decode()


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_r8_report_days_out_of_range_are_refused_not_a_server_error(day, api, client, date):
    """R8: a day the period's bounds cannot hold is a 400 with the field named (the page falls back)."""
    response = api(day.manager).get(reverse("api-report", args=[day.site.pk, "weekly"]), {"date": date})
    client.force_login(day.manager)

    assert response.status_code == 400
    assert "date" in response.json()["error"]["fields"]
    assert client.get(reverse("reports-page", args=["monthly"]), {"date": date}).status_code == 200
