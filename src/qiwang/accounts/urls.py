from django.contrib.auth import views as auth_views
from django.urls import path

from qiwang.accounts import calendar_views, mfa_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.QiwangLoginView.as_view(), name="login"),
    path("login/verify/", mfa_views.login_verify, name="login-verify"),
    path("mfa/qr.svg", mfa_views.mfa_qr, name="mfa-qr"),
    path("security/", mfa_views.security, name="security"),
    path("security/mfa/setup/", mfa_views.mfa_setup, name="mfa-setup"),
    path(
        "security/mfa/recovery-codes/",
        mfa_views.mfa_recovery_codes,
        name="mfa-recovery-codes",
    ),
    path("security/mfa/disable/", mfa_views.mfa_disable, name="mfa-disable"),
    path("security/sessions/end/", mfa_views.sessions_end, name="sessions-end"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.QiwangPasswordChangeView.as_view(), name="password-change"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke-token"),
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/year/", calendar_views.calendar_year, name="calendar-year"),
    path("calendar/day/", calendar_views.calendar_day, name="calendar-day"),
    path(
        "calendar/day/<int:day_id>/delete/",
        calendar_views.calendar_day_delete,
        name="calendar-day-delete",
    ),
    path("calendar/import/", calendar_views.calendar_import, name="calendar-import"),
    path("calendar/seed/", calendar_views.calendar_seed, name="calendar-seed"),
]
