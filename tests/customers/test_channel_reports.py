"""Channel reports (CHAN-01..CHAN-06): services, the agent's page and API, the counter scan."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from customers.exceptions import ChannelReportRefused
from customers.models import ChannelReport, Customer, StaffReferral
from customers.office_selectors import staff_referral_counting
from customers.services import (
    channel_report_cancel,
    channel_report_create,
    channel_report_rereport,
    channel_report_unreachable_request,
    channel_report_unreachable_verify,
    channel_reports_expire,
    channel_visit_confirm,
    staff_referral_record,
)
from salesoffice.core.exceptions import NotAllowed
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role
from salesoffice.core.services import policy_update
from tests.customers.factories import register

pytestmark = pytest.mark.django_db
DAY3 = datetime.date(2026, 3, 3)


@pytest.fixture
def agent(staff, site):
    return staff(Role.CHANNEL_AGENT, site, last_name="孙", first_name="行")


@pytest.fixture
def agent2(staff, site):
    return staff(Role.CHANNEL_AGENT, site, last_name="钱", first_name="拓")


def report(site, agent, *, name="周", masked="139***12345", expected=DAY3, **extra):
    return channel_report_create(
        site=site, actor=agent, customer_name=name, masked_phone=masked, team=extra.pop("team", "一队"),
        agent_full_name=extra.pop("agent_full_name", "孙行"), expected_date=expected, **extra,
    )  # fmt: skip


def expire_all(clock, days):
    clock.advance(days=days)
    channel_reports_expire()


def test_chan_01_report_is_stamped_on_receipt(clock, site, agent):
    """CHAN-01: the report keeps what the agent sent and the time it was received."""
    made = report(site, agent)
    assert made.reported_at == clock.now
    assert made.masked_phone == "139***12345"
    assert (made.team, made.agent_full_name, made.expected_date) == ("一队", "孙行", DAY3)
    assert AuditEvent.objects.filter(action="channel.report").count() == 1


@pytest.mark.parametrize("masked", ["13912345678", "139**12345", "139***1234", "239***12345", ""])
def test_chan_01_badly_masked_phone_is_refused_and_nothing_stored(clock, site, agent, masked):
    """CHAN-01, SEC-07: only 3 digits, ***, 5 digits; a refused report stores nothing."""
    with pytest.raises(ChannelReportRefused):
        report(site, agent, masked=masked)
    assert not ChannelReport.objects.exists()


def test_chan_01_visit_today_needs_period_and_time(clock, site, agent):
    """CHAN-01: a visit today must say morning or afternoon and the time."""
    with pytest.raises(ChannelReportRefused):
        report(site, agent, expected=datetime.date(2026, 3, 1))
    made = report(site, agent, expected=datetime.date(2026, 3, 1), expected_period="afternoon",
                  expected_time=datetime.time(15, 30))  # fmt: skip
    assert made.expected_period == "afternoon"


def test_chan_02_expected_date_within_seven_days_inclusive(clock, site, agent):
    """CHAN-02: day 7 (the report's day counted) is the last acceptable expected date."""
    report(site, agent, expected=datetime.date(2026, 3, 7))
    with pytest.raises(ChannelReportRefused):
        report(site, agent2_factory(site), expected=datetime.date(2026, 3, 8))


def agent2_factory(site):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, site=site, role=Role.CHANNEL_AGENT.value)
    return user


def test_chan_02_rereport_needs_reason_and_points_at_previous(clock, site, agent):
    """CHAN-02: after expiry a re-report explains why; it is a new row pointing at the previous."""
    first = report(site, agent)
    expire_all(clock, 7)
    with pytest.raises(ChannelReportRefused):
        channel_report_rereport(
            report=first, actor=agent, reason="没来", expected_date=datetime.date(2026, 3, 10)
        )
    second = channel_report_rereport(
        report=first, actor=agent, reason="客户出差，下周回来", expected_date=datetime.date(2026, 3, 10)
    )
    first.refresh_from_db()
    assert (second.previous, second.rereports, first.status) == (first, 1, ChannelReport.Status.REPLACED)


