"""Handover and after-sales data (handover.md): move-in batches, notices, slots and handover records
(MOVE-01..05), area settlements (AREA-01/02), property certificates (CERT-01), repair workers and work orders
(SVC-01..04), complaints (SVC-05), return visits and surveys (SVC-06), the property front desk and its shift
log (SVC-07, ROTA-08).

Statuses change only through ``handover.services``; logs of what happened are append-only in PostgreSQL.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from handover.rules import CertificateStatus, MoveInItem, WarrantyCategory, WorkOrderStatus
from salesoffice.core.models import Site

_APPEND_ONLY = pgtrigger.Update | pgtrigger.Delete


def _append_only(name: str) -> pgtrigger.Protect:
    return pgtrigger.Protect(name=name, operation=_APPEND_ONLY)


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


# --- Move-in (MOVE-01..05) ---


class MoveInBatch(models.Model):
    """MOVE-01: units handed over together. The working group (``working_group``: ``[{"user", "name",
    "duty"}]``) is formed a month before; ``documents`` maps each developer document to the date it was
    ready; the move-in list is approved by the marketing manager (the site manager here)."""

    DOCUMENTS = (
        ("completion_acceptance", _("Completion acceptance (竣工验收)")),
        ("area_survey_report", _("Surveyed-area report (实测面积报告)")),
        ("quality_guarantee", _("Residential quality guarantee (住宅质量保证书)")),
        ("usage_instructions", _("Residential usage instructions (住宅使用说明书)")),
    )

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    name = models.CharField(_("name"), max_length=100)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    group_formed_on = models.DateField(_("working group formed on"), null=True, blank=True)
    working_group = models.JSONField(_("working group"), default=list, blank=True)
    documents = models.JSONField(_("developer documents"), default=dict, blank=True)
    slot_capacity = models.PositiveSmallIntegerField(_("households per slot"), default=4)
    repair_priority = models.CharField(
        _("priority of inspection repairs"), max_length=8, choices=Priority.choices, default=Priority.HIGH
    )
    # MOVE-02: the amounts due besides the price, from the property company's fee schedule.
    property_fee_per_m2 = models.DecimalField(
        _("property fee per m² and month"), max_digits=8, decimal_places=2, default=0
    )
    property_fee_months = models.PositiveSmallIntegerField(
        _("first property-fee period (months)"), default=12
    )
    maintenance_fund_per_m2 = models.DecimalField(
        _("maintenance fund per m²"), max_digits=10, decimal_places=2, default=0
    )
    certificate_fees = models.DecimalField(_("certificate fees"), max_digits=12, decimal_places=2, default=0)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    feedback_summary = models.JSONField(_("feedback summary"), default=dict, blank=True)
    feedback_sent_at = models.DateTimeField(_("feedback sent at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("move-in batch")
        verbose_name_plural = _("move-in batches")
        ordering = ["-planned_start", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="moveinbatch_unique_name"),
            models.CheckConstraint(
                condition=models.Q(planned_end__gte=models.F("planned_start")),
                name="moveinbatch_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(slot_capacity__gte=1), name="moveinbatch_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MoveInBatchUnit(models.Model):
    """MOVE-01: one unit on a batch's move-in list; a unit is on one list only."""

    batch = models.ForeignKey(MoveInBatch, on_delete=models.PROTECT, related_name="batch_units")
    unit = models.OneToOneField("deals.Unit", on_delete=models.PROTECT, related_name="move_in_entry")
    contract = models.ForeignKey("deals.Contract", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("unit of a move-in batch")
        verbose_name_plural = _("units of a move-in batch")
        ordering = ["batch", "unit"]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.unit_id}"


