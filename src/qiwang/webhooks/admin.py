from django.contrib import admin

from qiwang.accounts.admin_site import AuditedAdmin
from qiwang.webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(AuditedAdmin):
    """The secret is never shown (it is not an editable field)."""

    list_display = ("name", "branch", "url", "is_active", "created_at")
    list_filter = ("is_active", "branch")
    search_fields = ("name", "url")
    readonly_fields = ("created_by", "created_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # created on the page, which shows the secret once


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    )
    list_filter = ("status", "event")
    list_select_related = ("endpoint",)
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
