"""RPT-03 across sites (集团营销月报): one row per site the user reads whole, and the total, for March 2026.

Site A is the fixed day of tests/reports/conftest.py (滨江壹号, Asia/Shanghai, cut-off 18:00, D = 2026-03-02).
Site B (城西湾, Asia/Urumqi = UTC+6, cut-off 20:00) and site C (南湖郡, Asia/Shanghai, 18:00) are built below,
B with records on both sides of its own month boundaries. The group head (集团总监) is deputy manager at A
and B, salesperson at C and finance at C: C is not read whole, so it has no row.

Hand count for March 2026 (each site by its own zone and cut-off):

| figure | A | B | total |
| --- | --- | --- | --- |
| walk-ins | 5 | 1 | 6 |
| valid / incomplete registrations | 4 / 1 | 2 / 0 | 6 / 1 |
| calls | 1 | 1 | 2 |
| follow-ups | 2 | 0 | 2 |
| small deposits | 2 (6,000.00) | 1 (5,000.00) | 3 (11,000.00) |
| large deposits | 1 (100,000.00) | 1 (50,000.00) | 2 (150,000.00) |
| subscriptions | 1 | 1 | 2 |
| contracts (units, m², yuan) | 1, 100.00, 2,000,000.00 | 0 | 1, 100.00, 2,000,000.00 |
| cancellations | 0 | 1 | 1 |
| money received | 106,000.00 | 55,000.00 | 161,000.00 |
| units available at the month's close | 1 | 2 | 3 |

A: registrations 赵六 (03-01 17:00), 钱七 (03-01 18:05 → 03-02), 张三, 孙八 (call), 王五 (incomplete) on 03-02,
周九 (03-02 18:30 → 03-03); deposits 5,000 and 1,000 (small), 100,000 (large), the contract of unit 2.
B: 周一 registered 02-28 20:30 local, after B's 20:00 cut-off, so on 03-01; 冯四 at 03-31 20:30 local counts in
April; the small deposit at 03-31 19:30 local is still March at B (it would be April under A's cut-off)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deals import services as deal_services
from deals.rules import DepositKind
from reception.models import Reception, RotaDay
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role
from salesoffice.core.services import policy_update, token_create
from salesoffice.core.workspace import SESSION_KEY
from salesoffice.reports import rules
from salesoffice.reports.selectors import activity, group
from salesoffice.reports.selectors.common import report_scope, whole_site_scopes
from tests.customers.factories import register
from tests.deals.factories import BuildingFactory, UnitFactory
from tests.factories import MembershipFactory, SiteFactory, UserFactory
from tests.reports.conftest import BUYER, TZ

pytestmark = pytest.mark.django_db
URUMQI = zoneinfo.ZoneInfo("Asia/Urumqi")
MARCH = rules.month_of(dt.date(2026, 3, 1))
APRIL = rules.month_of(dt.date(2026, 4, 1))
FIGURES = (
    "walk_ins", "registrations_valid", "registrations_incomplete", "calls", "follow_ups", "small_deposits",
    "small_deposit_amount", "large_deposits", "large_deposit_amount", "subscriptions", "contracts",
    "contract_area", "contract_amount", "cancellations", "money_received",
)  # fmt: skip
HAND_COUNT = {
    "A": (5, 4, 1, 1, 2, 2, Decimal("6000.00"), 1, Decimal("100000.00"), 1, 1, Decimal("100.00"),
          Decimal("2000000.00"), 0, Decimal("106000.00")),
    "B": (1, 2, 0, 1, 0, 1, Decimal("5000.00"), 1, Decimal("50000.00"), 1, 0, Decimal("0.00"),
          Decimal("0.00"), 1, Decimal("55000.00")),
    "total": (6, 6, 1, 2, 2, 3, Decimal("11000.00"), 2, Decimal("150000.00"), 2, 1, Decimal("100.00"),
              Decimal("2000000.00"), 1, Decimal("161000.00")),
}  # fmt: skip


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Several staff accounts per test: a cheap hasher keeps the data set quick to build."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def urumqi(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=URUMQI)


def member(user, site, role: Role) -> None:
    MembershipFactory(user=user, site=site, role=role.value)


@dataclasses.dataclass
class Group:
    a: object
    b: object
    c: object
    head: object  # deputy at A and B, salesperson and finance at C
    manager_a: object
    manager_b: object
    manager_c: object
    salesperson_a: object


@pytest.fixture
def sites(day, staff, clock):
    """Sites B and C next to the fixed day of site A; the clock ends at 2026-04-02 10:00 in Shanghai."""
    b = SiteFactory(name="城西湾", code="cxw", time_zone="Asia/Urumqi")
    c = SiteFactory(name="南湖郡", code="nhj")
    manager_b = staff(Role.MANAGER, b, last_name="刘", first_name="经理")
    seller_b = staff(Role.SALESPERSON, b, last_name="陈", first_name="静")
    manager_c = staff(Role.MANAGER, c, last_name="孙", first_name="经理")
    seller_c = staff(Role.SALESPERSON, c, last_name="周", first_name="敏")
    head = UserFactory(username="group-head", last_name="集团", first_name="总监")
    member(head, day.site, Role.DEPUTY)
    member(head, b, Role.DEPUTY)
    member(head, c, Role.SALESPERSON)
    member(head, c, Role.FINANCE)

    clock.set(urumqi(2, 1, 9))
    policy_update(site=b, actor=manager_b, changes={"daily_cutoff": "20:00"}, reason="晚间开放")
    building = BuildingFactory(site=b, name="8号楼")
    units = [UnitFactory(building=building, floor=floor, number="01") for floor in (1, 2, 3)]
    clock.set(urumqi(2, 28, 20, 30))  # after B's cut-off: business day 03-01
    first = register(b, seller_b, name="周一", phones=["13911110001"]).customer
    clock.set(urumqi(3, 10, 11))
    registration = register(b, seller_b, name="吴二", phones=["13911110002"])
    second = registration.customer
    rota_day = RotaDay.objects.create(site=b, business_date=dt.date(2026, 3, 10), state={}, start_state={})
    Reception.objects.create(
        day=rota_day, number=1, type=Reception.Type.NEW, receiver=seller_b, counted=True, arrived_at=clock.now,
        started_at=clock.now, ended_at=clock.now + dt.timedelta(minutes=40), outcome="registered",
        registration=registration,
    )  # fmt: skip
    clock.set(urumqi(3, 10, 12))
    register(b, seller_b, name="郑三", phones=["13911110003"], kind="call", appointment_entered=True)
    clock.set(urumqi(3, 10, 14))
    large = deal_services.deposit_take(
        unit=units[0], customer=second, actor=seller_b, kind=DepositKind.LARGE, amount=Decimal("50000.00"),
        method="transfer",
    )  # fmt: skip
    subscription = deal_services.subscription_create(
        deposit=large, actor=seller_b, buyers=BUYER, payment_method="full_payment"
    )
    clock.set(urumqi(3, 20, 10))
    request = deal_services.cancellation_request(
        deal=subscription.deal, actor=seller_b, reason="资金不足", settlement="refund"
    )
    deal_services.approval_decide(request=request, actor=manager_b, decision="approve")
    deal_services.cancellation_complete(request=request, actor=manager_b, buyer_confirmed=True)
    clock.set(urumqi(3, 31, 19, 30))  # before B's 20:00 cut-off: still March at B
    deal_services.deposit_take(
        unit=units[1], customer=first, actor=seller_b, kind=DepositKind.SMALL, amount=Decimal("5000.00"),
        method="cash",
    )  # fmt: skip
    clock.set(urumqi(3, 31, 20, 30))  # after it: April
    register(b, seller_b, name="冯四", phones=["13911110004"])

    clock.set(dt.datetime(2026, 3, 15, 10, tzinfo=TZ))
    register(c, seller_c, name="何五", phones=["13922220001"])
    clock.set(dt.datetime(2026, 4, 2, 10, tzinfo=TZ))
    return Group(
        a=day.site, b=b, c=c, head=head, manager_a=day.manager, manager_b=manager_b, manager_c=manager_c,
        salesperson_a=day.a,
    )  # fmt: skip


def figures_of(figures) -> tuple:
    return tuple(figures.get(key) for key in FIGURES)


def march_for(user) -> group.GroupMonthlyReport:
    return group.group_monthly_report(scopes=whole_site_scopes(user), period=MARCH)


def test_rpt_03_group_rows_and_total_match_the_hand_count(sites):
    report = march_for(sites.head)

    assert [row.site_name for row in report.rows] == ["城西湾", "滨江壹号"]  # by name; C is not read whole
    rows = {row.site_id: row for row in report.rows}
    assert figures_of(rows[sites.a.pk].figures) == HAND_COUNT["A"]
    assert figures_of(rows[sites.b.pk].figures) == HAND_COUNT["B"]
    assert figures_of(report.totals) == HAND_COUNT["total"]
    assert (rows[sites.a.pk].units_available_at_close, rows[sites.b.pk].units_available_at_close) == (1, 2)
    assert report.units_available_at_close == 3


def test_rpt_03_each_row_equals_the_sites_own_monthly_report(sites):
    """RPT-03: the group report reuses the monthly report's definitions, so a row is that report's total."""
    report = march_for(sites.head)

    for row in report.rows:
        own = activity.activity_report(scope=report_scope(sites.head, row.site_id), period=MARCH, by="day")
        assert figures_of(row.figures) == figures_of(own.totals)
        assert (row.after, row.until) == (own.after, own.until)


def test_rpt_03_rpt_01_each_site_counts_the_month_by_its_own_zone_and_cut_off(sites):
    """RPT-01 cut-off per site: B's month runs from 02-28 20:00 to 03-31 20:00 in Urumqi, A's from 02-28
    18:00 to 03-31 18:00 in Shanghai; 冯四 (B, 03-31 20:30) counts in April."""
    march = {row.site_id: row for row in march_for(sites.head).rows}
    april = {row.site_id: row for row in group.group_monthly_report(
        scopes=whole_site_scopes(sites.head), period=APRIL).rows}  # fmt: skip

    b = march[sites.b.pk]
    assert (b.time_zone, b.daily_cutoff) == ("Asia/Urumqi", dt.time(20, 0))
    assert (b.after, b.until) == (urumqi(2, 28, 20), urumqi(3, 31, 20))
    a = march[sites.a.pk]
    assert (a.after, a.until) == (
        dt.datetime(2026, 2, 28, 18, tzinfo=TZ),
        dt.datetime(2026, 3, 31, 18, tzinfo=TZ),
    )
    assert april[sites.b.pk].figures.registrations_valid == 1
    assert april[sites.a.pk].figures.registrations_valid == 0


def test_rpt_03_default_month_is_the_earliest_current_business_day(sites):
    """At 2026-03-31 18:30 in Shanghai, A (cut-off 18:00) is in its business day of April 1st while B
    (16:30 in Urumqi, cut-off 20:00) is still on March 31st: the default is March, begun everywhere."""
    now = dt.datetime(2026, 3, 31, 18, 30, tzinfo=TZ)
    scopes = whole_site_scopes(sites.head)

    assert group.default_month(scopes=scopes, now=now) == dt.date(2026, 3, 1)
    only_a = [scope for scope in scopes if scope.site.pk == sites.a.pk]
    assert group.default_month(scopes=only_a, now=now) == dt.date(2026, 4, 1)


def test_rpt_03_api_month_filter_and_figures(sites, client):
    client.force_login(sites.head)

    response = client.get(reverse("api-report-group-monthly"), {"month": "2026-03"})

    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2026-03"
    assert body["period"] == {"kind": "month", "first": "2026-03-01", "last": "2026-03-31"}
    assert [row["site_code"] for row in body["rows"]] == ["cxw", sites.a.code]
    assert body["totals"]["walk_ins"] == 6
    assert body["totals"]["money_received"] == "161000.00"
    assert "follow_ups_overdue" not in body["totals"]
    assert body["units_available_at_close"] == 3
    b = body["rows"][0]
    assert (b["time_zone"], b["daily_cutoff"], b["figures"]["cancellations"]) == (
        "Asia/Urumqi",
        "20:00:00",
        1,
    )
    # Drillable: each row names the site's own monthly report for the same month.
    assert b["report"] == reverse("api-report", args=[sites.b.pk, "monthly"]) + "?date=2026-03-01"
    assert client.get(b["report"]).status_code == 200


@pytest.mark.parametrize("month", ["2026-13", "2026-3-1", "1999-12", "march"])
def test_rpt_03_api_refuses_an_invalid_month(sites, client, month):
    client.force_login(sites.head)

    response = client.get(reverse("api-report-group-monthly"), {"month": month})

    assert response.status_code == 400
    assert "month" in response.json()["error"]["fields"]


def test_sec_01_manager_of_one_site_never_sees_another_sites_row(sites, client):
    client.force_login(sites.manager_a)

    api = client.get(reverse("api-report-group-monthly"), {"month": "2026-03"})
    page = client.get(reverse("reports-group-monthly"), {"month": "2026-03"})

    assert [row["site_id"] for row in api.json()["rows"]] == [sites.a.pk]
    assert api.json()["totals"]["walk_ins"] == 5
    assert page.status_code == 200
    text = page.content.decode()
    assert "滨江壹号" in text
    assert "城西湾" not in text
    assert "南湖郡" not in text


def test_sec_01_salesperson_is_refused_and_has_no_menu_entry(sites, client):
    """SEC-01: neither the page, its exports nor the API for a salesperson; no menu entry or dashboard link."""
    client.force_login(sites.salesperson_a)

    assert client.get(reverse("reports-group-monthly")).status_code == 403
    assert client.get(reverse("reports-group-monthly-export", args=["pdf"])).status_code == 403
    assert client.get(reverse("api-report-group-monthly")).status_code == 403
    assert reverse("reports-group-monthly") not in client.get(reverse("dashboard")).content.decode()
    assert not AuditEvent.objects.filter(object_type="reports.group_monthly").exists()


def test_sec_01_finance_and_supervisors_do_not_read_the_group_report(sites, staff, api):
    """Finance reads money, not the activity figures of RPT-03; a supervisor reads only their team."""
    finance = staff(Role.FINANCE, sites.a)
    supervisor = staff(Role.SUPERVISOR, sites.b)

    assert api(finance).get(reverse("api-report-group-monthly")).status_code == 403
    assert api(supervisor).get(reverse("api-report-group-monthly")).status_code == 403


def test_rpt_09_menu_entry_for_those_who_read_a_site_whole(sites, client):
    client.force_login(sites.head)
    session = client.session
    session[SESSION_KEY] = sites.a.pk
    session.save()

    text = client.get(reverse("dashboard")).content.decode()

    assert text.count(f'href="{reverse("reports-group-monthly")}"') == 2  # the menu and the dashboard's list


def test_sec_04_a_site_token_reads_its_own_sites_row_only(sites, client):
    _token, text = token_create(user=sites.head, site=sites.a, name="BI", scope="read", actor=sites.manager_a)

    response = client.get(
        reverse("api-report-group-monthly"), {"month": "2026-03"}, HTTP_AUTHORIZATION=f"Token {text}"
    )

    assert response.status_code == 200
    assert [row["site_id"] for row in response.json()["rows"]] == [sites.a.pk]


def test_sec_01_report_client_reads_aggregates_and_administrator_reads_every_site(sites, staff, api):
    reader = staff(Role.REPORT_CLIENT, sites.c)
    admin = UserFactory(username="admin", is_superuser=True)

    rows = api(reader).get(reverse("api-report-group-monthly"), {"month": "2026-03"}).json()["rows"]
    everything = api(admin).get(reverse("api-report-group-monthly"), {"month": "2026-03"}).json()

    assert [(row["site_id"], row["scope"], row["figures"]["registrations_valid"]) for row in rows] == [
        (sites.c.pk, "aggregate", 1)
    ]
    assert {row["site_id"] for row in everything["rows"]} == {sites.a.pk, sites.b.pk, sites.c.pk}
    assert everything["totals"]["registrations_valid"] == 7


@pytest.fixture
def managers(sites):
    """A manager of A (and salesperson at C, so the page offers the same site switcher) and a manager of A, B
    and C, to compare the queries of one row and three."""
    one = UserFactory(username="manager-of-one")
    member(one, sites.a, Role.MANAGER)
    member(one, sites.c, Role.SALESPERSON)
    three = UserFactory(username="manager-of-three")
    for site in (sites.a, sites.b, sites.c):
        member(three, site, Role.MANAGER)
    return one, three


def _queries(client, user, url, data) -> tuple[int, object]:
    client.force_login(user)
    client.get(url, data)  # session and caches warm
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, data)
    return len(context.captured_queries), response


@pytest.mark.parametrize("url_name", ["api-report-group-monthly", "reports-group-monthly"])
def test_p6_group_report_runs_the_same_number_of_queries_for_one_site_and_three(managers, client, url_name):
    """P6 (quality.md): set-based, one query per kind of record grouped by site, whatever the sites."""
    one, three = managers
    url = reverse(url_name)

    count_one, response_one = _queries(client, one, url, {"month": "2026-03"})
    count_three, response_three = _queries(client, three, url, {"month": "2026-03"})

    assert (response_one.status_code, response_three.status_code) == (200, 200)
    assert count_one == count_three
    assert count_three <= 25


def test_p6_group_selector_queries_do_not_grow_with_sites(managers, django_assert_num_queries):
    one, three = managers
    scopes_one, scopes_three = whole_site_scopes(one), whole_site_scopes(three)
    assert (len(scopes_one), len(scopes_three)) == (1, 3)

    # One query per kind of record (activity.STREAMS) and one for the units available.
    expected = len(activity.STREAMS) + 1
    with django_assert_num_queries(expected):
        group.group_monthly_report(scopes=scopes_one, period=MARCH)
    with django_assert_num_queries(expected):
        group.group_monthly_report(scopes=scopes_three, period=MARCH)


def test_rpt_09_each_row_opens_the_sites_monthly_report(sites, client):
    """RPT-03/RPT-09: every figure of a row leads to that site's monthly report for the month (a POST that
    also makes it the current site), whose figures drill to their records."""
    client.force_login(sites.head)
    page = client.get(reverse("reports-group-monthly"), {"month": "2026-03"}).content.decode()
    assert f'form="open-site" name="site" value="{sites.b.pk}"' in page

    response = client.post(reverse("reports-group-monthly-open"), {"site": sites.b.pk, "month": "2026-03"})

    assert response.status_code == 302
    assert response["Location"] == reverse("reports-page", args=["monthly"]) + "?date=2026-03-01"
    assert client.session[SESSION_KEY] == sites.b.pk
    monthly = client.get(response["Location"]).content.decode()
    assert "城西湾" in monthly
    assert reverse("reports-drill", args=["registrations_valid"]) in monthly


def test_sec_01_opening_a_site_without_a_role_there_is_not_found(sites, client):
    client.force_login(sites.manager_a)

    response = client.post(reverse("reports-group-monthly-open"), {"site": sites.b.pk, "month": "2026-03"})

    assert response.status_code == 404
    assert client.session.get(SESSION_KEY) != sites.b.pk


def test_rpt_09_sec_03_group_pdf_prints_sites_and_totals_and_is_audited(sites, client, tmp_path):
    client.force_login(sites.head)

    response = client.get(reverse("reports-group-monthly-export", args=["pdf"]), {"month": "2026-03"})

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "group.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607 - poppler-utils from the system
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert "城西湾" in text
    assert "滨江壹号" in text
    assert "南湖郡" not in text
    assert "161,000.00" in text  # money received, total
    assert "2,000,000.00" in text  # contract amount, total
    assert "2026-03" in text  # the filter
    assert "集团总监" in text  # the generator
    events = AuditEvent.objects.filter(action="export.pdf", object_type="reports.group_monthly")
    assert {event.site_id for event in events} == {sites.a.pk, sites.b.pk}
    assert {event.actor_id for event in events} == {sites.head.pk}
    assert events.first().after == {"report": "group_monthly", "filter": {"month": "2026-03"}, "sites": 2}


def test_rpt_09_sec_03_group_excel_holds_the_figures_and_is_audited(sites, client):
    client.force_login(sites.head)

    response = client.get(reverse("reports-group-monthly-export", args=["xlsx"]), {"month": "2026-03"})

    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cover = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert ("月", "2026-03") in [tuple(row[:2]) for row in cover]
    customers = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert [row[0] for row in customers[2:]] == ["城西湾", "滨江壹号", "合计"]
    assert customers[-1][1:6] == (6, 6, 1, 2, 2)
    deals = list(workbook.worksheets[2].iter_rows(values_only=True))
    total = deals[-1]
    assert total[0] == "合计"
    assert [Decimal(str(value)) for value in total[8:11]] == [Decimal("2000000.00"), 1, Decimal("161000.00")]
    assert total[11] == 3  # units available at the month's close
    assert AuditEvent.objects.filter(action="export.xlsx", object_type="reports.group_monthly").count() == 2


def test_rpt_03_page_is_in_chinese_with_its_filter(sites, client):
    client.force_login(sites.head)

    response = client.get(reverse("reports-group-monthly"), {"month": "2026-03"})

    text = response.content.decode()
    assert "集团营销月报" in text
    assert 'value="2026-03"' in text
    assert "Asia/Shanghai 18:00 (1); Asia/Urumqi 20:00 (1)" in text