def test_chan_02_rereport_of_a_valid_report_or_by_another_agent_is_refused(clock, site, agent, agent2):
    """CHAN-02: only an expired report is re-reported, only by its agent; nothing changes otherwise."""
    first = report(site, agent)
    with pytest.raises(ChannelReportRefused):
        channel_report_rereport(report=first, actor=agent, reason="客户出差，下周回来", expected_date=DAY3)
    expire_all(clock, 7)
    with pytest.raises(NotAllowed):
        channel_report_rereport(
            report=first, actor=agent2, reason="客户出差，下周回来", expected_date=datetime.date(2026, 3, 10)
        )
    assert ChannelReport.objects.count() == 1


def _rereport_until_public(clock, site, agent, times):
    current = report(site, agent)
    for _round in range(times):
        expire_all(clock, 7)
        today = clock.now.date()
        current = channel_report_rereport(
            report=current,
            actor=agent,
            reason="客户出差，下周回来",
            expected_date=today + datetime.timedelta(days=2),
        )
    return current


def test_chan_02_after_three_rereports_the_customer_is_public(clock, site, agent, agent2):
    """CHAN-02 (default 3): a fourth re-report is refused and nobody may report the customer again."""
    third = _rereport_until_public(clock, site, agent, 3)
    assert third.rereports == 3
    expire_all(clock, 7)
    with pytest.raises(ChannelReportRefused):
        channel_report_rereport(
            report=third,
            actor=agent,
            reason="客户出差，下周回来",
            expected_date=clock.now.date() + datetime.timedelta(days=1),
        )
    with pytest.raises(ChannelReportRefused):
        report(site, agent2, expected=clock.now.date() + datetime.timedelta(days=1))
    assert ChannelReport.objects.count() == 4


def test_chan_02_max_rereports_policy_option(clock, site, manager, agent):
    """CHAN-02 with ``channel_max_rereports`` 1: the second re-report is refused."""
    policy_update(site=site, actor=manager, changes={"channel_max_rereports": 1}, reason="test")
    first = _rereport_until_public(clock, site, agent, 1)
    expire_all(clock, 7)
    with pytest.raises(ChannelReportRefused):
        channel_report_rereport(
            report=first,
            actor=agent,
            reason="客户出差，下周回来",
            expected_date=clock.now.date() + datetime.timedelta(days=1),
        )


def test_chan_02_unreachable_verified_by_supervisor_counts_as_rereport(
    clock, site, agent, salesperson, staff
):
    """CHAN-02: "unreachable" is verified by a supervisor or manager, and that is the re-report;
    a salesperson cannot verify."""
    supervisor = staff(Role.SUPERVISOR, site)
    first = report(site, agent)
    expire_all(clock, 7)
    channel_report_unreachable_request(report=first, actor=agent)
    with pytest.raises((NotAllowed, PermissionDenied)):
        channel_report_unreachable_verify(
            report=first, actor=salesperson, expected_date=datetime.date(2026, 3, 10)
        )
    assert ChannelReport.objects.count() == 1
    second = channel_report_unreachable_verify(
        report=first, actor=supervisor, expected_date=datetime.date(2026, 3, 10)
    )
    assert (second.unreachable, second.rereports, second.unreachable_verified_by) == (True, 1, supervisor)


def test_chan_03_first_visit_matches_report_and_marks_it(clock, site, agent, salesperson):
    """CHAN-03: the first visit is matched by phone prefix + suffix and name; the verdict names the
    report and the report is marked visited and bound to the customer."""
    made = report(site, agent)
    clock.advance(days=2)
    register(site, salesperson, name="周杰", phones=("13900012345",))
    customer = Customer.objects.get()
    assert customer.verdict.channel["report"] == f"k{made.pk}"
    made.refresh_from_db()
    assert (made.status, made.matched_customer) == (ChannelReport.Status.MATCHED, customer)


def test_chan_03_report_from_another_site_never_matches(clock, site, other_site, staff, salesperson):
    """CHAN-03: a report belongs to one site."""
    foreign = staff(Role.CHANNEL_AGENT, other_site)
    report(other_site, foreign)
    register(site, salesperson, name="周杰", phones=("13900012345",))
    assert Customer.objects.get().verdict.channel is None


def test_chan_03_expired_report_does_not_match(clock, site, agent, salesperson):
    """CHAN-02/03: a visit after the 7th day is a natural visitor."""
    report(site, agent)
    expire_all(clock, 7)
    register(site, salesperson, name="周杰", phones=("13900012345",))
    assert Customer.objects.get().verdict.channel is None


