"""Importing exhibition and event lists into the unassigned pool (CUS-06, OWN-12).

The file is checked whole first; one bad row rejects the whole file with a row-level report, so
nothing is ever half imported. Accepted rows become exhibition (or event) registrations made by the
importing manager; the ownership engine then leaves them in the unassigned pool (OWN-12)."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from customers.models import Customer, CustomerImport, CustomerPhone, Registration
from customers.rules import registration_missing_items
from customers.services.registrations import NOTICE_VERSION, name_initials
from customers.services.verdicts import ownership_refresh
from salesoffice.core import access
from salesoffice.core.audit import audit_record
from salesoffice.core.counters import counter_next
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import Site
from salesoffice.core.phones import InvalidPhone, normalize_phone
from salesoffice.core.roles import Cap

MAX_IMPORT_ROWS = 5000
PROGRESS_EVERY = 100
COLUMNS = {"姓名": "name", "性别": "gender", "手机": "phone", "预算": "budget", "户型": "layout", "面积": "area", "用途": "purpose", "备注": "note"}  # fmt: skip
REQUIRED = ("name", "gender", "phone")
GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female"}


class ImportRejected(DomainError):
    code = "import_rejected"


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclasses.dataclass(frozen=True)
class ImportRow:
    row: int
    name: str
    gender: str
    phone: Any
    needs: dict[str, str]
    note: str


def customer_file_read(*, content: bytes) -> list[dict[str, Any]]:
    """SEC-07: read an .xlsx file into rows keyed by field; a file that is not one is rejected."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportRejected(_("Upload an Excel .xlsx file.")) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(cell or "").strip() for cell in next(rows, ())]
    missing = [title for title, field in COLUMNS.items() if field in REQUIRED and title not in header]
    if missing:
        raise ImportRejected(_("Missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    records: list[dict[str, Any]] = []
    for values in rows:
        if not any(value not in (None, "") for value in values):
            continue
        records.append(
            {COLUMNS[title]: value for title, value in zip(header, values, strict=False) if title in COLUMNS}
        )
        if len(records) > MAX_IMPORT_ROWS:
            raise ImportRejected(_("At most %(count)s rows per file.") % {"count": MAX_IMPORT_ROWS})
    workbook.close()
    return records


def customer_rows_check(*, records: list[dict[str, Any]]) -> tuple[list[ImportRow], list[RowError]]:
    """CUS-06, SEC-07: check every row (row numbers as in Excel, the header being row 1)."""
    rows: list[ImportRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records, start=2):
        name = str(record.get("name") or "").strip()
        if not name or len(name) > 50:
            errors.append(RowError(index, "姓名", _("A name of 1 to 50 characters is required.")))
        gender = GENDERS.get(str(record.get("gender") or "").strip().lower())
        if gender is None:
            errors.append(RowError(index, "性别", _("Write 男 or 女.")))
        try:
            phone = normalize_phone(str(record.get("phone") or "").strip())
        except InvalidPhone:
            errors.append(RowError(index, "手机", _("Not a phone number we can call.")))
            phone = None
        if phone is not None:
            if phone.e164 in seen:
                errors.append(
                    RowError(index, "手机", _("Same number as row %(row)s.") % {"row": seen[phone.e164]})
                )
            seen.setdefault(phone.e164, index)
        needs: dict[str, str] = {}
        for field, title in (("budget", "预算"), ("area", "面积")):
            value = record.get(field)
            if value in (None, ""):
                continue
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                number = Decimal(-1)
            if not Decimal(0) < number < Decimal("1e11"):
                errors.append(RowError(index, title, _("Enter a positive number.")))
            else:
                needs[field] = str(number)
        for field in ("layout", "purpose"):
            text = str(record.get(field) or "").strip()[:50]
            if text:
                needs[field] = text
        if gender is not None and phone is not None and name and len(name) <= 50:
            note = str(record.get("note") or "").strip()[:500]
            rows.append(ImportRow(index, name, gender, phone, needs, note))
    return rows, errors


def customer_import_create(
    *, site: Site, actor: Any, name: str, content: bytes, source: str, activity_code: str = ""
) -> CustomerImport:
    """CUS-06: the site manager uploads a list; it is checked and imported by a Celery task whose
    progress the page polls."""
    from customers.tasks import customer_import_task

    access.require(actor, site.pk, Cap.DISPUTES_DECIDE)
    if source not in ("exhibition", "event"):
        raise ImportRejected(
            _("Choose exhibition or event."), fields={"source": [_("Choose exhibition or event.")]}
        )
    with transaction.atomic():
        record = CustomerImport.objects.create(
            site=site, actor=actor, source=source, activity_code=activity_code[:32], file_name=name[:200],
            content=content,
        )  # fmt: skip
        audit_record(
            action="customer.import_upload", actor=actor, site=site, obj=record, after={"file": name}
        )
        transaction.on_commit(lambda: customer_import_task.delay(record.pk))
    return record


def _progress(record: CustomerImport, **fields: Any) -> None:
    # Saved outside the import's transaction so the polling page sees the figures move.
    for name, value in fields.items():
        setattr(record, name, value)
    CustomerImport.objects.filter(pk=record.pk).update(**fields)


def customer_import_run(*, import_id: int) -> CustomerImport:
    """CUS-06: check and import one queued file, all rows or none. Safe to run twice or after a crash:
    a finished import is left alone, and the rows are created in one transaction."""
    record = CustomerImport.objects.get(pk=import_id)
    if record.status in (CustomerImport.Status.DONE, CustomerImport.Status.REJECTED):
        return record
    _progress(record, status=CustomerImport.Status.RUNNING, processed_rows=0)
    try:
        records = customer_file_read(content=bytes(record.content))
    except ImportRejected as error:
        _progress(
            record, status=CustomerImport.Status.REJECTED, finished_at=timezone.now(),
            errors=[{"row": 0, "column": "file", "message": error.message}],
        )  # fmt: skip
        return record
    _progress(record, total_rows=len(records))
    rows, errors = customer_rows_check(records=records)
    if errors:
        _progress(
            record, status=CustomerImport.Status.REJECTED, finished_at=timezone.now(),
            errors=[dataclasses.asdict(error) for error in errors[:500]],
        )  # fmt: skip
        return record
    with transaction.atomic():
        locked = CustomerImport.objects.select_for_update().get(pk=record.pk)
        if locked.status == CustomerImport.Status.DONE:
            return locked
        created = 0
        for row in rows:
            created += _import_row(locked, row)
        locked.status = CustomerImport.Status.DONE
        locked.processed_rows = len(rows)
        locked.created_customers = created
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "processed_rows", "created_customers", "finished_at"])
        audit_record(
            action="customer.import", actor=locked.actor, site=locked.site_id, obj=locked,
            after={"rows": len(rows), "created": created},
        )  # fmt: skip
    return locked


