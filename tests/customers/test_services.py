"""Registrations, follow-ups, stored verdicts and disputes on PostgreSQL (REG, OWN, FUP, DISP)."""

import datetime

import pytest
from django.db import InternalError, transaction

from customers.exceptions import DisputeWindowClosed, InvalidRegistration
from customers.models import Customer, CustomerPhone, Dispute, OwnershipVerdict, Registration
from customers.selectors import customer_lookup
from customers.services import deposit_record, dispute_open, follow_up_record, relation_link
from salesoffice.core.models import AuditEvent, Notification
from salesoffice.core.roles import Role
from tests.customers.factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def a(staff, site):
    return staff(Role.SALESPERSON, site, last_name="安", first_name="A")


@pytest.fixture
def b(staff, site):
    return staff(Role.SALESPERSON, site, last_name="白", first_name="B")


@pytest.fixture
def c(staff, site):
    return staff(Role.SALESPERSON, site, last_name="程", first_name="C")


def test_s_own_1_first_valid_registration_owns_and_others_see_the_masked_number(clock, site, a, b):
    """S-OWN-1 (OWN-01, OWN-04, SEC-02, CUS-03)."""
    register(site, a)  # day 1 10:00
    clock.advance(days=4)
    [result] = customer_lookup(user=b, site=site, query="5678")
    assert result.owner_id == a.pk
    assert result.protected_until == datetime.date(2026, 3, 31)
    assert {"OWN-01", "OWN-04"} <= set(result.rules)
    assert result.phone == "138****5678"
    assert result.name == "张三"  # the counter may greet by name; the phone never shows
    [own] = customer_lookup(user=a, site=site, query="5678")
    assert own.phone == "13812345678"


def test_s_own_2_incomplete_registration_gives_no_ownership(clock, site, a, b):
    """S-OWN-2 (REG-02, OWN-14)."""
    first = register(site, a, name="李四", phones=("13900001111",), needs={})
    assert not first.complete
    assert first.missing == ["needs"]
    clock.advance(days=2)
    register(site, b, name="李四", phones=("13900001111",))
    customer = Customer.objects.get()
    assert customer.owner == b


def test_s_own_3_reached_follow_up_renews_and_lapse_moves_ownership(clock, site, a, c):
    """S-OWN-3 (OWN-04, FUP-03): a reached follow-up on day 20 protects until day 50."""
    register(site, a)
    customer = Customer.objects.get()
    clock.advance(days=19)
    follow_up_record(customer=customer, actor=a, at=clock.now, method="call", reached=True)
    customer.refresh_from_db()
    assert customer.protected_until == datetime.date(2026, 4, 19)
    clock.advance(days=31)
    register(site, c)
    customer.refresh_from_db()
    assert customer.owner == c
    assert customer.verdict.lapse is not None


def test_s_own_4_failed_follow_up_does_not_renew(clock, site, a):
    """S-OWN-4 (FUP-03)."""
    register(site, a)
    customer = Customer.objects.get()
    clock.advance(days=19)
    follow_up_record(customer=customer, actor=a, at=clock.now, method="call", reached=False)
    customer.refresh_from_db()
    assert customer.protected_until == datetime.date(2026, 3, 31)


def test_reg01_numbers_per_site_in_recording_order(site, other_site, staff, a, b):
    register(site, a, phones=("13800000001",))
    register(site, b, phones=("13800000002",))
    elsewhere = staff(Role.SALESPERSON, other_site)
    register(other_site, elsewhere, phones=("13800000003",))
    assert list(Registration.objects.filter(site=site).order_by("pk").values_list("number", flat=True)) == [
        1,
        2,
    ]
    assert Registration.objects.get(site=other_site).number == 1


def test_reg04_registrations_cannot_be_altered_in_postgresql(site, a):
    registration = register(site, a)
    with pytest.raises(InternalError), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).update(name="改名")
    with pytest.raises(InternalError), transaction.atomic():
        Registration.objects.filter(pk=registration.pk).delete()
    assert Registration.objects.get().name == "张三"


