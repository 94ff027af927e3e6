"""Django admin for administrators only (role administrator, staff flag set)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _


class QiwangAdminSite(admin.AdminSite):
    site_header = _("Qiwang administration")
    site_title = _("Qiwang administration")
    index_title = _("Organisation, users and settings")

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Everyone logs in through Qiwang's own log-in (lockout, two-factor step, audit). A
        signed-in user who may not use the admin is refused (403), not sent back to the log-in,
        which would send them here again."""
        from urllib.parse import urlencode

        from django.core.exceptions import PermissionDenied
        from django.shortcuts import resolve_url

        if request.user.is_authenticated:
            raise PermissionDenied

        target = request.GET.get("next") or resolve_url("admin:index")
        return HttpResponseRedirect(
            f"{resolve_url('accounts:login')}?{urlencode({'next': target})}"
        )

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and getattr(user, "is_administrator", False))


class QiwangAdminConfig(AdminConfig):
    default_site = "qiwang.accounts.admin_site.QiwangAdminSite"


class AuditedAdmin(admin.ModelAdmin):
    """Writes made in the admin land in the audit log like any other change."""

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        from qiwang.accounts.services import record_event

        super().save_model(request, obj, form, change)
        changed = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
        for name in ("password", "phone", "email", "address"):
            if name in changed:
                changed[name] = "…"
        action = f"{obj._meta.model_name}_{'changed' if change else 'created'}_in_admin"
        record_event(actor=request.user, action=action, obj=obj, changes=changed)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        from qiwang.accounts.services import record_event

        record_event(actor=request.user, action=f"{obj._meta.model_name}_deleted_in_admin", obj=obj)
        super().delete_model(request, obj)