def test_chan_04_competing_reports_earliest_valid_wins(clock, site, agent, agent2, salesperson):
    """CHAN-04: of two valid reports the earliest wins, even if the later agent brings the customer."""
    first = report(site, agent)
    clock.advance(hours=2)
    report(site, agent2, agent_full_name="钱拓")
    clock.advance(days=1)
    register(site, salesperson, name="周杰", phones=("13900012345",))
    channel = Customer.objects.get().verdict.channel
    assert (channel["report"], channel["rule"]) == (f"k{first.pk}", "CHAN-04")


def test_chan_05_manager_cancels_the_claim_and_salesperson_cannot(
    clock, site, agent, agent2, salesperson, manager
):
    """CHAN-05: a complaint cancels the report's claim; the channel passes to the next valid report."""
    first = report(site, agent)
    clock.advance(hours=1)
    second = report(site, agent2)
    clock.advance(hours=1)
    register(site, salesperson, name="周杰", phones=("13900012345",))
    with pytest.raises(PermissionDenied):
        channel_report_cancel(report=first, actor=salesperson, reason="投诉")
    first.refresh_from_db()
    assert first.status == ChannelReport.Status.MATCHED
    channel_report_cancel(report=first, actor=manager, reason="客户投诉")
    customer = Customer.objects.get()
    assert customer.verdict.channel["report"] == f"k{second.pk}"
    first.refresh_from_db()
    assert first.status == ChannelReport.Status.CANCELLED


def test_chan_05_manager_assigns_the_customer_when_cancelling(
    clock, site, agent, salesperson, staff, manager
):
    """CHAN-05: cancelling the claim, the manager assigns the customer to another salesperson in the
    same decision; the verdict names CHAN-05 and the decision is kept. A channel agent or an unknown
    user cannot be chosen, and a rejected assignment changes nothing."""
    made = report(site, agent)
    clock.advance(hours=1)
    register(site, salesperson, name="周杰", phones=("13900012345",))
    colleague = staff(Role.SALESPERSON, site)
    with pytest.raises(ChannelReportRefused):
        channel_report_cancel(report=made, actor=manager, reason="违规带访", assign_to_id=agent.pk)
    made.refresh_from_db()
    assert made.status == ChannelReport.Status.MATCHED
    client = Client()
    client.force_login(manager)
    response = client.post(
        reverse("customers-channel-report-cancel", args=[made.pk]),
        {"reason": "违规带访", "assign_to": colleague.pk},
    )
    assert response.status_code == 302
    customer = Customer.objects.select_related("verdict").get()
    assert customer.owner_id == colleague.pk
    assert "CHAN-05" in customer.verdict.rules
    assert customer.decisions.get().kind == "channel_assignment"
    made.refresh_from_db()
    assert made.status == ChannelReport.Status.CANCELLED


def test_chan_03_counter_scan_confirms_visit_once(clock, site, agent, salesperson, other_site, staff):
    """CHAN-03: the scan binds the visit to the report once; another site's desk cannot use it."""
    made = report(site, agent)
    clock.advance(hours=3)
    confirmed = channel_visit_confirm(site=site, actor=salesperson, visit_token=made.visit_token)
    first_time = confirmed.visit_confirmed_at
    clock.advance(minutes=5)
    again = channel_visit_confirm(site=site, actor=salesperson, visit_token=made.visit_token)
    assert (again.visit_confirmed_at, again.visit_confirmed_by) == (first_time, salesperson)
    foreign = staff(Role.SALESPERSON, other_site)
    with pytest.raises(ChannelReportRefused):
        channel_visit_confirm(site=other_site, actor=foreign, visit_token=made.visit_token)


def test_chan_06_site_salespeople_cannot_be_staff_referrers_and_first_counts(
    clock, site, salesperson, manager, staff
):
    """CHAN-06: the site's salespeople are refused; of two referrers the first counts."""
    register(site, salesperson)
    customer = Customer.objects.get()
    with pytest.raises(ChannelReportRefused):
        staff_referral_record(customer=customer, referrer=salesperson, actor=manager)
    assert not StaffReferral.objects.exists()
    first, second = staff(Role.FINANCE, site), staff(Role.SERVICE, site)
    staff_referral_record(customer=customer, referrer=first, actor=manager)
    clock.advance(minutes=1)
    staff_referral_record(customer=customer, referrer=second, actor=manager)
    assert staff_referral_counting(customer=customer).referrer == first


