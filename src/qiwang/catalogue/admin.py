from django.contrib import admin

from qiwang.accounts.admin_site import AuditedAdmin
from qiwang.catalogue.models import (
    Commitment,
    Delivery,
    Publication,
    Service,
    ServiceMeasurement,
    SurprisePlan,
)
from qiwang.catalogue.services.tallies import refresh_tallies


class CommitmentInline(admin.TabularInline):
    model = Commitment
    extra = 0
    fields = (
        "level",
        "statement",
        "metric",
        "comparison",
        "threshold",
        "unit",
        "valid_from",
        "valid_to",
    )


@admin.register(Service)
class ServiceAdmin(AuditedAdmin):
    list_display = (
        "code",
        "name",
        "tier",
        "branch",
        "publicity_scope",
        "resource_priority",
        "is_active",
    )
    list_filter = ("tier", "publicity_scope", "branch")
    search_fields = ("code", "name")
    list_select_related = ("branch",)
    filter_horizontal = ("eligible_branches",)
    raw_id_fields = ("eligible_customers",)
    inlines = [CommitmentInline]


@admin.register(Delivery)
class DeliveryAdmin(AuditedAdmin):
    list_display = ("service", "customer", "delivered_at", "value", "unit", "kept", "source")
    list_filter = ("kept", "source", "service__tier")
    date_hierarchy = "delivered_at"
    list_select_related = ("service", "customer")
    raw_id_fields = ("customer", "commitment", "recorded_by")

    # a delivery changed or deleted here is counted into the keeping tallies again (ADR 0142)
    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        before = Delivery.objects.filter(pk=obj.pk).values_list("service_id", flat=True)
        services = set(before) if change else set()
        super().save_model(request, obj, form, change)
        refresh_tallies(services | {obj.service_id})

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        super().delete_model(request, obj)
        refresh_tallies([obj.service_id])

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        services = set(queryset.values_list("service_id", flat=True))
        super().delete_queryset(request, queryset)
        refresh_tallies(services)


@admin.register(Publication)
class PublicationAdmin(AuditedAdmin):
    list_display = ("title", "service", "channel", "audience", "published_on")
    list_filter = ("channel", "audience")
    raw_id_fields = ("audience_customers",)
    filter_horizontal = ("audience_branches",)


@admin.register(SurprisePlan)
class SurprisePlanAdmin(AuditedAdmin):
    list_display = ("name", "service", "start", "end", "budget", "spent", "status")
    list_filter = ("status",)


@admin.register(ServiceMeasurement)
class ServiceMeasurementAdmin(AuditedAdmin):
    list_display = (
        "service",
        "wave_name",
        "attribute",
        "kano_class",
        "servqual_gap",
        "satisfaction",
    )
    list_filter = ("kano_class",)
