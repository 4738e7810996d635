"""The office pages (OWN-04, FUP-01..07, OWN-09/12, CUS-05/06, OWN-19): access, denials, query counts."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from customers.models import Customer, CustomerImport, FollowUp
from customers.services import protection_expiry_run
from salesoffice.core.roles import Role
from tests.customers.factories import register

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def many(site, salesperson, count, prefix="138"):
    for index in range(count):
        register(site, salesperson, name=f"客户{index}", phones=(f"{prefix}{index:08d}",))


def test_own_04_my_customers_countdown_red_under_three_days(clock, site, salesperson):
    """OWN-04: the protection countdown is shown and highlighted under 3 days."""
    many(site, salesperson, 1)
    clock.advance(days=28)  # 2 days left
    page = client_for(salesperson).get(reverse("customers-mine")).content.decode()
    assert "countdown-urgent" in page
    assert "2 天" in page  # Chinese by default


@pytest.mark.parametrize("url_name", ["customers-mine", "customers-follow-ups-due"])
def test_p4_lists_constant_query_count(clock, site, salesperson, url_name, django_assert_max_num_queries):
    """P4: my customers and the due list cost the same number of queries for 2 or 25 customers."""
    many(site, salesperson, 2)
    clock.advance(days=1)
    client = client_for(salesperson)
    client.get(reverse(url_name))
    with django_assert_max_num_queries(12) as small:
        client.get(reverse(url_name))
    many(site, salesperson, 23, prefix="139")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse(url_name))
    assert response.status_code == 200


def test_fup_03_follow_up_page_records_and_renews(clock, site, salesperson):
    """FUP-03, FUP-01: the form records a follow-up (level change kept) and a reached one renews protection."""
    many(site, salesperson, 1)
    customer = Customer.objects.get()
    clock.advance(days=5)
    url = reverse("customers-follow-up-file", args=[customer.pk])
    response = client_for(salesperson).post(url, {
        "action": "follow_up", "at": "2026-03-06T09:00", "method": "call", "reached": "on", "level": "A",
        "content": "约周末看房", "referrals_asked": "",
    })  # fmt: skip
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.level == "A"
    assert customer.protected_until == datetime.date(2026, 4, 5)
    page = client_for(salesperson).get(url).content.decode()
    assert "B → A" in page


def test_fup_07_personality_shows_coaching_note(clock, site, salesperson):
    """FUP-07: the type is set on the page and its coaching note shows."""
    many(site, salesperson, 1)
    customer = Customer.objects.get()
    url = reverse("customers-follow-up-file", args=[customer.pk])
    client_for(salesperson).post(url, {"action": "personality", "personality_type": "decisive"})
    assert "豪爽干脆" in client_for(salesperson).get(url).content.decode()


def test_fup_05_lost_from_page_and_bad_reason_changes_nothing(clock, site, salesperson):
    """FUP-05: lost with a listed reason; an unknown reason is a form error and changes nothing."""
    many(site, salesperson, 1)
    customer = Customer.objects.get()
    url = reverse("customers-follow-up-file", args=[customer.pk])
    response = client_for(salesperson).post(url, {"action": "lost", "reason": "weather"})
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.status != Customer.Status.LOST
    client_for(salesperson).post(url, {"action": "lost", "reason": "location"})
    customer.refresh_from_db()
    assert (customer.status, customer.lost_reason) == (Customer.Status.LOST, "location")


def test_fup_03_follow_up_page_denied_to_other_salesperson_and_other_site(
    clock, site, other_site, salesperson, staff
):
    """SEC-01, SEC-07: another salesperson gets 403 and records nothing; another site gets 404."""
    many(site, salesperson, 1)
    customer = Customer.objects.get()
    url = reverse("customers-follow-up-file", args=[customer.pk])
    other = staff(Role.SALESPERSON, site)
    assert client_for(other).post(url, {"action": "follow_up", "at": "2026-03-01T09:00", "method": "call",
                                        "reached": "on", "level": "A"}).status_code == 403  # fmt: skip
    assert not FollowUp.objects.exists()
    assert client_for(staff(Role.SALESPERSON, other_site)).get(url).status_code == 404


def test_fup_04_overview_for_manager_only(clock, site, salesperson, manager):
    """FUP-04: the manager's overdue counts; a salesperson gets 403."""
    many(site, salesperson, 2)
    clock.advance(days=3)
    page = client_for(manager).get(reverse("customers-follow-up-overview"))
    assert page.status_code == 200
    assert "李娜" in page.content.decode()
    assert client_for(salesperson).get(reverse("customers-follow-up-overview")).status_code == 403


