"""Every write of the deals app's inventory part: unit transitions, batch sales control, price changes and
the inventory import (UNIT-01, UNIT-02, UNIT-03, SEC-03, SEC-07)."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from deals import rules
from deals.exceptions import ImportRejected, RoleNotPermitted, TransitionNotAllowed, UnitUnavailable
from deals.models import Building, InventoryImport, PriceChange, Unit, UnitStatusChange
from salesoffice.core import access
from salesoffice.core.audit import audit_record, audit_record_each
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Site, User
from salesoffice.core.roles import Cap

# --- Status transitions (UNIT-02, UNIT-03) ---


def _roles_of(actor: User | None, site_id: int) -> list[str]:
    if actor is None:
        return [rules.SYSTEM]
    return sorted(role.value for role in access.roles_at(actor, site_id))


def _next_status(*, current: str, action: str, roles: Sequence[str]) -> str:
    """The target status for the first of ``roles`` the table allows; the table's refusal otherwise."""
    refusal: rules.DealRuleError | None = None
    for role in roles:
        try:
            return rules.check_unit_transition(current=current, action=action, role=role)
        except rules.RoleNotPermitted as error:
            refusal = error
        except rules.UnitUnavailable as error:
            raise UnitUnavailable(_("This unit is no longer available.")) from error
        except rules.TransitionNotAllowed as error:
            raise TransitionNotAllowed(
                _("This unit is %(status)s now; the action cannot be taken.")
                % {"status": Unit.Status(current).label}
            ) from error
    raise RoleNotPermitted(_("Your role may not do this.")) from refusal


def _transition_locked(*, unit: Unit, action: str, actor: User | None, reason: str, target: str) -> None:
    """Apply a checked transition to a row the caller holds locked."""
    now = timezone.now()
    source = unit.status
    unit.status = target
    unit.status_changed_at = now
    fields = ["status", "status_changed_at"]
    if target == Unit.Status.AVAILABLE and unit.released_at is None:
        unit.released_at = now
        fields.append("released_at")
    unit.save(update_fields=fields)
    UnitStatusChange.objects.create(
        site_id=unit.site_id,
        unit=unit,
        from_status=source,
        to_status=target,
        action=action,
        actor=actor,
        reason=reason,
    )


def unit_transition(*, unit: Unit, action: rules.UnitAction, actor: User | None, reason: str = "") -> Unit:
    """UNIT-02/UNIT-03: move one unit by ``action`` under a row lock, checked against the unit table with the
    actor's roles at the site; logs the change and the audit event in the same transaction.

    Raises ``UnitUnavailable`` / ``TransitionNotAllowed`` (409) when the unit is no longer in a state that
    allows it (a concurrent change won, R1) and ``RoleNotPermitted`` (403) for the wrong role.
    """
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        source = locked.status
        target = _next_status(current=source, action=action, roles=_roles_of(actor, locked.site_id))
        _transition_locked(unit=locked, action=action, actor=actor, reason=reason, target=target)
        audit_record(
            action=f"unit.{action}",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            before={"status": source},
            after={"status": target},
            reason=reason,
        )
    return locked