def test_reg03_late_registration_is_marked(clock, site, a):
    clock.set(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=clock.now.tzinfo))
    late = register(site, a, contact_at=datetime.datetime(2026, 3, 1, 15, 0, tzinfo=clock.now.tzinfo))
    on_time = register(site, a, phones=("13800009999",), contact_at=clock.now - datetime.timedelta(minutes=5))
    assert late.late
    assert not on_time.late


def test_cus01_one_number_identifies_one_person(site, a, b):
    register(site, a, phones=("13812345678", "010-12345678"))
    register(site, b, phones=("01012345678",))
    assert Customer.objects.count() == 1
    assert set(CustomerPhone.objects.values_list("e164", flat=True)) == {"+8613812345678", "+861012345678"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phones": ("12345",)}, "phones"),
        ({"name": ""}, "name"),
        ({"name": "张" * 51}, "name"),
        ({"contact_at": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)}, "contact_at"),
    ],
)
def test_sec07_bad_registration_input_changes_nothing(site, a, changes, field):
    with pytest.raises(InvalidRegistration) as caught:
        register(site, a, **changes)
    assert field in caught.value.fields
    assert not Registration.objects.exists()
    assert not Customer.objects.exists()


def test_sec07_salesperson_of_another_site_cannot_register_here(site, other_site, staff):
    from django.http import Http404

    outsider = staff(Role.SALESPERSON, other_site)
    with pytest.raises(Http404):
        register(site, outsider)
    assert not Registration.objects.exists()


def test_verdicts_are_stored_only_when_they_change(clock, site, a):
    register(site, a)
    register(site, a, phones=("13812345678",))  # same day, same owner, protection unchanged
    customer = Customer.objects.get()
    assert OwnershipVerdict.objects.filter(customer=customer).count() == 1
    clock.advance(days=3)
    register(site, a)
    assert OwnershipVerdict.objects.filter(customer=customer).count() == 2  # protection renewed


def test_s_own_7_household_collision_splits_fifty_fifty(clock, site, manager, a, b):
    """S-OWN-7 (OWN-07 option A)."""
    register(site, a, name="周先生", phones=("13811110000",))
    clock.advance(days=2)
    register(site, b, name="周太太", phones=("13822220000",), gender="female")
    husband, wife = Customer.objects.order_by("pk")
    relation_link(a=husband, b=wife, kind="spouse", actor=manager)
    clock.advance(days=7)
    deposit_record(customer=wife, salesperson=b, kind="large", at=clock.now, reference="deal-1")
    wife.refresh_from_db()
    verdict = wife.verdict
    assert verdict.performance == {str(a.pk): "50", str(b.pk): "50"} or verdict.performance == {
        str(a.pk): "50.00",
        str(b.pk): "50.00",
    }
    assert "OWN-07" in verdict.rules


def test_s_own_11_dispute_window(clock, site, manager, a, c, staff):
    """S-OWN-11 (DISP-01): deposit day 10 11:00; C objects day 12 → opened; D on day 14 → refused."""
    d = staff(Role.SALESPERSON, site)
    register(site, a, name="钱七", phones=("13833330000",))
    customer = Customer.objects.get()
    clock.set(datetime.datetime(2026, 3, 10, 11, 0, tzinfo=clock.now.tzinfo))
    deposit_record(customer=customer, salesperson=a, kind="large", at=clock.now, reference="deal-7")
    clock.set(datetime.datetime(2026, 3, 12, 9, 0, tzinfo=clock.now.tzinfo))
    dispute = dispute_open(customer=customer, actor=c, claim="我先接待的")
    assert dispute.status == Dispute.Status.OPEN
    assert Notification.objects.filter(recipient=manager, kind="dispute").exists()
    clock.set(datetime.datetime(2026, 3, 14, 9, 0, tzinfo=clock.now.tzinfo))
    with pytest.raises(DisputeWindowClosed):
        dispute_open(customer=customer, actor=d, claim="我也接待过")
    assert Dispute.objects.count() == 1


