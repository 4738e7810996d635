"""The recorded rota: one row per site and business day holding the engine's state, the
append-only events that produced it, the walk-in receptions, and the front desk's shift log.

``RotaDay`` is the row every rota event locks (``select_for_update``), so two desks can never give
the same salesperson two walk-ins at once (quality.md R2). The rota decisions themselves come from
the pure engine in ``reception/rota.py``; these tables only keep what it decided (ROTA-10).
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer, Registration
from salesoffice.core.models import Site


class RotaDay(models.Model):
    """ROTA-01: the rota of one site on one business day (the site's local date).

    ``state`` is ``RotaState.to_json()`` after the latest event; ``start_state`` is the day's
    starting point (plan, carried make-up tokens) from which a replay begins (ROTA-10).
    ``closing_order`` keeps everybody's place in the rotation, including those who signed out,
    so the next day can continue it (ROTA-01 option C)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="rota_days", verbose_name=_("site"))
    business_date = models.DateField(_("business date"))
    state = models.JSONField(_("state"))
    start_state = models.JSONField(_("start state"))
    closing_order = models.JSONField(_("closing order"), default=list)
    policy_version = models.PositiveIntegerField(_("policy version"), default=0)
    event_count = models.PositiveIntegerField(_("events"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rota day")
        verbose_name_plural = _("rota days")
        constraints = [
            models.UniqueConstraint(fields=["site", "business_date"], name="rotaday_unique_per_site_date")
        ]
        ordering = ["site", "-business_date"]

    def __str__(self) -> str:
        return f"{self.site} {self.business_date}"


class RotaEvent(models.Model):
    """One event applied to a rota day, with its outcome (ROTA-05 records, ROTA-10 replay).

    Never changed or deleted: PostgreSQL rejects UPDATE and DELETE (SEC-03)."""

    day = models.ForeignKey(RotaDay, on_delete=models.PROTECT, related_name="events", verbose_name=_("day"))
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=16)
    event = models.JSONField(_("event"))
    outcome = models.JSONField(_("outcome"))
    policy_version = models.PositiveIntegerField(_("policy version"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("rota event")
        verbose_name_plural = _("rota events")
        constraints = [models.UniqueConstraint(fields=["day", "sequence"], name="rotaevent_unique_sequence")]
        ordering = ["day", "sequence"]
        triggers = [
            pgtrigger.Protect(name="rotaevent_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.sequence} {self.kind}"


class Reception(models.Model):
    """ROTA-02, ROTA-05: one walk-in and how it was received.

    ``number`` is the walk-in's number in the day's rota. A walk-in that waits has no receiver and
    no ``started_at`` until someone becomes free. Every reception ends with an outcome."""

    class Type(models.TextChoices):
        NEW = "new", _("New customer")
        DESIGNATED = "designated", _("Names a salesperson")
        RETURNING = "returning", _("Returning customer")
        DEPOSIT_VISIT = "deposit_visit", _("Deposit or contract visit")
        REFERRED = "referred", _("Referred by a customer")
        GROUP = "group", _("Group")
        ON_BEHALF = "on_behalf", _("Asking for someone else")
        NON_CUSTOMER = "non_customer", _("Not a customer")
        PEER = "peer", _("Peer from another project")
        TOUR_GROUP = "tour_group", _("Tour group")

    class Outcome(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        NOT_A_CUSTOMER = "not_a_customer", _("Not a customer")
        LEFT_BEFORE_REGISTRATION = "left_before_registration", _("Left before registration")

    day = models.ForeignKey(
        RotaDay, on_delete=models.PROTECT, related_name="receptions", verbose_name=_("day")
    )
    number = models.PositiveIntegerField(_("walk-in number"))
    type = models.CharField(_("type"), max_length=16, choices=Type.choices)
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="receptions",
        verbose_name=_("receiver"),
    )  # fmt: skip
    for_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("received for"),
    )  # fmt: skip
    named = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("salesperson named by the customer"),
    )  # fmt: skip
    counted = models.BooleanField(_("counted as a turn"), default=False)
    arrived_at = models.DateTimeField(_("arrived at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="receptions",
        verbose_name=_("customer"),
    )  # fmt: skip
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.PROTECT, related_name="receptions",
        verbose_name=_("registration"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")
        constraints = [
            models.UniqueConstraint(fields=["day", "number"], name="reception_unique_number_per_day"),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True, outcome="")
                | (models.Q(ended_at__isnull=False) & ~models.Q(outcome="")),
                name="reception_ended_has_outcome",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="registered") | models.Q(registration__isnull=False),
                name="reception_registered_has_registration",
            ),
        ]
        indexes = [
            models.Index(fields=["receiver", "ended_at"], name="reception_receiver_open_idx"),
            models.Index(
                fields=["day"], condition=models.Q(ended_at__isnull=True), name="reception_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class ShiftLog(models.Model):
    """ROTA-08: a front-desk shift handover. The outgoing person writes what happened and what is
    pending; the incoming person confirms, or refuses with a reason; the manager reviews daily.
    Each step is a transition made through a service, never an edit of what was written."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the incoming person")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="shift_logs", verbose_name=_("site")
    )
    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("outgoing")
    )
    text = models.TextField(_("what happened"))
    pending = models.TextField(_("pending"), blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("incoming"),
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    refusal_reason = models.TextField(_("reason for refusing"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("reviewed by"),
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shift log entry")
        verbose_name_plural = _("shift log")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending", answered_at__isnull=True, incoming__isnull=True)
                | (~models.Q(status="pending") & models.Q(answered_at__isnull=False, incoming__isnull=False)),
                name="shiftlog_answer_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="shiftlog_refusal_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["site", "-created_at"], name="shiftlog_site_time_idx")]

    def __str__(self) -> str:
        return f"{self.site} {self.created_at:%Y-%m-%d %H:%M}"
