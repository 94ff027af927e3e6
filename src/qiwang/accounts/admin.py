from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.admin_site import AuditedAdmin
from qiwang.accounts.models import (
    ApiToken,
    AuditEvent,
    Branch,
    CalendarDay,
    CalendarYear,
    User,
)


@admin.register(Branch)
class BranchAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ("username", "display_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "branches")
    search_fields = ("username", "display_name", "email")
    filter_horizontal = ("branches", "groups", "user_permissions")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Qiwang"), {"fields": ("display_name", "role", "branches", "supervisor", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Qiwang"), {"fields": ("display_name", "role", "branches")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "digest",
        "created_at",
        "last_used_at",
        "expires_at",
        "can_create_tokens",  # chosen by the owner when creating it, not granted afterwards
    )
    search_fields = ("name", "user__username")

    def has_add_permission(self, request):  # tokens are created by their owner, not here
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_repr", "branch")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__username")
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ("year", "status", "source", "note", "updated_at")
    list_filter = ("status", "source")


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("day", "kind", "name", "branch", "note")
    list_filter = ("kind", "name", "branch")
    date_hierarchy = "day"
