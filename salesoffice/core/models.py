"""The shared kernel's data: sales sites, staff memberships, policy versions, API tokens,
in-app notifications, gap-free counters and the append-only audit trail."""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from salesoffice.core.roles import Role


class User(AbstractUser):
    """A staff member. Names print family name first when written in Chinese (王建国)."""

    # Set per request by token authentication: every access check is narrowed to this site.
    token_site_id: int | None = None
    token_site: Site | None = None

    def get_full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def full_name(first_name: str, last_name: str) -> str:
    """A staff member's name as printed: 王建国 family name first; Jane Smith given name first."""
    family, given = last_name.strip(), first_name.strip()
    if not (family + given).isascii():
        return family + given
    return f"{given} {family}".strip()


class Site(models.Model):
    """A sales site (案场): one project's sales office. Every record belongs to exactly one site."""

    code = models.SlugField(
        _("code"), max_length=16, unique=True, help_text=_("Used as the work-order prefix.")
    )
    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sales site")
        verbose_name_plural = _("sales sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SalesTeam(models.Model):
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="teams", verbose_name=_("site"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("sales team")
        verbose_name_plural = _("sales teams")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="salesteam_unique_name_per_site")
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One role of one staff member at one site (SEC-01). A person may hold several."""

    class RoleChoice(models.TextChoices):
        SALESPERSON = Role.SALESPERSON.value, _("Salesperson")
        SUPERVISOR = Role.SUPERVISOR.value, _("Sales supervisor")
        MANAGER = Role.MANAGER.value, _("Site manager")
        DEPUTY = Role.DEPUTY.value, _("Deputy site manager")
        FINANCE = Role.FINANCE.value, _("Finance")
        SERVICE = Role.SERVICE.value, _("Customer service")
        REPAIR = Role.REPAIR.value, _("Repair worker")
        CHANNEL_AGENT = Role.CHANNEL_AGENT.value, _("Channel agent")
        REPORT_CLIENT = Role.REPORT_CLIENT.value, _("Report client")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user")
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("site")
    )
    role = models.CharField(_("role"), max_length=32, choices=RoleChoice.choices)
    team = models.ForeignKey(
        SalesTeam,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("team"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "site", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["site", "role", "is_active"], name="membership_site_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.site}: {self.get_role_display()}"


class SitePolicyVersion(models.Model):
    """One version of a site's policy (policy.md); the latest effective version applies."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="policy_versions")
    version = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("policy"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    effective_at = models.DateTimeField(_("effective from"))

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [
            models.UniqueConstraint(fields=["site", "version"], name="policyversion_unique_number")
        ]
        ordering = ["site", "-version"]
        triggers = [
            pgtrigger.Protect(name="policyversion_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.site} v{self.version}"


class ApiToken(models.Model):
    """A REST client's token (SEC-04): bound to a site and a scope, stored hashed, revocable."""

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Notification(models.Model):
    """An in-app message; ``dedupe_key`` makes jobs that send it safe to run twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx")
        ]

    def __str__(self) -> str:
        return self.title


class Counter(models.Model):
    """A gap-free sequence (registration numbers, work-order numbers): taken under a row lock,
    so a rolled-back transaction gives its number back."""

    scope = models.CharField(max_length=120, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}={self.value}"


class AuditEvent(models.Model):
    """The append-only audit trail (SEC-03). PostgreSQL itself rejects UPDATE and DELETE."""

    occurred_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("who"),
    )  # fmt: skip
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object"), max_length=40, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    request_id = models.CharField(_("request id"), max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["site", "-occurred_at"], name="audit_site_time_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]
        triggers = [
            pgtrigger.Protect(name="audit_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action}"
