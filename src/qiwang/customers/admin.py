from django.contrib import admin

from qiwang.accounts.admin_site import AuditedAdmin
from qiwang.customers.models import Customer, MaintenancePlan, MessageTemplate, Occasion


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "tier", "branch", "account_manager")
    list_filter = ("tier", "kind", "branch")
    search_fields = ("code", "name")
    list_select_related = ("branch", "account_manager")
    raw_id_fields = ("account_manager",)


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(AuditedAdmin):
    list_display = ("tier", "frequency", "channel", "greeting_channel", "is_active")


@admin.register(MessageTemplate)
class MessageTemplateAdmin(AuditedAdmin):
    list_display = ("industry", "occasion_kind", "tier", "channel", "subject")
    list_filter = ("industry", "occasion_kind", "tier", "channel")


@admin.register(Occasion)
class OccasionAdmin(AuditedAdmin):
    list_display = ("date", "name", "kind", "branch")
    list_filter = ("kind",)
    date_hierarchy = "date"