def unit_transition_many(
    *, unit_ids: Sequence[int], action: rules.UnitAction, actor: User | None, reason: str = ""
) -> list[Unit]:
    """UNIT-02/UNIT-03 for many units at once (the hold expiry sweep, P7): each unit is checked and moved
    as ``unit_transition`` would move it, with the same status log row and audit event, but with one lock,
    one UPDATE per target status, one insert of the log rows and one of the audit events.

    The rows are locked in primary-key order, so two callers never wait on each other in a cycle; a unit
    whose state refuses the action raises as ``unit_transition`` does, and nothing is written. Returns the
    units in the order of ``unit_ids``."""
    if len(set(unit_ids)) != len(unit_ids):
        raise ValueError("each unit moves once per call")
    with transaction.atomic():
        locked = {
            unit.pk: unit
            for unit in Unit.objects.select_for_update().filter(pk__in=list(unit_ids)).order_by("pk")
        }
        units = [locked[pk] for pk in unit_ids]
        roles: dict[int, list[str]] = {}
        moves: list[tuple[Unit, str, str]] = []
        for unit in units:
            if unit.site_id not in roles:
                roles[unit.site_id] = _roles_of(actor, unit.site_id)
            target = _next_status(current=unit.status, action=action, roles=roles[unit.site_id])
            moves.append((unit, unit.status, target))
        now = timezone.now()
        for target in sorted({target for _unit, _source, target in moves}):
            moving = [unit for unit, _source, to in moves if to == target]
            changes: dict[str, Any] = {"status": target, "status_changed_at": now}
            if target == Unit.Status.AVAILABLE:
                changes["released_at"] = Coalesce("released_at", Value(now, output_field=DateTimeField()))
            Unit.objects.filter(pk__in=[unit.pk for unit in moving]).update(**changes)
            for unit in moving:
                unit.status = target
                unit.status_changed_at = now
                if target == Unit.Status.AVAILABLE and unit.released_at is None:
                    unit.released_at = now
        UnitStatusChange.objects.bulk_create(
            UnitStatusChange(
                site_id=unit.site_id, unit=unit, from_status=source, to_status=target, action=action,
                actor=actor, reason=reason,
            )
            for unit, source, target in moves
        )  # fmt: skip
        audit_record_each(
            action=f"unit.{action}",
            actor=actor,
            entries=[
                (unit, unit.site_id, {"status": source}, {"status": target}, reason)
                for unit, source, target in moves
            ],
        )
    return units


def unit_withhold(*, unit: Unit, actor: User, reason: str = "") -> Unit:
    """UNIT-02: the site manager takes an available unit off sale (销控)."""
    return unit_transition(unit=unit, action=rules.UnitAction.WITHHOLD, actor=actor, reason=reason)


def unit_release(*, unit: Unit, actor: User, reason: str = "") -> Unit:
    """UNIT-02: the site manager puts a withheld unit on sale."""
    return unit_transition(unit=unit, action=rules.UnitAction.RELEASE, actor=actor, reason=reason)


_BATCH_SOURCE = {
    rules.UnitAction.RELEASE: Unit.Status.WITHHELD,
    rules.UnitAction.WITHHOLD: Unit.Status.AVAILABLE,
}


def unit_batch_transition(
    *,
    site: Site,
    sales_batch: str,
    action: rules.UnitAction,
    actor: User,
    reason: str = "",
    building: Building | None = None,
) -> int:
    """UNIT-02: the site manager releases or withholds a sales batch (开盘批次) at once.

    Only units in the action's source status move (a held or sold unit of the batch stays as it is); all of
    them move in one transaction or none. Returns how many units changed.
    """
    if action not in _BATCH_SOURCE:
        raise DomainError(_("Only release and withhold apply to a batch."), code="invalid_action")
    source = _BATCH_SOURCE[action]
    target = _next_status(current=source, action=action, roles=_roles_of(actor, site.pk))
    with transaction.atomic():
        units = Unit.objects.select_for_update().filter(site=site, sales_batch=sales_batch, status=source)
        if building is not None:
            units = units.filter(building=building)
        locked = list(units.order_by("pk"))
        for unit in locked:
            _transition_locked(unit=unit, action=action, actor=actor, reason=reason, target=target)
        audit_record(
            action=f"unit.batch_{action}",
            actor=actor,
            site=site,
            object_type="deals.unit_batch",
            object_id=sales_batch,
            after={"units": [unit.pk for unit in locked], "status": target},
            reason=reason,
        )
    return len(locked)


# --- Price changes (UNIT-01) ---


