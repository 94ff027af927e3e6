"""Log-in, the own-password change and the API-tokens page."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts import mfa, signin
from qiwang.accounts.forms import QiwangPasswordChangeForm, TokenForm
from qiwang.accounts.limits import hit, parse_rate, rate_limited_response, reset
from qiwang.accounts.models import ApiToken
from qiwang.accounts.security import client_ip
from qiwang.accounts.services import (
    TokenError,
    create_api_token,
    record_login_failure,
    revoke_api_token,
)


class QiwangLoginView(LoginView):
    """Log-in, limited per address (``QIWANG_LOGIN_RATE``) and per username: after
    ``QIWANG_LOGIN_FAILURES`` failed attempts the username is locked for
    ``QIWANG_LOGIN_LOCKOUT_SECONDS`` and no password is checked until then (ADR 0012).

    A user with two-factor authentication, or whose role requires it, goes on to the second step
    (``mfa_views.login_verify``) instead of being signed in (ADR 0180). Every failure is written
    to the audit log: the username tried, the client address and why (never the password)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        limit, period = parse_rate(settings.QIWANG_LOGIN_RATE)
        verdict = hit(f"login:{client_ip(request)}", limit=limit, period=period)
        if not verdict.allowed:
            return rate_limited_response(request, verdict.retry_after)
        username = request.POST.get("username", "")
        locked = signin.lockout(username)
        if not locked.allowed:
            # An unbound form: the password is not even checked while the username is locked.
            record_login_failure(username=username, client_ip=client_ip(request), reason="locked")
            form = self.get_form_class()(request, initial={"username": username})
            message = signin.locked_message(locked.retry_after)
            context = self.get_context_data(form=form, locked=message)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(locked.retry_after)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        user = form.get_user()
        if mfa.is_enabled(user) or mfa.required_for(user):
            # The lockout count stays until the second step succeeds too.
            signin.begin_pending(self.request, user, self.get_success_url())
            return redirect("accounts:login-verify")
        reset(signin.failures_bucket(form.cleaned_data.get("username")))
        return super().form_valid(form)

    def form_invalid(self, form):  # type: ignore[no-untyped-def]
        username = form.data.get("username")
        if username:
            signin.count_failure(username)
            record_login_failure(
                username=username, client_ip=client_ip(self.request), reason="bad_password"
            )
        return super().form_invalid(form)

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        if settings.QIWANG_DEMO:
            from qiwang.demo.services import DEMO_PASSWORD, demo_account_rows

            context["demo_accounts"] = demo_account_rows()
            context["demo_password"] = DEMO_PASSWORD
        return context


class QiwangPasswordChangeView(PasswordChangeView):
    """Every signed-in user changes their own password: the current one, then the new one twice,
    checked by AUTH_PASSWORD_VALIDATORS (12 characters at least). The session stays signed in;
    the change is written to the audit log. Attempts are rate-limited per user like log-ins."""

    template_name = "accounts/password_change.html"
    form_class = QiwangPasswordChangeForm
    success_url = reverse_lazy("core:home")

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        limit, period = parse_rate(settings.QIWANG_LOGIN_RATE)
        verdict = hit(f"password-change:{request.user.pk}", limit=limit, period=period)
        if not verdict.allowed:
            return rate_limited_response(request, verdict.retry_after)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: QiwangPasswordChangeForm) -> HttpResponse:
        from qiwang.accounts.services import record_password_change

        response = super().form_valid(form)
        record_password_change(self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response

    def form_invalid(self, form: QiwangPasswordChangeForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=422)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["days"]
        try:
            issued = create_api_token(
                user=request.user,
                name=form.cleaned_data["name"],
                expires_at=timezone.now() + timedelta(days=days) if days else None,
                can_create_tokens=form.cleaned_data["can_create_tokens"],
            )
        except TokenError as error:
            field, _sep, message = str(error).partition(": ")
            form.add_error("days" if field == "expires_at" else "name", message)
        else:
            new_key = issued.key
            form = TokenForm()
    user_tokens = list(ApiToken.objects.filter(user=request.user))
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": user_tokens,
            "expiring": [token for token in user_tokens if token.expires_soon],
            "warn_days": settings.QIWANG_API_TOKEN_WARN_DAYS,
        },
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    try:
        revoke_api_token(token=token, actor=request.user)
    except TokenError as error:
        messages.error(request, str(error).partition(": ")[2])
    else:
        messages.success(request, _("Token “%s” revoked.") % token.name)
    return redirect("accounts:tokens")