def _import_row(record: CustomerImport, row: ImportRow) -> int:
    """One exhibition registration by the importing manager (REG-01); a known number joins its
    customer (CUS-01), otherwise a new customer waits in the unassigned pool (OWN-12)."""
    existing = (
        CustomerPhone.objects.filter(site_id=record.site_id, e164=row.phone.e164)
        .select_related("customer")
        .first()
    )
    customer = existing.customer if existing is not None else None
    if customer is None:
        customer = Customer.objects.create(
            site_id=record.site_id, name=row.name, name_initials=name_initials(row.name), gender=row.gender,
            source=record.source, created_by=record.actor,
        )  # fmt: skip
        CustomerPhone.objects.create(
            customer=customer,
            site_id=record.site_id,
            e164=row.phone.e164,
            kind=row.phone.kind,
            last4=row.phone.last4,
        )
    missing = registration_missing_items(name=row.name, gender=row.gender, phone_count=1, needs=row.needs)
    now = timezone.now()
    Registration.objects.create(
        site_id=record.site_id, number=counter_next(scope=f"registration:{record.site_id}"), kind="visit",
        customer=customer, salesperson=record.actor, contact_at=now, source=record.source,
        activity_code=record.activity_code, name=row.name, gender=row.gender, phones=[row.phone.e164],
        needs=row.needs, level="C", complete=not missing, missing=missing, notice_version=NOTICE_VERSION,
        note=row.note,
    )  # fmt: skip
    Customer.objects.filter(pk=customer.pk).update(last_activity_at=now)
    ownership_refresh(customer=customer, cause="import")
    return existing is None
