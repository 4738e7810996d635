"""Inventory and sales control (UNIT-01, UNIT-02, UNIT-04): buildings, units, their append-only status and
price logs, and the progress record of an inventory import."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from deals.rules import DepositKind as RuleDepositKind
from deals.rules import DepositStatus as RuleDepositStatus
from deals.rules import MoneyKind as RuleMoneyKind
from deals.rules import RequestStatus as RuleRequestStatus
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
    tags = models.JSONField(_("tags"), default=list, blank=True)
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


# --- Deals: deposits, subscription, contract, approvals, money, mortgage, commission (DEP, CON, DISC, PAY,
# MORT, COMM) ---

_DEPOSIT_STATUS_VALUES = [status.value for status in RuleDepositStatus]


class Deal(models.Model):
    """One customer's purchase of one unit, from the first deposit to the contract or its end.

    Every deposit, subscription, contract, money record, instalment, loan and commission line of the
    purchase hangs off it, so a ledger or a reversal reads one deal. ``status`` changes only through
    ``deals.services``; an active deal holds its unit, and the partial unique constraint makes a second
    active deal on a unit impossible (UNIT-03, R1) even for writes that bypass the services."""

    class Status(models.TextChoices):
        ON_HOLD = "on_hold", _("On hold")
        RESERVED = "reserved", _("Reserved")
        CONTRACTED = "contracted", _("Contracted")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.ON_HOLD, Status.RESERVED, Status.CONTRACTED)

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="deals", verbose_name=_("unit"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("salesperson")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ON_HOLD, editable=False
    )
    # UNIT-01: the price of the unit when the deal began; later list-price changes never rewrite it.
    list_total = models.DecimalField(_("list total"), max_digits=14, decimal_places=2)
    area = models.DecimalField(_("building area (m²)"), max_digits=10, decimal_places=2)
    # COMM-01: the ownership verdict's shares at deposit time ({user id text: percent text}).
    performance_shares = models.JSONField(default=dict)
    commission_shares = models.JSONField(default=dict)
    commission_factor = models.DecimalField(max_digits=5, decimal_places=4, default=1)
    first_deposit_at = models.DateTimeField(_("first deposit"))
    # CON-04: a dispute taken to arbitration or court is noted on the deal.
    dispute_note = models.TextField(_("dispute note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(status__in=["on_hold", "reserved", "contracted"]),
                name="deal_one_active_per_unit",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "status", "-created_at"], name="deal_site_status_idx"),
            models.Index(fields=["salesperson", "-created_at"], name="deal_salesperson_idx"),
            models.Index(fields=["customer"], name="deal_customer_idx"),
            # RPT-01..03: the reports count a site's records by their moment.
            models.Index(fields=["site", "ended_at"], name="deal_site_ended_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.unit_id}"


class Deposit(models.Model):
    """A small (小定, DEP-01) or large (大定, DEP-02) deposit holding a unit until ``hold_until`` (DEP-03).

    A top-up (DEP-04) or a unit change (DEP-05) ends this row and starts a new one linked by ``previous``.
    ``expired_at`` is the expiry job's done marker (R4)."""

    class Kind(models.TextChoices):
        SMALL = RuleDepositKind.SMALL.value, _("Small deposit")
        LARGE = RuleDepositKind.LARGE.value, _("Large deposit")

    class Status(models.TextChoices):
        ACTIVE = RuleDepositStatus.ACTIVE.value, _("Active")
        TOPPED_UP = RuleDepositStatus.TOPPED_UP.value, _("Topped up")
        CONVERTED = RuleDepositStatus.CONVERTED.value, _("Converted into payment")
        REFUNDED = RuleDepositStatus.REFUNDED.value, _("Refunded")
        FORFEITED = RuleDepositStatus.FORFEITED.value, _("Forfeited")
        RETURNED_DOUBLE = RuleDepositStatus.RETURNED_DOUBLE.value, _("Returned double")
        TRANSFERRED = RuleDepositStatus.TRANSFERRED.value, _("Moved to another unit")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="deposits")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="deposits", verbose_name=_("unit"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    salesperson = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"))
    hold_until = models.DateTimeField(_("hold until"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE, editable=False
    )
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next", verbose_name=_("from")
    )
    # DEP-04: the small deposit's agreed top-up date, cleared when the top-up is paid.
    top_up_due_on = models.DateField(_("top-up due"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    extension_reason = models.CharField(_("extension reason"), max_length=500, blank=True)
    forfeiture_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    forfeiture_waiver_reason = models.CharField(_("waiver reason"), max_length=500, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")
        ordering = ["-paid_at", "-id"]
        constraints = [
            # UNIT-03: at most one active hold per unit, whatever writes the row.
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(status=RuleDepositStatus.ACTIVE.value),
                name="deposit_one_active_per_unit",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="deposit_positive_amount"),
            models.CheckConstraint(
                condition=models.Q(status__in=_DEPOSIT_STATUS_VALUES), name="deposit_known_status"
            ),
        ]
        indexes = [
            # DEP-03: the expiry sweep's claim reads active holds by due time.
            models.Index(
                fields=["hold_until"],
                condition=models.Q(status=RuleDepositStatus.ACTIVE.value),
                name="deposit_active_due_idx",
            ),
            models.Index(fields=["site", "paid_at"], name="deposit_site_paid_idx"),
            models.Index(fields=["deal", "-paid_at"], name="deposit_deal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class ApprovalRequest(models.Model):
    """DISC-01/02 and the other decisions that need the site manager: a discount, a unit change to a cheaper
    unit (DEP-05), a hold extension and a forfeiture waiver (DEP-03), a cancellation (CON-04)."""

    class Kind(models.TextChoices):
        DISCOUNT = "discount", _("Discount")
        UNIT_CHANGE = "unit_change", _("Unit change")
        HOLD_EXTENSION = "hold_extension", _("Hold extension")
        FORFEITURE_WAIVER = "forfeiture_waiver", _("Forfeiture waiver")
        CANCELLATION = "cancellation", _("Cancellation")

    class Status(models.TextChoices):
        REQUESTED = RuleRequestStatus.REQUESTED.value, _("Waiting")
        APPROVED = RuleRequestStatus.APPROVED.value, _("Approved")
        REFUSED = RuleRequestStatus.REFUSED.value, _("Refused")
        DONE = RuleRequestStatus.DONE.value, _("Done")

    class Settlement(models.TextChoices):
        """CON-04/DEP-06: how the money is settled when a deal is cancelled."""

        REFUND = "refund", _("Refund what was paid")
        BUYER_BREACH = "buyer", _("Buyer walks away: deposit forfeited")
        DEVELOPER_BREACH = "developer", _("Developer cannot sell: double deposit returned")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    deal = models.ForeignKey(Deal, null=True, blank=True, on_delete=models.PROTECT, related_name="requests")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    target_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("new unit")
    )
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2, null=True, blank=True)
    requested_price = models.DecimalField(
        _("requested price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    approved_price = models.DecimalField(
        _("approved price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    requested_until = models.DateTimeField(_("extend to"), null=True, blank=True)
    settlement = models.CharField(_("settlement"), max_length=10, choices=Settlement.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    required_approver = models.CharField(_("approver needed"), max_length=20)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED, editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    developer_approval = models.CharField(_("developer approval reference"), max_length=200, blank=True)
    # CON-04: the settlement is confirmed by the buyer and by the developer's side (finance or manager).
    buyer_confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["site", "status", "-requested_at"], name="approval_inbox_idx"),
            models.Index(fields=["requested_by", "-requested_at"], name="approval_requester_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Subscription(models.Model):
    """CON-01: the subscription form (认购书) signed with the large deposit; approved terms are locked in.

    ``checklist`` holds the CON-02 checks before signing, each ``{"by": user id, "by_name", "at"}``."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CONTRACTED = "contracted", _("Contracted")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")
        REPLACED = "replaced", _("Replaced")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="subscriptions")
    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="subscriptions")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=30)
    buyers = models.JSONField(_("buyers"), default=list)
    list_total = models.DecimalField(_("list total"), max_digits=14, decimal_places=2)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    discount_approval = models.ForeignKey(
        ApprovalRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_method = models.CharField(_("payment method"), max_length=20)
    signing_deadline = models.DateTimeField(_("signing deadline"))
    documents_to_bring = models.CharField(_("documents to bring"), max_length=500, blank=True)
    checklist = models.JSONField(default=dict)
    by_agent = models.BooleanField(_("buyer represented by an agent"), default=False)
    power_of_attorney_ref = models.CharField(_("notarised power of attorney"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE, editable=False
    )
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaces"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="subscription_unique_number"),
            models.UniqueConstraint(
                fields=["deal"], condition=models.Q(status="active"), name="subscription_one_active_per_deal"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gt=0) & models.Q(price__lte=models.F("list_total")),
                name="subscription_price_within_list",
            ),
        ]
        indexes = [models.Index(fields=["site", "created_at"], name="subscription_site_created_idx")]

    def __str__(self) -> str:
        return self.number


class Contract(models.Model):
    """CON-02/CON-03: the signed sale contract, its checks (copied from the subscription), internal approval
    and filing with the housing authority."""

    class Status(models.TextChoices):
        SIGNED = "signed", _("Signed")
        APPROVED = "approved", _("Approved")
        FILED = "filed", _("Filed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="contracts")
    subscription = models.OneToOneField(Subscription, on_delete=models.PROTECT, related_name="contract")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("contract number"), max_length=30)
    price = models.DecimalField(_("contract price"), max_digits=14, decimal_places=2)
    payment_method = models.CharField(_("payment method"), max_length=20)
    checklist = models.JSONField(default=dict)
    by_agent = models.BooleanField(_("signed by an agent"), default=False)
    power_of_attorney_ref = models.CharField(_("notarised power of attorney"), max_length=100, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SIGNED, editable=False
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    filing_number = models.CharField(_("filing number"), max_length=50, blank=True)
    filed_on = models.DateField(_("filing date"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "number"], name="contract_unique_number"),
            # UNIT-03: one live contract per unit.
            models.UniqueConstraint(
                fields=["unit"],
                condition=models.Q(status__in=["signed", "approved", "filed", "completed"]),
                name="contract_one_live_per_unit",
            ),
        ]
        indexes = [models.Index(fields=["site", "signed_at"], name="contract_site_signed_idx")]

    def __str__(self) -> str:
        return self.number


class MoneyRecord(models.Model):
    """PAY-01: one money movement of a deal, signed from the deal's side (see ``rules.MoneyKind``).

    Append-only in PostgreSQL itself; a correction is a reversing record (``reverses``). Balances are
    computed from these rows by ``rules.balance``, never stored."""

    class Kind(models.TextChoices):
        DEPOSIT = RuleMoneyKind.DEPOSIT.value, _("Deposit")
        TOP_UP = RuleMoneyKind.TOP_UP.value, _("Top-up")
        INSTALMENT = RuleMoneyKind.INSTALMENT.value, _("Instalment")
        LOAN_RELEASE = RuleMoneyKind.LOAN_RELEASE.value, _("Loan release")
        REFUND = RuleMoneyKind.REFUND.value, _("Refund")
        FORFEITURE = RuleMoneyKind.FORFEITURE.value, _("Forfeiture")
        DOUBLE_RETURN = RuleMoneyKind.DOUBLE_RETURN.value, _("Double return")
        AREA_ADJUSTMENT = RuleMoneyKind.AREA_ADJUSTMENT.value, _("Area adjustment")
        FEE = RuleMoneyKind.FEE.value, _("Fee")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Bank card")
        TRANSFER = "transfer", _("Bank transfer")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        LOAN = "loan", _("Bank loan")
        INTERNAL = "internal", _("Internal settlement")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="money_records")
    deposit = models.ForeignKey(Deposit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    payer = models.CharField(_("payer"), max_length=100)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    receipt_number = models.CharField(_("receipt number"), max_length=30)
    finance_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("when"))
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("money record")
        verbose_name_plural = _("money records")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "receipt_number"], name="moneyrecord_unique_receipt"),
            models.CheckConstraint(condition=~models.Q(amount=0), name="moneyrecord_nonzero"),
        ]
        indexes = [
            models.Index(fields=["deal", "at"], name="moneyrecord_deal_idx"),
            models.Index(fields=["site", "at"], name="moneyrecord_site_time_idx"),
        ]
        triggers = [
            pgtrigger.Protect(name="moneyrecord_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number} {self.amount}"


class Instalment(models.Model):
    """PAY-02: one scheduled payment of a contract; the schedule adds up to the contract price."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="instalments")
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    label = models.CharField(_("label"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["due_on", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="instalment_positive")]
        indexes = [models.Index(fields=["site", "due_on"], name="instalment_site_due_idx")]

    def __str__(self) -> str:
        return f"{self.due_on} {self.amount}"


class Mortgage(models.Model):
    """MORT-01/02: a buyer's bank loan, its document checklist and its dated steps (办理贷款客户清单)."""

    class Status(models.TextChoices):
        DOCUMENTS_COLLECTED = "documents_collected", _("Documents collected")
        SUBMITTED = "submitted", _("Submitted to the bank")
        MORE_DOCUMENTS_NEEDED = "more_documents_needed", _("More documents needed")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        LOAN_CONTRACT_SIGNED = "loan_contract_signed", _("Loan contract signed")
        MORTGAGE_REGISTERED = "mortgage_registered", _("Mortgage registered")
        FUNDS_RELEASED = "funds_released", _("Funds released")

    class LoanType(models.TextChoices):
        COMMERCIAL = "commercial", _("Commercial loan")
        PROVIDENT_FUND = "provident_fund", _("Provident fund loan")
        COMBINED = "combined", _("Combined loan")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    deal = models.OneToOneField(Deal, on_delete=models.PROTECT, related_name="mortgage")
    bank = models.CharField(_("bank"), max_length=50)
    loan_type = models.CharField(_("loan type"), max_length=16, choices=LoanType.choices)
    amount = models.DecimalField(_("loan amount"), max_digits=14, decimal_places=2)
    documents = models.JSONField(_("documents"), default=dict)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.DOCUMENTS_COLLECTED, editable=False
    )
    status_since = models.DateField(_("in this step since"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mortgage")
        verbose_name_plural = _("mortgages")
        indexes = [models.Index(fields=["site", "status"], name="mortgage_site_status_idx")]

    def __str__(self) -> str:
        return f"{self.bank} {self.amount}"


class MortgageStep(models.Model):
    """MORT-02: one dated step of a loan. Append-only."""

    mortgage = models.ForeignKey(Mortgage, on_delete=models.PROTECT, related_name="steps")
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, choices=Mortgage.Status.choices)
    on = models.DateField(_("date"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        triggers = [
            pgtrigger.Protect(name="mortgagestep_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.mortgage_id}: {self.to_status}"


class PerformanceCredit(models.Model):
    """COMM-01: one party's performance (业绩) from a deal: units, area and amount by share. A reversal is
    a negative row pointing at the original (CON-04); rows are never edited."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="performance_credits")
    beneficiary = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField(max_digits=7, decimal_places=4)
    units = models.DecimalField(max_digits=7, decimal_places=4)
    area = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["user", "at"], name="performance_user_idx")]
        triggers = [
            pgtrigger.Protect(
                name="performancecredit_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary}: {self.amount}"


class CommissionRecord(models.Model):
    """COMM-02: one party's commission on a contract: rate × amount × factor (OWN-13) × share. Pending until
    the dispute window closes (DISP-01); a cancellation adds a negative ``reversed`` row (CON-04)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")
        REVERSED = "reversed", _("Reversal")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="commission_records")
    beneficiary = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    share = models.DecimalField(_("share"), max_digits=7, decimal_places=4)
    units = models.DecimalField(_("units"), max_digits=7, decimal_places=4)
    area = models.DecimalField(_("area"), max_digits=10, decimal_places=2)
    contract_amount = models.DecimalField(_("contract amount"), max_digits=14, decimal_places=2)
    rate = models.DecimalField(_("rate"), max_digits=7, decimal_places=5)
    factor = models.DecimalField(_("factor"), max_digits=5, decimal_places=4)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, editable=False)
    confirm_after = models.DateTimeField(_("confirmable from"))
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    at = models.DateTimeField(_("when"))
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commission record")
        verbose_name_plural = _("commission records")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["user", "at"], name="commission_user_idx"),
            models.Index(
                fields=["confirm_after"], condition=models.Q(status="pending"), name="commission_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary}: {self.amount}"
