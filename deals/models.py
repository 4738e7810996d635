"""Inventory and sales control (UNIT-01, UNIT-02, UNIT-04): buildings, units, their append-only status and
price logs, and the progress record of an inventory import."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from deals.rules import UnitStatus as RuleUnitStatus
from salesoffice.core.models import Site


class Building(models.Model):
    """A building (楼栋) of a site."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("site"))
    name = models.CharField(_("name"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    sort = models.IntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["sort", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="building_unique_name_per_site")]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A unit (房号) for sale (UNIT-01). ``status`` changes only through ``deals.services`` (UNIT-02)."""

    class Status(models.TextChoices):
        WITHHELD = RuleUnitStatus.WITHHELD.value, _("Withheld")
        AVAILABLE = RuleUnitStatus.AVAILABLE.value, _("Available")
        ON_HOLD = RuleUnitStatus.ON_HOLD.value, _("On hold")
        RESERVED = RuleUnitStatus.RESERVED.value, _("Reserved")
        CONTRACTED = RuleUnitStatus.CONTRACTED.value, _("Contracted")
        HANDED_OVER = RuleUnitStatus.HANDED_OVER.value, _("Handed over")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="units", verbose_name=_("site"))
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("building")
    )
    floor = models.SmallIntegerField(_("floor"))
    number = models.CharField(_("unit number"), max_length=16)
    layout = models.CharField(_("layout"), max_length=30)
    orientation = models.CharField(_("orientation"), max_length=20, blank=True)
    building_area = models.DecimalField(_("building area (m²)"), max_digits=10, decimal_places=2)
    inner_area = models.DecimalField(_("inner area (m²)"), max_digits=10, decimal_places=2)
    list_price_per_m2 = models.DecimalField(_("list price per m²"), max_digits=14, decimal_places=2)
    list_total = models.DecimalField(_("list total"), max_digits=14, decimal_places=2)
    sales_batch = models.CharField(_("sales batch"), max_length=30, blank=True)
    tags = ArrayField(models.CharField(max_length=20), default=list, blank=True, verbose_name=_("tags"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WITHHELD, editable=False
    )
    # UNIT-05: "unsold for longer than a period" counts from the first release for sale.
    released_at = models.DateTimeField(_("first released"), null=True, blank=True, editable=False)
    status_changed_at = models.DateTimeField(_("status changed"), auto_now_add=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["building", "-floor", "number"]
        constraints = [
            # Also the board's index: one building's units floor by floor (P5).
            models.UniqueConstraint(fields=["building", "floor", "number"], name="unit_unique_number"),
            models.CheckConstraint(
                condition=models.Q(building_area__gt=0)
                & models.Q(inner_area__gt=0)
                & models.Q(inner_area__lte=models.F("building_area")),
                name="unit_positive_area",
            ),
            models.CheckConstraint(
                condition=models.Q(list_price_per_m2__gt=0) & models.Q(list_total__gt=0),
                name="unit_positive_price",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[choice.value for choice in RuleUnitStatus]),
                name="unit_known_status",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "status"], name="unit_site_status_idx"),
            models.Index(fields=["site", "layout"], name="unit_site_layout_idx"),
            models.Index(fields=["site", "sales_batch", "status"], name="unit_site_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.building.name}-{self.number}"


class UnitStatusChange(models.Model):
    """One status transition of a unit (UNIT-02, SEC-03): append-only."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=16, choices=Unit.Status.choices)
    to_status = models.CharField(_("to"), max_length=16, choices=Unit.Status.choices)
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("unit status change")
        verbose_name_plural = _("unit status changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["unit", "-at"], name="unitstatuschange_unit_idx")]
        triggers = [
            pgtrigger.Protect(
                name="unitstatuschange_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.from_status} → {self.to_status}"


class PriceChange(models.Model):
    """One list-price change of a unit (UNIT-01): who, when, old, new, reason. Append-only."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="price_changes")
    old_price_per_m2 = models.DecimalField(max_digits=14, decimal_places=2)
    new_price_per_m2 = models.DecimalField(max_digits=14, decimal_places=2)
    old_total = models.DecimalField(max_digits=14, decimal_places=2)
    new_total = models.DecimalField(max_digits=14, decimal_places=2)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["unit", "-at"], name="pricechange_unit_idx")]
        triggers = [
            pgtrigger.Protect(name="pricechange_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.old_total} → {self.new_total}"


class InventoryImport(models.Model):
    """An uploaded unit list (UNIT-01) and its progress, polled by the import page."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        REJECTED = "rejected", _("Rejected")
        DONE = "done", _("Imported")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=200)
    file_kind = models.CharField(max_length=8)
    # Kept in the database so that any worker can read it; the upload size is bounded (SEC-07).
    content = models.BinaryField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_units = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inventory import")
        verbose_name_plural = _("inventory imports")
        indexes = [models.Index(fields=["site", "-created_at"], name="inventoryimport_site_idx")]

    def __str__(self) -> str:
        return self.file_name
