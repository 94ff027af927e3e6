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
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from qiwang.accounts.forms import QiwangPasswordChangeForm, TokenForm
from qiwang.accounts.models import ApiToken
from qiwang.accounts.services import TokenError, create_api_token, revoke_api_token


@method_decorator(
    ratelimit(key="ip", rate=lambda group, request: settings.QIWANG_LOGIN_RATE, method="POST"),
    name="post",
)
class QiwangLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        if settings.QIWANG_DEMO:
            from qiwang.demo.services import DEMO_PASSWORD, demo_account_rows

            context["demo_accounts"] = demo_account_rows()
            context["demo_password"] = DEMO_PASSWORD
        return context


@method_decorator(
    ratelimit(key="user", rate=lambda group, request: settings.QIWANG_LOGIN_RATE, method="POST"),
    name="post",
)
class QiwangPasswordChangeView(PasswordChangeView):
    """Every signed-in user changes their own password: the current one, then the new one twice,
    checked by AUTH_PASSWORD_VALIDATORS (12 characters at least). The session stays signed in;
    the change is written to the audit log. Attempts are rate-limited per user like log-ins."""

    template_name = "accounts/password_change.html"
    form_class = QiwangPasswordChangeForm
    success_url = reverse_lazy("core:home")

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
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": ApiToken.objects.filter(user=request.user),
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