class MoveInSlot(models.Model):
    """MOVE-02: a handover slot. ``booked`` is a counter taken under the row lock, and the check
    constraint keeps it within capacity whatever writes the row."""

    batch = models.ForeignKey(MoveInBatch, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0, editable=False)

    class Meta:
        verbose_name = _("handover slot")
        verbose_name_plural = _("handover slots")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(booked__lte=models.F("capacity")), name="moveinslot_within_capacity"),
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="moveinslot_times_ordered"),
            models.UniqueConstraint(fields=["batch", "starts_at"], name="moveinslot_unique_start"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"


class MoveInNotice(models.Model):
    """MOVE-02: the move-in notice (入伙通知书) of one contract, sent once per batch, with every amount due
    (``amounts``: code → yuan as text) and the PDF that was sent."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(MoveInBatch, on_delete=models.PROTECT, related_name="notices")
    contract = models.ForeignKey("deals.Contract", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("deals.Unit", on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    channels = models.JSONField(_("channels"), default=list)
    amounts = models.JSONField(_("amounts due"), default=dict)
    total_due = models.DecimalField(_("total due"), max_digits=14, decimal_places=2)
    pdf = models.BinaryField(_("PDF"), editable=False)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # D-MOVE-01: a notice sent later than the policy's notice period before the batch is flagged.
    late = models.BooleanField(_("sent late"), default=False)

    class Meta:
        verbose_name = _("move-in notice")
        verbose_name_plural = _("move-in notices")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "contract"], name="moveinnotice_once_per_contract")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.unit_id}"


class SlotBooking(models.Model):
    """MOVE-02: the customer's booked handover slot; one per contract and batch."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(MoveInBatch, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(MoveInSlot, on_delete=models.PROTECT, related_name="bookings")
    contract = models.ForeignKey("deals.Contract", on_delete=models.PROTECT, related_name="+")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(_("booked at"))

    class Meta:
        verbose_name = _("slot booking")
        verbose_name_plural = _("slot bookings")
        ordering = ["slot__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "contract"], name="slotbooking_one_per_contract")
        ]

    def __str__(self) -> str:
        return f"{self.slot_id}: {self.contract_id}"


class HandoverRecord(models.Model):
    """MOVE-03: the handover of one unit to its buyer; complete only when every mandatory checklist item is
    done (``rules.move_in_checklist``)."""

    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        COMPLETE = "complete", _("Handed over")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        MoveInBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="handovers"
    )
    contract = models.OneToOneField("deals.Contract", on_delete=models.PROTECT, related_name="handover")
    unit = models.ForeignKey("deals.Unit", on_delete=models.PROTECT, related_name="handovers")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    key_count = models.PositiveSmallIntegerField(_("keys handed over"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handed_over_on = models.DateField(_("handover date"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", completed_at__isnull=True)
                | models.Q(status="complete", completed_at__isnull=False, handed_over_on__isnull=False),
                name="handoverrecord_completion_consistent",
            )
        ]
        indexes = [models.Index(fields=["site", "status"], name="handover_site_status_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id}"


class HandoverItem(models.Model):
    """MOVE-03: one done checklist item, with who and when."""

    record = models.ForeignKey(HandoverRecord, on_delete=models.PROTECT, related_name="items")
    item = models.CharField(
        _("item"), max_length=32, choices=[(item.value, item.value) for item in MoveInItem]
    )
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("done at"))
    key_count = models.PositiveSmallIntegerField(_("keys"), null=True, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["done_at", "id"]
        constraints = [models.UniqueConstraint(fields=["record", "item"], name="handoveritem_once")]
        triggers = [_append_only("handoveritem_append_only")]

    def __str__(self) -> str:
        return self.item


class Inspection(models.Model):
    """MOVE-04: the owner's room-by-room inspection (验房) and their signature on the record."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        ACCEPTED_WITH_DEFECTS = "accepted_with_defects", _("Accepted with defects")
        REFUSED = "refused", _("Refused")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    handover = models.OneToOneField(HandoverRecord, on_delete=models.PROTECT, related_name="inspection")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    outcome = models.CharField(_("owner's decision"), max_length=24, choices=Outcome.choices, blank=True)
    refusal_reasons = models.TextField(_("reasons for refusing"), blank=True)
    signed_by_name = models.CharField(_("signed by"), max_length=50, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="refused") | ~models.Q(refusal_reasons=""),
                name="inspection_refusal_has_reasons",
            )
        ]

    def __str__(self) -> str:
        return f"{self.handover_id}"


class Defect(models.Model):
    """MOVE-04: one defect found in the inspection; it becomes a repair work order."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="defects")
    room = models.CharField(_("room"), max_length=50)
    location = models.CharField(_("location"), max_length=100)
    category = models.CharField(_("category"), max_length=20)
    description = models.CharField(_("description"), max_length=1000)
    work_order = models.OneToOneField("WorkOrder", on_delete=models.PROTECT, related_name="defect")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("defect")
        verbose_name_plural = _("defects")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.room} {self.location}"


# --- Area adjustment (AREA-01/02) ---


class AreaSettlement(models.Model):
    """AREA-01/02: the settlement of one contract's surveyed area, computed by ``rules.area_adjustment``
    with the policy version in force; ``lines`` are the statement's formula lines. Once the buyer signs,
    ``net`` is entered as a money record (PAY-01); beyond the threshold the buyer may choose to cancel."""

    class Status(models.TextChoices):
        COMPUTED = "computed", _("Computed")
        SIGNED = "signed", _("Agreed and signed")
        CANCEL_CHOSEN = "cancel_chosen", _("Buyer chose to cancel")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    contract = models.OneToOneField(
        "deals.Contract", on_delete=models.PROTECT, related_name="area_settlement"
    )
    unit = models.ForeignKey("deals.Unit", on_delete=models.PROTECT, related_name="+")
    contract_area = models.DecimalField(_("contract area (m²)"), max_digits=10, decimal_places=2)
    surveyed_area = models.DecimalField(_("surveyed area (m²)"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("contract unit price"), max_digits=14, decimal_places=2)
    threshold_ratio = models.DecimalField(_("threshold ratio"), max_digits=6, decimal_places=4)
    policy_version = models.PositiveIntegerField(_("policy version"))
    buyer_pays = models.DecimalField(max_digits=14, decimal_places=2)
    developer_bears = models.DecimalField(max_digits=14, decimal_places=2)
    refund = models.DecimalField(max_digits=14, decimal_places=2)
    double_refund = models.DecimalField(max_digits=14, decimal_places=2)
    net = models.DecimalField(_("net (buyer pays +, refund −)"), max_digits=14, decimal_places=2)
    buyer_may_cancel = models.BooleanField(_("buyer may cancel"))
    lines = models.JSONField(_("statement lines"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.COMPUTED, editable=False
    )
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField(_("computed at"))
    signed_by_name = models.CharField(_("buyer's signature"), max_length=50, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    money_record = models.OneToOneField(
        "deals.MoneyRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("area settlement")
        verbose_name_plural = _("area settlements")
        ordering = ["-computed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contract_area__gt=0, surveyed_area__gt=0, unit_price__gt=0),
                name="areasettlement_positive_figures",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="cancel_chosen") | models.Q(buyer_may_cancel=True),
                name="areasettlement_cancel_only_beyond_threshold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.net}"


# --- Property certificate (CERT-01) ---


class CertificateCase(models.Model):
    """CERT-01: the property certificate of one unit; each step is dated in ``CertificateStep``.
    ``overdue_status`` is the overdue job's done marker: the step it last flagged."""

    class Status(models.TextChoices):
        DOCUMENTS_COLLECTED = CertificateStatus.DOCUMENTS_COLLECTED.value, _("Documents collected")
        INITIAL_REGISTRATION_DONE = (
            CertificateStatus.INITIAL_REGISTRATION_DONE.value,
            _("Initial registration done"),
        )
        SUBMITTED = CertificateStatus.SUBMITTED.value, _("Submitted")
        ISSUED = CertificateStatus.ISSUED.value, _("Issued")
        SENT_TO_BANK = CertificateStatus.SENT_TO_BANK.value, _("Original sent to the bank")
        COPY_GIVEN = CertificateStatus.COPY_GIVEN.value, _("Copy given to the owner")
        HANDED_OVER = CertificateStatus.HANDED_OVER.value, _("Original handed over")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    unit = models.OneToOneField("deals.Unit", on_delete=models.PROTECT, related_name="certificate_case")
    contract = models.ForeignKey("deals.Contract", on_delete=models.PROTECT, related_name="+")
    mortgage = models.BooleanField(_("mortgage buyer"))
    fees_collected = models.DecimalField(_("fees pre-collected"), max_digits=12, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=32, choices=Status.choices, default=Status.DOCUMENTS_COLLECTED, editable=False
    )
    status_since = models.DateField(_("in this step since"))
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    overdue_status = models.CharField(max_length=32, blank=True, editable=False)
    signed_by_name = models.CharField(_("signed for by"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate case")
        verbose_name_plural = _("certificate cases")
        ordering = ["status_since", "id"]
        indexes = [models.Index(fields=["site", "status"], name="certificate_site_status_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.status}"


class CertificateStep(models.Model):
    """CERT-01: one dated step of a certificate case. Append-only."""

    case = models.ForeignKey(CertificateCase, on_delete=models.PROTECT, related_name="steps")
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32)
    on = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        triggers = [_append_only("certificatestep_append_only")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.to_status}"


# --- Work orders (SVC-01..04) ---


class ServiceTarget(models.Model):
    """SVC-02, SVC-05: a site's response and completion targets for one priority (and for complaints:
    acknowledge and reply). Missing rows fall back to ``services.DEFAULT_TARGETS``."""

    class Kind(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")
        LOW = "low", _("Low")
        COMPLAINT = "complaint", _("Complaint")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("priority"), max_length=10, choices=Kind.choices)
    response_minutes = models.PositiveIntegerField(_("respond within (minutes)"))
    completion_minutes = models.PositiveIntegerField(_("complete within (minutes)"))

    class Meta:
        verbose_name = _("service target")
        verbose_name_plural = _("service targets")
        constraints = [
            models.UniqueConstraint(fields=["site", "kind"], name="servicetarget_unique_kind"),
            models.CheckConstraint(
                condition=models.Q(response_minutes__gt=0)
                & models.Q(completion_minutes__gte=models.F("response_minutes")),
                name="servicetarget_sensible",
            ),
        ]

    def __str__(self) -> str:
        return self.kind


class RepairWorker(models.Model):
    """SVC-02: a repair worker's profile at a site: service areas (building names) and skills with levels
    (``{"plumbing": 3}``)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="repair_profiles"
    )
    areas = models.JSONField(_("service areas"), default=list)
    skills = models.JSONField(_("skills and levels"), default=dict)
    available = models.BooleanField(_("available"), default=True)

    class Meta:
        verbose_name = _("repair worker")
        verbose_name_plural = _("repair workers")
        constraints = [models.UniqueConstraint(fields=["site", "user"], name="repairworker_one_per_site")]

    def __str__(self) -> str:
        return str(self.user)


class WorkOrder(models.Model):
    """SVC-01: an owner's repair request, complaint, suggestion or help request with a unique number (site
    prefix + date + sequence). Due times come from the priority's targets (SVC-02); ``chargeable`` from the
    warranty at creation (SVC-04); ``status`` changes only through ``WORK_ORDER_TRANSITIONS`` (SVC-03)."""

    class Kind(models.TextChoices):
        REPAIR = "repair", _("Repair")
        COMPLAINT = "complaint", _("Complaint")
        SUGGESTION = "suggestion", _("Suggestion")
        HELP = "help", _("Help request")

    class Source(models.TextChoices):
        DESK = "desk", _("Service desk")
        PHONE = "phone", _("Phone")
        INSPECTION = "inspection", _("Handover inspection")
        OTHER = "other", _("Other")

    class Category(models.TextChoices):
        ROOF = WarrantyCategory.ROOF.value, _("Roof")
        WATERPROOFING = WarrantyCategory.WATERPROOFING.value, _("Waterproofing")
        ELECTRICAL = WarrantyCategory.ELECTRICAL.value, _("Electrical")
        PLUMBING = WarrantyCategory.PLUMBING.value, _("Plumbing")
        DECORATION = WarrantyCategory.DECORATION.value, _("Decoration")
        HEATING = WarrantyCategory.HEATING.value, _("Heating")
        COOLING = WarrantyCategory.COOLING.value, _("Cooling")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        # A context keeps this label apart from the customer status "New" (新客户).
        NEW = WorkOrderStatus.NEW.value, pgettext_lazy("work order status", "New")
        ASSIGNED = WorkOrderStatus.ASSIGNED.value, _("Assigned")
        IN_PROGRESS = WorkOrderStatus.IN_PROGRESS.value, _("In progress")
        WAITING = WorkOrderStatus.WAITING.value, _("Waiting")
        DONE = WorkOrderStatus.DONE.value, _("Done")
        CONFIRMED = WorkOrderStatus.CONFIRMED.value, _("Confirmed by the owner")
        CLOSED = WorkOrderStatus.CLOSED.value, _("Closed")
        REOPENED = WorkOrderStatus.REOPENED.value, _("Reopened")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=40, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.REPAIR)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.DESK)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reporter_name = models.CharField(_("reporter"), max_length=50)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("deals.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area = models.CharField(_("service area"), max_length=50)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    min_level = models.PositiveSmallIntegerField(_("skill level needed"), default=1)
    description = models.CharField(_("description"), max_length=2000)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    respond_by = models.DateTimeField(_("respond by"))
    complete_by = models.DateTimeField(_("complete by"))
    chargeable = models.BooleanField(_("chargeable"), default=False)
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    worker = models.ForeignKey(
        RepairWorker, null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW, editable=False
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    # SVC-02: the escalation job's done markers, one per missed target.
    response_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    completion_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="workorder_unique_number"),
            models.CheckConstraint(
                condition=models.Q(status__in=[status.value for status in WorkOrderStatus]),
                name="workorder_known_status",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "status", "-created_at"], name="workorder_site_status_idx"),
            models.Index(fields=["worker", "status"], name="workorder_worker_idx"),
            models.Index(fields=["site", "-created_at"], name="workorder_site_created_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class WorkOrderEvent(models.Model):
    """SVC-03: one change of a work order: who, when, what, note. Append-only."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=24)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        RepairWorker, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["work_order", "at"], name="workorderevent_order_idx")]
        triggers = [_append_only("workorderevent_append_only")]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.action}"


class WorkOrderPhoto(models.Model):
    """SVC-01: a photo of a work order, JPEG or PNG by content, at most ``UPLOAD_MAX_BYTES`` (SEC-07).
    Kept in the database so that any web worker can serve it."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="photos")
    content_type = models.CharField(max_length=20)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("work-order photo")
        verbose_name_plural = _("work-order photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order_id}: {self.pk}"


# --- Complaints (SVC-05) ---


class Complaint(models.Model):
    """SVC-05: a complaint, acknowledged and answered within the target time, escalated to the supervisor
    when the desk cannot resolve it, closed with a written result the owner accepted (or by escalation).
    A complaint about a salesperson is flagged for OWN-15 and listed for the site manager."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ESCALATED = "escalated", _("Escalated")
        REPLIED = "replied", _("Replied")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        DESK = "desk", _("Service desk")
        HOTLINE = "hotline", _("Hotline")
        ONLINE = "online", _("Online")
        FORM = "form", _("Feedback form")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=40, editable=False)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("deals.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    complainant_name = models.CharField(_("complainant"), max_length=50)
    complainant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    about_salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("about salesperson"),
    )  # fmt: skip
    content = models.TextField(_("content"))
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    reply_by = models.DateTimeField(_("reply by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.RECEIVED, editable=False
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_reason = models.CharField(_("escalation reason"), max_length=500, blank=True)
    result = models.TextField(_("written result"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    owner_accepted = models.BooleanField(_("owner accepted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    own15_reviewed_at = models.DateTimeField(_("reviewed for OWN-15"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="complaint_unique_number"),
            # SVC-05: closed only with a result the owner accepted, or after escalation.
            models.CheckConstraint(
                condition=~models.Q(status="closed")
                | models.Q(owner_accepted=True) & ~models.Q(result="")
                | models.Q(escalated_at__isnull=False),
                name="complaint_closed_with_result",
            ),
        ]
        indexes = [models.Index(fields=["site", "status", "-received_at"], name="complaint_site_status_idx")]

    def __str__(self) -> str:
        return self.number


class ComplaintEvent(models.Model):
    """D-SVC-04: each communication and step of a complaint (time and content). Append-only."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        triggers = [_append_only("complaintevent_append_only")]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.action}"


# --- Return visits and surveys (SVC-06) ---


class Questionnaire(models.Model):
    """SVC-06: a satisfaction questionnaire; a change is a new version, so answers keep their questions.
    ``questions``: ``[{"key", "text", "kind": "score" | "text"}]``; scores are 1 to 5."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveSmallIntegerField(_("version"))
    questions = models.JSONField(_("questions"))
    low_score = models.PositiveSmallIntegerField(_("low score (at or below)"), default=2)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name", "version"], name="questionnaire_unique_version")
        ]
        triggers = [_append_only("questionnaire_append_only")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ReturnVisit(models.Model):
    """SVC-06: the call back after a closed work order or a handover; at most one per order or handover,
    so the creating job can run twice."""

    class Kind(models.TextChoices):
        WORK_ORDER = "work_order", _("After a work order")
        HANDOVER = "handover", _("After handover")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    work_order = models.OneToOneField(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="return_visit"
    )
    handover = models.OneToOneField(
        HandoverRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="return_visit"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("deals.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="work_order", work_order__isnull=False, handover__isnull=True)
                | models.Q(kind="handover", handover__isnull=False, work_order__isnull=True),
                name="returnvisit_one_subject",
            )
        ]
        indexes = [models.Index(fields=["site", "done_at", "due_on"], name="returnvisit_site_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.due_on}"


class SurveyResponse(models.Model):
    """SVC-06: one owner's answers (``answers``: key → score or text); a score at or below the
    questionnaire's low mark creates a follow-up task."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    return_visit = models.OneToOneField(
        ReturnVisit, null=True, blank=True, on_delete=models.PROTECT, related_name="survey"
    )
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="surveys"
    )
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField(_("answers"))
    average_score = models.DecimalField(_("average score"), max_digits=4, decimal_places=2, null=True)
    low_score = models.BooleanField(_("low score"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["site", "recorded_at"], name="surveyresponse_site_idx")]

    def __str__(self) -> str:
        return f"{self.questionnaire_id}: {self.average_score}"


class FollowUpTask(models.Model):
    """SVC-06: the follow-up a low survey score asks for."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    survey = models.OneToOneField(SurveyResponse, on_delete=models.PROTECT, related_name="follow_up")
    description = models.CharField(_("description"), max_length=500)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description


# --- Property front desk (SVC-07, ROTA-08) ---


class ServiceDeskEntry(models.Model):
    """SVC-07: one entry of the property front desk: an owner's request (forwarded as a work order), a
    temporary pass for a decoration worker, a goods release verified with the owner first, or mail
    received and handed over."""

    class Kind(models.TextChoices):
        REQUEST = "request", _("Owner request")
        PASS = "pass", _("Temporary pass")
        GOODS_RELEASE = "goods_release", _("Goods release")
        MAIL = "mail", _("Mail")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    unit = models.ForeignKey("deals.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person_name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=1000, blank=True)
    work_order = models.OneToOneField(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="desk_entry"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    owner_verified_by = models.CharField(_("verified with the owner by"), max_length=100, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    handed_to = models.CharField(_("handed to"), max_length=50, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("service desk entry")
        verbose_name_plural = _("service desk entries")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            # SVC-07: goods leave only after the owner agreed.
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True) | models.Q(verified_at__isnull=False),
                name="deskentry_release_after_verification",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="pass")
                | models.Q(valid_from__isnull=False, valid_until__gte=models.F("valid_from")),
                name="deskentry_pass_dates",
            ),
        ]
        indexes = [models.Index(fields=["site", "kind", "-recorded_at"], name="deskentry_site_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.person_name}"


class DeskShiftLog(models.Model):
    """ROTA-08 at the property front desk: the outgoing person writes what happened and what is pending; the
    incoming person confirms or refuses with a reason (both signed); the manager reviews daily."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the incoming person")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    outgoing = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("what happened"))
    pending = models.TextField(_("pending"), blank=True)
    created_at = models.DateTimeField(_("written at"))
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    refusal_reason = models.TextField(_("reason for refusing"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("desk shift log entry")
        verbose_name_plural = _("desk shift log")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending", answered_at__isnull=True, incoming__isnull=True)
                | (~models.Q(status="pending") & models.Q(answered_at__isnull=False, incoming__isnull=False)),
                name="deskshiftlog_answer_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="deskshiftlog_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}: {self.created_at:%Y-%m-%d %H:%M}"
