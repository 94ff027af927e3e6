from django.contrib import admin

from qiwang.accounts.admin_site import AuditedAdmin
from qiwang.customers.models import Customer


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "tier", "branch", "account_manager")
    list_filter = ("tier", "kind", "branch")
    search_fields = ("code", "name")
    list_select_related = ("branch", "account_manager")
    raw_id_fields = ("account_manager",)
