"""The second log-in step, the account-security page (two-factor authentication, recovery codes)
and "sign out everywhere" (ADR 0180)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiwang.accounts import mfa, signin
from qiwang.accounts.limits import hit, parse_rate, rate_limited_response, reset
from qiwang.accounts.models import MfaDevice
from qiwang.accounts.security import client_ip
from qiwang.accounts.services import end_all_sessions, record_login_failure


def _setup_context(device: MfaDevice) -> dict[str, object]:
    secret = device.secret
    return {
        "device": device,
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


def login_verify(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the authenticator app or a recovery code. A user whose role
    requires two-factor authentication and who has none sets it up here first."""
    waiting = signin.pending(request)
    if waiting is None:
        signin.end_pending(request)
        messages.info(request, _("Your log-in took too long; please enter your password again."))
        return redirect("accounts:login")
    user, data = waiting
    enrolling = not mfa.is_enabled(user)
    device = mfa.start_enrolment(user) if enrolling else None
    context: dict[str, object] = {"enrolling": enrolling, "pending_user": user}
    if device is not None:
        context.update(_setup_context(device))
    if request.method != "POST":
        return render(request, "accounts/mfa_verify.html", context)

    limit, period = parse_rate(settings.QIWANG_LOGIN_RATE)
    verdict = hit(f"login:{client_ip(request)}", limit=limit, period=period)
    if not verdict.allowed:
        return rate_limited_response(request, verdict.retry_after)
    locked = signin.lockout(user.get_username())
    if not locked.allowed:
        record_login_failure(
            username=user.get_username(), client_ip=client_ip(request), reason="locked"
        )
        signin.end_pending(request)
        context["error"] = signin.locked_message(locked.retry_after)
        response = render(request, "accounts/mfa_verify.html", context, status=429)
        response["Retry-After"] = str(locked.retry_after)
        return response

    code = request.POST.get("code", "")
    codes: list[str] | None = None
    verified = None
    error = None
    if enrolling:
        try:
            codes = mfa.confirm_enrolment(user, code)
        except mfa.MfaError as refused:
            error = str(refused)
    else:
        verified = mfa.verify(user, code)
        if verified is None:
            error = _(
                "That code is not right. Type the 6 digits your app shows now, or a recovery code."
            )
    if error is not None:
        signin.count_failure(user.get_username())
        record_login_failure(
            username=user.get_username(), client_ip=client_ip(request), reason="mfa_failed"
        )
        context["error"] = error
        return render(request, "accounts/mfa_verify.html", context, status=422)

    reset(signin.failures_bucket(user.get_username()))
    signin.end_pending(request)
    login(request, user, backend=data["backend"])
    if codes is not None:
        messages.success(request, _("Two-factor authentication is on."))
        return render(
            request, "accounts/recovery_codes.html", {"codes": codes, "next_url": data["next"]}
        )
    if verified is not None and verified.method == "recovery":
        messages.warning(
            request,
            _(
                "You signed in with a recovery code; %(left)d are left. Make new ones on the "
                "account security page."
            )
            % {"left": verified.recovery_codes_left},
        )
    return redirect(data["next"])


def mfa_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the secret being set up: for the signed-in user, or the user in the
    middle of a log-in whose role requires two-factor authentication."""
    if request.user.is_authenticated:
        user = request.user
    else:
        waiting = signin.pending(request)
        if waiting is None:
            raise Http404
        user = waiting[0]
    device = MfaDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise Http404
    response = HttpResponse(mfa.qr_svg(device), content_type="image/svg+xml")
    response["Cache-Control"] = "no-store"
    return response


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "mfa_enabled": mfa.is_enabled(user),
            "mfa_required": mfa.required_for(user),
            "device": mfa.confirmed_device(user),
            "codes_left": mfa.recovery_codes_left(user),
        },
    )


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        device = mfa.start_enrolment(user)
    except mfa.MfaError as refused:
        messages.info(request, str(refused))
        return redirect("accounts:security")
    context = {"enrolling": True, **_setup_context(device)}
    if request.method == "POST":
        try:
            codes = mfa.confirm_enrolment(user, request.POST.get("code", ""))
        except mfa.MfaError as refused:
            context["error"] = str(refused)
            return render(request, "accounts/mfa_setup.html", context, status=422)
        messages.success(request, _("Two-factor authentication is on."))
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    return render(request, "accounts/mfa_setup.html", context)


@login_required
@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = mfa.regenerate_recovery_codes(request.user, request.POST.get("code", ""))
    except mfa.MfaError as refused:
        messages.error(request, str(refused))
        return redirect("accounts:security")
    messages.success(request, _("New recovery codes made; the old ones no longer work."))
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@login_required
@require_POST
def mfa_disable(request: HttpRequest) -> HttpResponse:
    try:
        mfa.disable(request.user, request.POST.get("code", ""))
    except mfa.MfaError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:security")


@login_required
def sessions_end(request: HttpRequest) -> HttpResponse:
    """GET: asks for confirmation. POST: ends every other session of the user; this one stays."""
    if request.method != "POST":
        return render(request, "accounts/sessions_end_confirm.html")
    end_all_sessions(user=request.user, actor=request.user)
    update_session_auth_hash(request, request.user)
    messages.success(
        request, _("Every other session has been signed out. This one stays signed in.")
    )
    return redirect("accounts:security")
