from django import forms
from django.contrib import admin, messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.admin_site import AuditedAdmin
from qiwang.accounts.models import (
    ApiToken,
    AuditEvent,
    Branch,
    CalendarDay,
    CalendarYear,
    MfaDevice,
    User,
)
from qiwang.errors import ServiceError
from qiwang.phones import display_phone, normalise_phone


class _PhoneMixin:
    """A user's phone is stored in E.164 like every other number (``qiwang.phones``): typed in any
    usual form, refused with a message naming it when it is not a number, shown as people read
    it."""

    def _show_phone(self) -> None:
        field = self.fields.get("phone")  # type: ignore[attr-defined]
        instance = getattr(self, "instance", None)
        if field is not None and instance is not None and instance.phone:
            self.initial["phone"] = display_phone(instance.phone)  # type: ignore[attr-defined]

    def clean_phone(self) -> str:
        raw = self.cleaned_data.get("phone", "")  # type: ignore[attr-defined]
        try:
            return normalise_phone(raw)
        except ServiceError as error:
            raise forms.ValidationError(error.text) from None


class UserAdminChangeForm(_PhoneMixin, UserChangeForm):
    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._show_phone()


class UserAdminCreationForm(_PhoneMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username",)


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
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Qiwang"),
            {"fields": ("display_name", "role", "branches", "supervisor", "phone", "wecom_userid")},
        ),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Qiwang"), {"fields": ("display_name", "role", "branches", "phone")}),
    )
    actions = ("end_sessions", "reset_mfa")

    def _confirm(self, request, queryset, *, action: str, title: str, text: str):  # type: ignore[no-untyped-def]
        """The page that asks before an action that cannot be undone (like Django's delete)."""
        return TemplateResponse(
            request,
            "accounts/admin_confirm_action.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "text": text,
                "users": list(queryset),
                "action": action,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Sign out everywhere (end every session)"))
    def end_sessions(self, request, queryset):  # type: ignore[no-untyped-def]
        from qiwang.accounts.services import end_all_sessions

        if request.POST.get("confirmed") != "yes":
            return self._confirm(
                request,
                queryset,
                action="end_sessions",
                title=gettext("Sign these users out everywhere?"),
                text=gettext(
                    "Every session of these users ends now; they must log in again. Their API "
                    "tokens keep working (revoke them separately)."
                ),
            )
        for user in queryset:
            end_all_sessions(user=user, actor=request.user)
        if queryset.filter(pk=request.user.pk).exists():  # keep the administrator's own session
            request.user.refresh_from_db(fields=["session_epoch"])
            update_session_auth_hash(request, request.user)
        self.message_user(
            request,
            gettext("Signed out everywhere: %(users)s.") % {"users": ", ".join(map(str, queryset))},
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Reset two-factor authentication (lost phone)"))
    def reset_mfa(self, request, queryset):  # type: ignore[no-untyped-def]
        from qiwang.accounts import mfa
        from qiwang.accounts.services import end_all_sessions

        if request.POST.get("confirmed") != "yes":
            return self._confirm(
                request,
                queryset,
                action="reset_mfa",
                title=gettext("Reset two-factor authentication of these users?"),
                text=gettext(
                    "Their authenticator and recovery codes stop working and their sessions end. "
                    "Check who is asking first (in person or by a call you place). If their role "
                    "requires two-factor authentication, they set up a new authenticator at their "
                    "next log-in."
                ),
            )
        for user in queryset:
            mfa.admin_reset(user, actor=request.user)
            end_all_sessions(user=user, actor=request.user)
        if queryset.filter(pk=request.user.pk).exists():
            request.user.refresh_from_db(fields=["session_epoch"])
            update_session_auth_hash(request, request.user)
        self.message_user(
            request,
            gettext("Two-factor authentication reset: %(users)s.")
            % {"users": ", ".join(map(str, queryset))},
            messages.SUCCESS,
        )
        return None


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


LOGIN_FAILURE_TEXT = {
    "bad_password": _("wrong username or password"),
    "locked": _("username locked after too many failures"),
    "mfa_failed": _("wrong two-factor code"),
}


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_repr", "summary", "branch")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "object_id", "actor__username")
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    @admin.display(description=_("details"))
    def summary(self, event: AuditEvent) -> str:
        """Failed log-ins in the reader's language: the address and why (never the password)."""
        if event.action != "login_failed":
            return ""
        changes = event.changes or {}
        reason = LOGIN_FAILURE_TEXT.get(changes.get("reason", ""), changes.get("reason", ""))
        return gettext("Failed log-in from %(address)s: %(reason)s") % {
            "address": changes.get("client_ip", "?"),
            "reason": reason,
        }

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


@admin.register(MfaDevice)
class MfaDeviceAdmin(admin.ModelAdmin):
    """Who has two-factor authentication (the secret is never shown); reset it from Users."""

    list_display = ("user", "created_at", "confirmed_at", "last_used_at")
    fields = ("user", "created_at", "confirmed_at", "last_used_at")
    readonly_fields = fields
    search_fields = ("user__username",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