def unit_price_change(
    *,
    unit: Unit,
    actor: User,
    reason: str,
    price_per_m2: Decimal | None = None,
    total: Decimal | None = None,
) -> PriceChange:
    """UNIT-01: change a unit's list price by the price per m² (the total follows the building area) or by
    the total (the price per m² follows), recording who, when, old, new and why.

    Only the list price changes: deposits and contracts keep the price they were made at.
    """
    if not access.can(actor, unit.site_id, Cap.UNITS_CONTROL):
        raise NotAllowed(_("Only the site manager changes prices."))
    if (price_per_m2 is None) == (total is None):
        raise DomainError(_("Give either the price per m² or the total."), code="invalid_price")
    if not reason.strip():
        raise DomainError(_("A price change needs a reason."), fields={"reason": [_("Required.")]})
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        try:
            if price_per_m2 is not None:
                rules.require_money("price_per_m2", price_per_m2)
                new_price, new_total = price_per_m2, rules.to_fen(price_per_m2 * locked.building_area)
            else:
                assert total is not None
                rules.require_money("total", total)
                new_price, new_total = rules.to_fen(total / locked.building_area), total
        except rules.InvalidAmount as error:
            raise DomainError(
                _("Enter a positive amount in yuan with two decimals."), code=error.code
            ) from error
        change = PriceChange.objects.create(
            site_id=locked.site_id,
            unit=locked,
            old_price_per_m2=locked.list_price_per_m2,
            new_price_per_m2=new_price,
            old_total=locked.list_total,
            new_total=new_total,
            actor=actor,
            reason=reason,
        )
        before = {"list_price_per_m2": locked.list_price_per_m2, "list_total": locked.list_total}
        locked.list_price_per_m2, locked.list_total = new_price, new_total
        locked.save(update_fields=["list_price_per_m2", "list_total"])
        audit_record(
            action="unit.price_change",
            actor=actor,
            site=locked.site_id,
            obj=locked,
            before=before,
            after={"list_price_per_m2": new_price, "list_total": new_total},
            reason=reason,
        )
    return change


# --- Inventory import (UNIT-01, SEC-07) ---

MAX_IMPORT_ROWS = 20_000

# Header aliases: the Chinese sheet headings sales offices use, and the English field names.
COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("building", "楼栋"),
    "floor": ("floor", "楼层"),
    "number": ("number", "房号"),
    "layout": ("layout", "户型"),
    "orientation": ("orientation", "朝向"),
    "building_area": ("building_area", "建筑面积"),
    "inner_area": ("inner_area", "套内面积"),
    "list_price_per_m2": ("list_price_per_m2", "单价"),
    "list_total": ("list_total", "总价"),
    "sales_batch": ("sales_batch", "批次"),
    "tags": ("tags", "标签"),
}
REQUIRED = ("building", "floor", "number", "layout", "building_area", "inner_area", "list_price_per_m2")
_TAG_SEPARATORS = re.compile(r"[;,，；、|]")


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclasses.dataclass(frozen=True)
class UnitRow:
    row: int
    building: str
    floor: int
    number: str
    layout: str
    orientation: str
    building_area: Decimal
    inner_area: Decimal
    list_price_per_m2: Decimal
    list_total: Decimal
    sales_batch: str
    tags: tuple[str, ...]


def _file_kind(name: str, content: bytes) -> str:
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        if not content.startswith(b"PK"):
            raise ImportRejected(_("The file is not an Excel workbook."))
        return "xlsx"
    if lowered.endswith(".csv"):
        return "csv"
    raise ImportRejected(_("Upload an Excel (.xlsx) or CSV (.csv) file."))