# --- pages and API ---------------------------------------------------------------------------------


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_chan_01_agent_page_reports_and_lists_only_own_masked(clock, site, agent, agent2):
    """CHAN-01, SEC-01/02: the agent's page takes a report and lists only the agent's own reports."""
    report(site, agent2, name="吴")
    response = client_for(agent).post(reverse("customers-channel-reports"), {
        "customer_name": "周", "masked_phone": "139***12345", "team": "一队", "agent_full_name": "孙行",
        "expected_date": "2026-03-03",
    })  # fmt: skip
    assert response.status_code == 302
    page = client_for(agent).get(reverse("customers-channel-reports")).content.decode()
    assert "139***12345" in page
    assert "吴" not in page
    assert ChannelReport.objects.filter(agent=agent).count() == 1


def test_chan_01_page_refuses_bad_input_with_field_message(clock, site, agent):
    """SEC-07: a bad mask gets the form back with a message and stores nothing."""
    response = client_for(agent).post(reverse("customers-channel-reports"), {
        "customer_name": "周", "masked_phone": "13912345678", "team": "一队", "agent_full_name": "孙行",
        "expected_date": "2026-03-03",
    })  # fmt: skip
    assert response.status_code == 200
    assert not ChannelReport.objects.exists()


def test_chan_03_qr_code_is_an_svg_for_own_report_only(clock, site, agent, agent2):
    """CHAN-03: the QR code is served as SVG to its agent; another agent gets 404."""
    made = report(site, agent)
    response = client_for(agent).get(reverse("customers-channel-report-qr", args=[made.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    assert client_for(agent2).get(reverse("customers-channel-report-qr", args=[made.pk])).status_code == 404


def test_chan_03_scan_page_confirms_and_shows_slip(clock, site, agent, salesperson, other_site, staff):
    """CHAN-03: the counter's scan page confirms the arrival and shows the printable slip; another
    site's desk gets 404."""
    made = report(site, agent)
    url = reverse("customers-channel-visit", args=[made.visit_token])
    response = client_for(salesperson).post(url)
    assert response.status_code == 200
    assert "139***12345" in response.content.decode()
    made.refresh_from_db()
    assert made.visit_confirmed_by == salesperson
    assert client_for(staff(Role.SALESPERSON, other_site)).get(url).status_code == 404
    assert client_for(agent).get(url).status_code == 403


def test_chan_01_api_create_and_list_own(clock, site, agent, agent2, api):
    """CHAN-01: the agent's API takes a report and lists only their own, phone masked."""
    report(site, agent2, name="吴")
    created = api(agent).post("/api/v1/channel-reports/", {
        "site": site.pk, "customer_name": "周", "masked_phone": "139***12345", "team": "一队",
        "agent_full_name": "孙行", "expected_date": "2026-03-03",
    }, format="json")  # fmt: skip
    assert created.status_code == 201
    assert created.json()["masked_phone"] == "139***12345"
    listed = api(agent).get(f"/api/v1/channel-reports/?site={site.pk}").json()["results"]
    assert [row["customer_name"] for row in listed] == ["周"]


def test_chan_01_api_bad_input_400_and_other_site_404(clock, site, other_site, agent, api):
    """SEC-07: a bad mask is a 400 with a field message; another site is a 404."""
    bad = api(agent).post("/api/v1/channel-reports/", {
        "site": site.pk, "customer_name": "周", "masked_phone": "139-1234", "team": "一队",
        "agent_full_name": "孙行", "expected_date": "2026-03-03",
    }, format="json")  # fmt: skip
    assert bad.status_code == 400
    assert "masked_phone" in bad.json()["error"]["fields"]
    assert api(agent).get(f"/api/v1/channel-reports/?site={other_site.pk}").status_code == 404
    assert not ChannelReport.objects.exists()


def test_chan_02_api_rereport(clock, site, agent, api):
    """CHAN-02: re-report through the API."""
    made = report(site, agent)
    expire_all(clock, 7)
    response = api(agent).post(f"/api/v1/channel-reports/{made.pk}/rereport/", {
        "reason": "客户出差，下周回来", "expected_date": "2026-03-10"}, format="json")  # fmt: skip
    assert response.status_code == 201
    assert response.json()["rereports"] == 1