def test_sec03_manager_full_view_in_lookup_is_audited(site, manager, a):
    register(site, a)
    [result] = customer_lookup(user=manager, site=site, query="13812345678")
    assert result.phone == "13812345678"
    assert AuditEvent.objects.filter(action="customer.view_contact", actor=manager).count() == 1


def test_cus03_lookup_by_name_and_initials_with_constant_queries(site, a, django_assert_max_num_queries):
    for index in range(15):
        register(site, a, name=f"张{'三四五六七八九十'[index % 8]}", phones=(f"139{index:08d}",))
    with django_assert_max_num_queries(6):
        by_name = customer_lookup(user=a, site=site, query="张", limit=10)
    assert len(by_name) == 10
    initials = {result.name for result in customer_lookup(user=a, site=site, query="zs")}
    assert initials == {"张三", "张四", "张十"}  # san, si and shi all begin with s


def test_sec05_correction_is_a_new_record_and_keeps_the_place_in_line(clock, site, a, b):
    from customers.services.registrations import registration_correct

    original = register(site, a, name="张三", phones=("13812345678",), needs={})
    clock.advance(minutes=30)
    register(site, b, name="张三", phones=("13812345678",))
    customer = Customer.objects.get()
    assert customer.owner == b  # A's registration was incomplete (OWN-14)
    correction = registration_correct(
        original=original, actor=a, changes={"needs": {"budget": "2000000"}}, reason="补录预算"
    )
    assert correction.corrects == original
    assert correction.complete
    original.refresh_from_db()
    assert original.needs == {}  # never altered
    customer.refresh_from_db()
    assert customer.owner == a  # the corrected record ranks at the original's time
    assert AuditEvent.objects.filter(action="registration.correct", reason="补录预算").exists()


def test_sec05_older_corrections_and_others_identity_need_the_manager(clock, site, manager, a, b):
    from customers.exceptions import CorrectionNeedsManager
    from customers.services.registrations import registration_correct

    original = register(site, a)
    clock.advance(days=1)
    with pytest.raises(CorrectionNeedsManager):
        registration_correct(original=original, actor=a, changes={"level": "A"}, reason="r")
    assert Registration.objects.count() == 1
    correction = registration_correct(original=original, actor=manager, changes={"level": "A"}, reason="r")
    assert correction.approved_by == manager
    with pytest.raises(InvalidRegistration):
        registration_correct(original=original, actor=manager, changes={"level": "B"}, reason="again")


def test_sec03_bulk_updates_that_bypass_the_services_are_still_captured(site, a, b):
    """SEC-03: a PostgreSQL trigger records owner changes even from queryset.update()."""
    from django.apps import apps

    customer_event = apps.get_model("customers", "CustomerEvent")
    register(site, a)
    before = customer_event.objects.count()
    Customer.objects.update(owner=b)  # bypasses save(), services and signals
    event = customer_event.objects.order_by("-pgh_id").first()
    assert customer_event.objects.count() == before + 1
    assert event.owner_id == b.pk
    with pytest.raises(InternalError), transaction.atomic():
        customer_event.objects.update(owner=a)


def test_sec03_history_rows_carry_the_request_context(client, site, a):
    from django.apps import apps

    register(site, a)
    customer = Customer.objects.get()
    client.force_login(a)
    client.post(
        f"/customers/{customer.pk}/follow-up/",
        {"method": "call", "reached": "on", "level": "A"},
        headers={"X-Request-Id": "req-hist-1"},
    )
    event = apps.get_model("customers", "CustomerEvent").objects.order_by("-pgh_id").first()
    assert event.level == "A"
    assert event.pgh_context.metadata["request_id"] == "req-hist-1"
    assert event.pgh_context.metadata["user"] == a.pk
