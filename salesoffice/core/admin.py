from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from salesoffice.core.models import (
    ApiToken,
    AuditEvent,
    Membership,
    Notification,
    SalesTeam,
    Site,
    SitePolicyVersion,
    User,
)

admin.site.register(User, UserAdmin)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "is_active"]
    search_fields = ["code", "name"]
    inlines = [MembershipInline]


@admin.register(SalesTeam)
class SalesTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "site"]
    list_filter = ["site"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "role", "team", "is_active"]
    list_filter = ["site", "role", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: visible, never edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SitePolicyVersion)
class SitePolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ["site", "version", "effective_at", "created_by"]
    list_filter = ["site"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "site", "actor", "action", "object_type", "object_id"]
    list_filter = ["site", "action"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "prefix", "site", "user", "scope", "revoked_at"]
    list_filter = ["site", "scope"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "read_at"]
