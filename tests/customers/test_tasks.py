"""The customers jobs (OWN-04, FUP-04, CHAN-02, SEC-06): each run twice and a day late ends in the
same state as one clean run (quality.md R4)."""

import datetime
import zoneinfo

import pytest
from django.db import InternalError, transaction

from customers import tasks
from customers.models import ChannelReport, Customer, CustomerPhone, OwnershipVerdict, Registration
from customers.services import channel_report_create, deposit_record, follow_up_record
from salesoffice.core.models import AuditEvent, Notification
from salesoffice.core.roles import Role
from salesoffice.core.services import policy_update
from tests.customers.factories import register

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day, hour=1):
    return datetime.datetime(2026, 3, 1, hour, 0, tzinfo=SHANGHAI) + datetime.timedelta(days=day - 1)


def state_of_customers():
    return sorted(
        Customer.objects.values_list("pk", "owner_id", "protected_until", "name", "anonymised_at", "status")
    )


def notifications():
    return sorted(Notification.objects.values_list("recipient_id", "kind", "dedupe_key"))


@pytest.fixture
def customer(clock, site, salesperson):
    register(site, salesperson)  # 2026-03-01 10:00, visit: protected through 2026-03-31
    return Customer.objects.get()


def test_own_04_protection_expiry_twice_lapses_once(clock, customer, salesperson):
    """OWN-04: the nightly job sends a customer whose protection ended yesterday to the pool, once."""
    clock.set(at(32))  # 2026-04-01 01:00
    tasks.protection_expiry_task.delay()
    tasks.protection_expiry_task.delay()
    customer.refresh_from_db()
    assert customer.owner is None
    assert customer.verdict.cause == "expiry"
    assert customer.verdict.lapse == {
        "former_owner": str(salesperson.pk), "ended_on": "2026-03-31", "rule": "OWN-04",
        "fact": customer.verdict.lapse["fact"],
    }  # fmt: skip
    assert OwnershipVerdict.objects.filter(customer=customer, cause="expiry").count() == 1


def test_own_04_protection_expiry_a_day_late_same_state(clock, customer):
    """OWN-04, R4: run a day late, the lapse is the same (ended on the last protected day)."""
    clock.set(at(33))
    tasks.protection_expiry_task.delay()
    tasks.protection_expiry_task.delay()
    customer.refresh_from_db()
    assert customer.owner is None
    assert customer.verdict.lapse["ended_on"] == "2026-03-31"
    assert OwnershipVerdict.objects.filter(customer=customer, cause="expiry").count() == 1


def test_own_04_protection_expiry_leaves_protected_and_closed_customers(clock, customer, salesperson):
    """OWN-04: protection through today is kept; a deposit holds the customer for good."""
    clock.set(at(31, hour=23))
    tasks.protection_expiry_task.delay()
    customer.refresh_from_db()
    assert customer.owner == salesperson
    deposit_record(customer=customer, salesperson=salesperson, kind="small", at=clock.now, reference="D1")
    clock.set(at(60))
    tasks.protection_expiry_task.delay()
    customer.refresh_from_db()
    assert customer.owner == salesperson


def test_own_04_lapse_warnings_twice_and_late(clock, customer, salesperson, manager):
    """OWN-04 (default 3 and 1 days before): one warning per threshold and one manager list a day,
    whether the job runs twice or a day late."""
    clock.set(at(28, hour=7))  # 3 days left
    tasks.lapse_warnings_task.delay()
    tasks.lapse_warnings_task.delay()
    clean = [row for row in notifications() if row[1] == "ownership.lapse_warning"]
    assert clean == [(salesperson.pk, "ownership.lapse_warning", f"lapse:{customer.pk}:2026-03-31:3")]
    assert Notification.objects.filter(recipient=manager, kind="ownership.lapse_summary").count() == 1
    Notification.objects.all().delete()
    clock.set(at(29, hour=7))  # the job missed yesterday: the 3-day warning still goes, once
    tasks.lapse_warnings_task.delay()
    tasks.lapse_warnings_task.delay()
    assert [row for row in notifications() if row[1] == "ownership.lapse_warning"] == clean
    clock.set(at(30, hour=7))  # 1 day left
    tasks.lapse_warnings_task.delay()
    assert Notification.objects.filter(kind="ownership.lapse_warning").count() == 2


def test_own_04_lapse_warning_days_policy_option(clock, site, manager, customer, salesperson):
    """OWN-04 with ``lapse_warning_days`` [10]: a warning ten days ahead, none at three."""
    policy_update(site=site, actor=manager, changes={"lapse_warning_days": [10]}, reason="test")
    clock.set(at(21, hour=7))
    tasks.lapse_warnings_task.delay()
    assert Notification.objects.filter(recipient=salesperson, kind="ownership.lapse_warning").count() == 1
    clock.set(at(28, hour=7))
    tasks.lapse_warnings_task.delay()
    assert Notification.objects.filter(recipient=salesperson, kind="ownership.lapse_warning").count() == 1


def test_fup_04_reminders_one_message_per_salesperson_per_day(clock, customer, salesperson, manager):
    """FUP-04, FUP-02: the day after the first visit the return call is due; one message to the
    salesperson, one overdue list to the manager, however often the job runs."""
    clock.set(at(2, hour=7))
    tasks.follow_up_reminders_task.delay()
    tasks.follow_up_reminders_task.delay()
    [mine] = Notification.objects.filter(recipient=salesperson)
    assert "到期 1 位,逾期 0 位" in mine.title
    assert Notification.objects.filter(recipient=manager, kind="followup.overdue_summary").count() == 1