def _read_table(kind: str, content: bytes) -> list[list[str]]:
    """Every row of the file's first sheet as text cells, the header first."""
    if kind == "csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportRejected(_("The CSV file is neither UTF-8 nor GB18030 text."))
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ImportRejected(_("The Excel file cannot be read.")) from error
    try:
        sheet = workbook.worksheets[0]
        return [
            ["" if cell is None else str(cell).strip() for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()


def inventory_file_read(*, name: str, content: bytes) -> list[dict[str, Any]]:
    """SEC-07: check size and type, then return the data rows as ``{column: text, "_row": n}``."""
    if len(content) > settings.UPLOAD_MAX_BYTES:
        raise ImportRejected(
            _("The file is larger than %(limit)s MB.") % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
        )
    table = _read_table(_file_kind(name, content), content)
    if not table:
        raise ImportRejected(_("The file is empty."))
    aliases = {alias.lower(): column for column, names in COLUMNS.items() for alias in names}
    header = [aliases.get(cell.lower()) for cell in table[0]]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportRejected(
            _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)},
            fields={"file": missing},
        )
    rows = []
    for index, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        row: dict[str, Any] = {"_row": index}
        for column, cell in zip(header, cells, strict=False):
            if column is not None:
                row[column] = cell
        rows.append(row)
    if len(rows) > MAX_IMPORT_ROWS:
        raise ImportRejected(_("At most %(count)s rows per file.") % {"count": MAX_IMPORT_ROWS})
    return rows


def _decimal(value: str) -> Decimal | None:
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return None
    return number if rules.is_two_decimal(number) and number > 0 else None


def _check_row(raw: dict[str, Any], errors: list[RowError]) -> UnitRow | None:
    row_number = raw["_row"]
    found = len(errors)
    for column in REQUIRED:
        if not raw.get(column, ""):
            errors.append(RowError(row_number, column, _("Required.")))
    values: dict[str, Decimal | None] = {}
    for column in ("building_area", "inner_area", "list_price_per_m2", "list_total"):
        text = raw.get(column, "")
        values[column] = _decimal(text) if text else None
        if text and values[column] is None:
            errors.append(RowError(row_number, column, _("A positive number with at most two decimals.")))
    floor_text = raw.get("floor", "")
    floor = int(floor_text) if re.fullmatch(r"-?\d{1,3}", floor_text) else None
    if floor_text and floor is None:
        errors.append(RowError(row_number, "floor", _("A whole floor number.")))
    area, inner, price = values["building_area"], values["inner_area"], values["list_price_per_m2"]
    if area is not None and inner is not None and inner > area:
        errors.append(RowError(row_number, "inner_area", _("Larger than the building area.")))
    for column, limit in (("building", 50), ("number", 16), ("layout", 30), ("orientation", 20)):
        if len(raw.get(column, "")) > limit:
            errors.append(RowError(row_number, column, _("At most %(limit)s characters.") % {"limit": limit}))
    if len(errors) > found or area is None or inner is None or price is None or floor is None:
        return None
    return UnitRow(
        row=row_number,
        building=raw["building"],
        floor=floor,
        number=raw["number"],
        layout=raw["layout"],
        orientation=raw.get("orientation", ""),
        building_area=area,
        inner_area=inner,
        list_price_per_m2=price,
        list_total=values["list_total"] or rules.to_fen(price * area),
        sales_batch=raw.get("sales_batch", "")[:30],
        tags=tuple(tag.strip()[:20] for tag in _TAG_SEPARATORS.split(raw.get("tags", "")) if tag.strip()),
    )


def inventory_rows_check(
    *, site: Site, rows: Iterable[dict[str, Any]]
) -> tuple[list[UnitRow], list[RowError]]:
    """UNIT-01: check every row (required columns, numbers, duplicates in the file and against the site's
    units); the caller imports nothing unless the error list is empty."""
    errors: list[RowError] = []
    checked: list[UnitRow] = []
    seen: dict[tuple[str, int, str], int] = {}
    for raw in rows:
        row = _check_row(raw, errors)
        if row is None:
            continue
        key = (row.building, row.floor, row.number)
        if key in seen:
            errors.append(RowError(row.row, "number", _("Same unit as row %(row)s.") % {"row": seen[key]}))
            continue
        seen[key] = row.row
        checked.append(row)
    names = {row.building for row in checked}
    existing = set(
        Unit.objects.filter(site=site, building__name__in=names).values_list(
            "building__name", "floor", "number"
        )
    )
    for row in checked:
        if (row.building, row.floor, row.number) in existing:
            errors.append(RowError(row.row, "number", _("This unit already exists.")))
    errors.sort(key=lambda error: (error.row, error.column))
    return checked, errors