def test_own_04_pool_page_distributes_and_is_closed_to_salespeople(clock, site, manager, salesperson, staff):
    """OWN-04: the manager's pool page lists lapsed customers and distributes them; a salesperson
    without the self-claim option gets 403."""
    many(site, salesperson, 2)
    clock.advance(days=31)
    protection_expiry_run()
    second = staff(Role.SALESPERSON, site)
    assert client_for(salesperson).get(reverse("customers-pool")).status_code == 403
    page = client_for(manager).get(reverse("customers-pool"))
    assert "保护期已过" in page.content.decode()
    ids = [str(pk) for pk in Customer.objects.values_list("pk", flat=True)]
    response = client_for(manager).post(
        reverse("customers-pool"), {"customers": ids, "salesperson": str(second.pk), "reason": "再分配"}
    )
    assert response.status_code == 302
    assert set(Customer.objects.values_list("owner_id", flat=True)) == {second.pk}


def test_own_09_departure_page_lists_then_hands_over(clock, site, manager, salesperson, staff):
    """OWN-09: the page lists the leaver's open customers, then hands them over in rotation."""
    many(site, salesperson, 2)
    others = [staff(Role.SALESPERSON, site), staff(Role.SALESPERSON, site)]
    listing = client_for(manager).get(reverse("customers-departure"), {"leaver": salesperson.pk})
    assert "客户0" in listing.content.decode()
    client_for(manager).post(reverse("customers-departure"), {"leaver": salesperson.pk, "reason": "离职"})
    assert set(Customer.objects.values_list("owner_id", flat=True)) == {other.pk for other in others}
    assert client_for(salesperson).get(reverse("customers-departure")).status_code == 403


def test_own_19_replay_under_draft_policy_beside_recorded(clock, site, manager, salesperson):
    """OWN-19 a: replayed under a draft policy (visit protection 10 days) the customer has lapsed by
    day 15, while the recorded verdict still protects them; the rules are shown."""
    many(site, salesperson, 1)
    customer = Customer.objects.get()
    clock.advance(days=14)
    response = client_for(manager).get(reverse("customers-replay"), {
        "customer": customer.pk, "moment": "2026-03-15T10:00", "visit_protection_days": 10,
        **_current_policy_fields(manager, site),
    })  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "visit_protection_days=10" in page
    assert "2026-03-31" in page
    assert "失效" in page
    assert client_for(salesperson).get(reverse("customers-replay")).status_code == 403


def _current_policy_fields(manager, site):
    from customers.office_forms import ReplayForm
    from salesoffice.core.services import policy_current

    policy, _version = policy_current(site=site)
    form = ReplayForm(policy=policy)
    values = {}
    for name, field in form.fields.items():
        if name in ("customer", "moment", "reason", "visit_protection_days"):
            continue
        initial = field.initial
        if initial is None or initial is False:
            continue
        values[name] = "on" if initial is True else initial
    return values


def test_cus_05_merge_page(clock, site, manager, salesperson):
    """CUS-05: the manager merges two records from the page."""
    many(site, salesperson, 2)
    first, second = Customer.objects.order_by("pk")
    response = client_for(manager).post(
        reverse("customers-merge"), {"survivor": first.pk, "merged": second.pk, "reason": "同一人"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.merged_into == first


def test_cus_06_import_page_type_checks_and_shows_progress(
    clock, site, manager, django_capture_on_commit_callbacks
):
    """CUS-06, SEC-07: a non-Excel upload is refused on the form; a good file is imported and its
    status page shows the result."""
    bad = SimpleUploadedFile("list.csv", b"a,b,c", content_type="text/csv")
    response = client_for(manager).post(reverse("customers-import"), {"file": bad, "source": "exhibition"})
    assert response.status_code == 200
    assert not CustomerImport.objects.exists()
    book = Workbook()
    book.active.append(["姓名", "性别", "手机"])
    book.active.append(["赵一", "男", "13800000001"])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("fair.xlsx", buffer.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            reverse("customers-import"), {"file": upload, "source": "exhibition"}
        )
    assert response.status_code == 302
    status = client_for(manager).get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "import-status" in status
    assert "新增客户 1 位" in status
