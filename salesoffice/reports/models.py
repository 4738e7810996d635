"""Data the reports need beyond the records they count: the manager's targets (RPT-02, TEAM-01) and the
marketing activities whose codes registrations carry (MKT-01)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Source
from salesoffice.core.models import Site


class Target(models.Model):
    """RPT-02, TEAM-01: a figure the manager expects for a week or a month, for the whole site (no
    salesperson) or for one salesperson. The latest row for a key replaces earlier ones (``target_set``)."""

    class Period(models.TextChoices):
        WEEK = "week", _("Week")
        MONTH = "month", _("Month")

    class Metric(models.TextChoices):
        WALK_INS = "walk_ins", _("Walk-ins")
        REGISTRATIONS = "registrations_valid", _("Valid registrations")
        SMALL_DEPOSITS = "small_deposits", _("Small deposits")
        LARGE_DEPOSITS = "large_deposits", _("Large deposits")
        CONTRACTS = "contracts", _("Contracts")
        CONTRACT_AMOUNT = "contract_amount", _("Contract amount (yuan)")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("salesperson"),
    )  # fmt: skip
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    starts_on = models.DateField(_("starts on"))
    metric = models.CharField(_("figure"), max_length=24, choices=Metric.choices)
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["site", "salesperson", "period", "starts_on", "metric"],
                condition=models.Q(salesperson__isnull=False),
                name="target_unique_per_salesperson",
            ),
            models.UniqueConstraint(
                fields=["site", "period", "starts_on", "metric"],
                condition=models.Q(salesperson__isnull=True),
                name="target_unique_per_site",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_not_negative"),
        ]
        indexes = [models.Index(fields=["site", "period", "starts_on"], name="target_site_period_idx")]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.starts_on}: {self.value}"


class Activity(models.Model):
    """MKT-01: a marketing activity (exhibition, open day, launch, customer-club event, advertising campaign)
    with its dates, channel, budget and cost, target and the code registrations carry (``activity_code``)."""

    class Kind(models.TextChoices):
        EXHIBITION = "exhibition", _("Exhibition")
        OPEN_DAY = "open_day", _("Open day")
        LAUNCH = "launch", _("Launch")
        CLUB_EVENT = "club_event", _("Customer-club event")
        CAMPAIGN = "campaign", _("Advertising campaign")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    code = models.SlugField(
        _("code"),
        max_length=32,
        help_text=_("Registrations and channel reports carry this code as their source."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=24, choices=Source.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, default=0)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=14, decimal_places=2, default=0)
    target_visits = models.PositiveIntegerField(_("target visits"), default=0)
    target_deals = models.PositiveIntegerField(_("target deals"), default=0)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("marketing activity")
        verbose_name_plural = _("marketing activities")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="activity_unique_code_per_site"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="activity_dates"
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gte=0) & models.Q(cost__gte=0), name="activity_money_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["site", "starts_on"], name="activity_site_start_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"