def test_fup_04_reminders_a_day_late_count_overdue(clock, customer, salesperson):
    """FUP-04: run a day late, the same call is reported once, now as overdue."""
    clock.set(at(3, hour=7))
    tasks.follow_up_reminders_task.delay()
    tasks.follow_up_reminders_task.delay()
    [mine] = Notification.objects.filter(recipient=salesperson)
    assert "到期 0 位,逾期 1 位" in mine.title


def test_fup_02_cadence_after_follow_up_by_level(clock, site, customer, salesperson, manager):
    """FUP-02 with a non-default cadence (B every 5 days): due five days after the follow-up."""
    policy_update(
        site=site, actor=manager, changes={"follow_up_cadence_days": {"A": 1, "B": 5, "C": 9}}, reason="t"
    )
    clock.set(at(2, hour=9))
    follow_up_record(customer=customer, actor=salesperson, at=clock.now, method="call", reached=True)
    clock.set(at(6, hour=7))
    tasks.follow_up_reminders_task.delay()
    assert not Notification.objects.filter(recipient=salesperson, kind="followup.reminder").exists()
    clock.set(at(7, hour=7))
    tasks.follow_up_reminders_task.delay()
    assert Notification.objects.filter(recipient=salesperson, kind="followup.reminder").count() == 1


@pytest.fixture
def report(clock, site, staff):
    agent = staff(Role.CHANNEL_AGENT, site, last_name="孙", first_name="行")
    return channel_report_create(
        site=site, actor=agent, customer_name="周", masked_phone="139***12345", team="一队",
        agent_full_name="孙行", expected_date=datetime.date(2026, 3, 3),
    )  # fmt: skip


def test_chan_02_reports_expire_after_the_seventh_day_twice_and_late(clock, report):
    """CHAN-02: valid for 7 days including the 7th; expired the day after, once, also when late."""
    clock.set(at(7, hour=23))
    tasks.channel_reports_expire_task.delay()
    report.refresh_from_db()
    assert report.status == ChannelReport.Status.VALID
    clock.set(at(8))
    tasks.channel_reports_expire_task.delay()
    tasks.channel_reports_expire_task.delay()
    report.refresh_from_db()
    assert report.status == ChannelReport.Status.EXPIRED
    clock.set(at(9))
    tasks.channel_reports_expire_task.delay()
    assert ChannelReport.objects.get().status == ChannelReport.Status.EXPIRED


def test_chan_02_valid_days_policy_option(clock, site, manager, staff):
    """CHAN-02 with ``channel_report_valid_days`` 3: expired on the 4th day."""
    policy_update(site=site, actor=manager, changes={"channel_report_valid_days": 3}, reason="test")
    agent = staff(Role.CHANNEL_AGENT, site)
    channel_report_create(
        site=site, actor=agent, customer_name="周", masked_phone="139***12345", team="一队",
        agent_full_name="孙行", expected_date=datetime.date(2026, 3, 2),
    )  # fmt: skip
    clock.set(at(4))
    tasks.channel_reports_expire_task.delay()
    assert ChannelReport.objects.get().status == ChannelReport.Status.EXPIRED


def _anonymise_world(clock, site, salesperson):
    register(site, salesperson, name="张三", phones=("13812345678",))
    register(site, salesperson, name="李四", phones=("13900001111",))
    buyer = Customer.objects.get(name="李四")
    deposit_record(customer=buyer, salesperson=salesperson, kind="small", at=clock.now, reference="D9")
    return Customer.objects.get(name="张三"), buyer


def test_sec_06_anonymise_inactive_customers_without_deal_twice_and_late(clock, site, salesperson):
    """SEC-06: after 24 months without activity and without a deal, name and contact are gone,
    the registration keeps its statistics; customers with a deal are kept; twice or late: same."""
    quiet, buyer = _anonymise_world(clock, site, salesperson)
    clock.set(datetime.datetime(2028, 3, 2, 3, 0, tzinfo=SHANGHAI))
    tasks.customers_anonymise_task.delay()
    first = state_of_customers()
    tasks.customers_anonymise_task.delay()
    clock.advance(days=1)
    tasks.customers_anonymise_task.delay()
    assert state_of_customers() == first
    quiet.refresh_from_db()
    assert quiet.name == "已匿名"
    assert quiet.anonymised_at is not None
    assert quiet.name_initials == ""
    assert not CustomerPhone.objects.filter(customer=quiet).exists()
    registration = Registration.objects.get(customer=quiet)
    assert (registration.name, registration.phones) == ("已匿名", [])
    assert registration.source == "walk_in"
    assert registration.level == "B"
    buyer.refresh_from_db()
    assert buyer.name == "李四"
    assert AuditEvent.objects.filter(action="customer.anonymise").count() == 1


def test_sec_06_retention_policy_option_and_not_before(clock, site, manager, salesperson):
    """SEC-06 with ``retention_months`` 12: anonymised after a year, not a day before."""
    policy_update(site=site, actor=manager, changes={"retention_months": 12}, reason="test")
    quiet, _buyer = _anonymise_world(clock, site, salesperson)
    clock.set(datetime.datetime(2027, 2, 27, 3, 0, tzinfo=SHANGHAI))
    tasks.customers_anonymise_task.delay()
    quiet.refresh_from_db()
    assert quiet.anonymised_at is None
    clock.set(datetime.datetime(2027, 3, 2, 3, 0, tzinfo=SHANGHAI))
    tasks.customers_anonymise_task.delay()
    quiet.refresh_from_db()
    assert quiet.anonymised_at is not None


def test_reg_04_registrations_stay_append_only_outside_the_erasure(clock, site, salesperson):
    """REG-04: only the anonymisation job passes the trigger; an ordinary update is still refused."""
    register(site, salesperson)
    with pytest.raises(InternalError), transaction.atomic():
        Registration.objects.update(name="改名")
    assert Registration.objects.get().name == "张三"
