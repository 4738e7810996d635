"""Merging records (CUS-05) and importing exhibition lists (CUS-06)."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from customers.exceptions import InvalidRegistration
from customers.models import Customer, CustomerImport, CustomerMerge, CustomerPhone, Registration
from customers.services import customer_merge, customer_merge_undo
from customers.services.imports import customer_import_create
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role
from tests.customers.factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def a(staff, site):
    return staff(Role.SALESPERSON, site, last_name="安")


@pytest.fixture
def b(staff, site):
    return staff(Role.SALESPERSON, site, last_name="白")


def two_records(clock, site, a, b):
    register(site, a, name="张三", phones=("13812345678",))
    clock.advance(days=2)
    register(site, b, name="张三", phones=("13987654321",))
    first, second = Customer.objects.order_by("pk")
    return first, second


def test_cus_05_merge_redecides_over_the_union_and_undo_restores(clock, site, manager, a, b):
    """CUS-05: the later record merged into the earlier one: the first registration owns the person;
    phones follow; the merge is audited and undone by a new decision."""
    first, second = two_records(clock, site, a, b)
    assert second.owner == b
    merge = customer_merge(survivor=first, merged=second, actor=manager, reason="同一人")
    first.refresh_from_db()
    assert first.owner == a
    assert set(first.phones.values_list("e164", flat=True)) == {"+8613812345678", "+8613987654321"}
    assert len(first.verdict.facts) >= 1
    assert AuditEvent.objects.filter(action="customer.merge").exists()
    customer_merge_undo(merge=merge, actor=manager, reason="误合并")
    second.refresh_from_db()
    assert second.merged_into is None
    assert second.owner == b
    assert list(second.phones.values_list("e164", flat=True)) == ["+8613987654321"]
    assert CustomerMerge.objects.get().undone_at is not None


def test_cus_05_survivor_owned_by_later_record_is_redecided(clock, site, manager, a, b):
    """CUS-05: merging the earlier record into the later one gives the person to the first contact."""
    first, second = two_records(clock, site, a, b)
    customer_merge(survivor=second, merged=first, actor=manager, reason="同一人")
    second.refresh_from_db()
    assert second.owner == a


def test_cus_05_merge_denied_to_salesperson_changes_nothing(clock, site, a, b):
    """CUS-05: only the site manager merges."""
    first, second = two_records(clock, site, a, b)
    with pytest.raises(PermissionDenied):
        customer_merge(survivor=first, merged=second, actor=a, reason="x")
    second.refresh_from_db()
    assert second.merged_into is None
    assert CustomerPhone.objects.filter(customer=second).count() == 1


def test_cus_05_merge_across_sites_refused(clock, site, other_site, manager, staff, a):
    """CUS-05: both records must belong to the site."""
    register(site, a)
    foreign_person = staff(Role.SALESPERSON, other_site)
    register(other_site, foreign_person, phones=("13700001111",))
    here, there = Customer.objects.order_by("pk")
    with pytest.raises(InvalidRegistration):
        customer_merge(survivor=here, merged=there, actor=manager, reason="x")


def workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "性别", "手机", "预算", "户型"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_cus_06_import_puts_exhibition_registrations_into_the_pool(
    clock, site, manager, django_capture_on_commit_callbacks
):
    """CUS-06, OWN-12: every row becomes an exhibition registration by the manager; nobody owns them."""
    content = workbook(
        [["赵一", "男", "13800000001", 2000000, "3室"], ["钱二", "女", "13800000002", None, "2室"]]
    )
    with django_capture_on_commit_callbacks(execute=True):
        record = customer_import_create(
            site=site, actor=manager, name="fair.xlsx", content=content, source="exhibition"
        )
    record.refresh_from_db()
    assert (record.status, record.created_customers) == (CustomerImport.Status.DONE, 2)
    assert set(Registration.objects.values_list("source", "salesperson_id")) == {("exhibition", manager.pk)}
    assert all(c.owner is None and c.verdict.awaiting_decision == "OWN-12" for c in Customer.objects.all())


def test_cus_06_one_bad_row_rejects_the_whole_file_with_row_report(
    clock, site, manager, django_capture_on_commit_callbacks
):
    """CUS-06, SEC-07: a bad phone and a duplicate reject the file; nothing is imported."""
    content = workbook([
        ["赵一", "男", "13800000001", 1, "3室"], ["钱二", "女", "12345", None, None],
        ["孙三", "男", "13800000001", None, None], ["", "x", "13800000003", None, None],
    ])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        record = customer_import_create(
            site=site, actor=manager, name="fair.xlsx", content=content, source="exhibition"
        )
    record.refresh_from_db()
    assert record.status == CustomerImport.Status.REJECTED
    assert {(error["row"], error["column"]) for error in record.errors} >= {
        (3, "手机"),
        (4, "手机"),
        (5, "姓名"),
        (5, "性别"),
    }
    assert not Customer.objects.exists()
    assert not Registration.objects.exists()


def test_cus_06_not_an_excel_file_rejected(clock, site, manager, django_capture_on_commit_callbacks):
    """SEC-07: a file that is not .xlsx is rejected."""
    with django_capture_on_commit_callbacks(execute=True):
        record = customer_import_create(
            site=site, actor=manager, name="fair.xlsx", content=b"hello", source="exhibition"
        )
    record.refresh_from_db()
    assert record.status == CustomerImport.Status.REJECTED
    assert not Customer.objects.exists()


def test_cus_06_import_denied_to_salesperson(clock, site, a):
    """CUS-06: only the site manager imports."""
    with pytest.raises(PermissionDenied):
        customer_import_create(site=site, actor=a, name="f.xlsx", content=workbook([]), source="exhibition")
    assert not CustomerImport.objects.exists()