def inventory_import_create(*, site: Site, actor: User, name: str, content: bytes) -> InventoryImport:
    """UNIT-01, SEC-07: accept an upload from the site manager after the size and type checks and queue it;
    the Celery task checks every row and imports all of them or none."""
    from deals.tasks import inventory_import_task

    if not access.can(actor, site.pk, Cap.UNITS_CONTROL):
        raise NotAllowed(_("Only the site manager imports units."))
    rows = inventory_file_read(name=name, content=content)
    with transaction.atomic():
        record = InventoryImport.objects.create(
            site=site,
            actor=actor,
            file_name=name[:200],
            file_kind=_file_kind(name, content),
            content=content,
            total_rows=len(rows),
        )
        audit_record(action="unit.import_upload", actor=actor, site=site, obj=record, after={"file": name})
        transaction.on_commit(lambda: inventory_import_task.delay(record.pk))
    return record


def _progress(record: InventoryImport, **fields: Any) -> None:
    # Saved outside the import's transaction so that the page polling it sees the figures move.
    for name, value in fields.items():
        setattr(record, name, value)
    InventoryImport.objects.filter(pk=record.pk).update(**fields)


def inventory_import_run(*, import_id: int) -> InventoryImport:
    """UNIT-01: check and import one queued file. Safe to run twice or after a crash: a finished import is
    left alone, and the units are created in one transaction, so a crash imports none of them."""
    record = InventoryImport.objects.get(pk=import_id)
    if record.status in (InventoryImport.Status.DONE, InventoryImport.Status.REJECTED):
        return record
    _progress(record, status=InventoryImport.Status.RUNNING, processed_rows=0)
    try:
        raw_rows = inventory_file_read(name=record.file_name, content=bytes(record.content))
    except ImportRejected as error:
        _progress(
            record,
            status=InventoryImport.Status.REJECTED,
            errors=[{"row": 0, "column": "file", "message": error.message}],
            finished_at=timezone.now(),
        )
        return record
    rows, errors = inventory_rows_check(site=record.site, rows=raw_rows)
    if errors:
        _progress(
            record,
            status=InventoryImport.Status.REJECTED,
            errors=[dataclasses.asdict(error) for error in errors],
            finished_at=timezone.now(),
        )
        return record
    with transaction.atomic():
        locked = InventoryImport.objects.select_for_update().get(pk=record.pk)
        if locked.status == InventoryImport.Status.DONE:
            return locked
        buildings = _buildings_for(site=record.site, rows=rows)
        units = [
            Unit(
                site=record.site,
                building=buildings[row.building],
                floor=row.floor,
                number=row.number,
                layout=row.layout,
                orientation=row.orientation,
                building_area=row.building_area,
                inner_area=row.inner_area,
                list_price_per_m2=row.list_price_per_m2,
                list_total=row.list_total,
                sales_batch=row.sales_batch,
                tags=list(row.tags),
            )
            for row in rows
        ]
        Unit.objects.bulk_create(units, batch_size=1000)
        locked.status = InventoryImport.Status.DONE
        locked.processed_rows = locked.created_units = len(units)
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "processed_rows", "created_units", "finished_at"])
        audit_record(
            action="unit.import",
            actor=record.actor,
            site=record.site_id,
            obj=locked,
            after={"units": len(units), "file": record.file_name},
        )
    return locked


def _buildings_for(*, site: Site, rows: Sequence[UnitRow]) -> dict[str, Building]:
    top_floor: dict[str, int] = {}
    for row in rows:
        top_floor[row.building] = max(top_floor.get(row.building, 1), row.floor)
    existing = {
        building.name: building for building in Building.objects.filter(site=site, name__in=top_floor)
    }
    for name, floors in top_floor.items():
        building = existing.get(name)
        if building is None:
            existing[name] = Building.objects.create(site=site, name=name, floors=floors, sort=len(existing))
        elif building.floors < floors:
            building.floors = floors
            building.save(update_fields=["floors"])
    return existing
