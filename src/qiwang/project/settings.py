"""Django settings: everything from the environment (see ``qiwang.project.config``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import phonenumbers
from django.utils.translation import gettext_lazy as _

from qiwang import envlang
from qiwang.operations.logs import logging_config
from qiwang.project import config

PACKAGE_DIR = Path(__file__).resolve().parents[1]
MODE = config.mode()

SECRET_KEY = config.secret_key(MODE)
# Earlier keys still accepted during a rotation (sessions, survey open links / QR codes).
SECRET_KEY_FALLBACKS = config.secret_key_fallbacks()
DEBUG = config.env_bool("DEBUG", default=False)
ALLOWED_HOSTS = config.env_list(
    "ALLOWED_HOSTS",
    ["127.0.0.1", "localhost", "[::1]"] + (["testserver"] if MODE == "test" else []),
)
CSRF_TRUSTED_ORIGINS = config.env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "qiwang.accounts.admin_site.QiwangAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "qiwang.core",
    "qiwang.accounts",
    "qiwang.operations",
    "qiwang.customers",
    "qiwang.catalogue",
    "qiwang.surveys",
    "qiwang.webhooks",
    "qiwang.complaints",
]

MIDDLEWARE = [
    # Outermost: API-Version on every answer under /api/, whoever gives it (docs/api.md).
    "qiwang.project.api_conventions.ApiVersionMiddleware",
    # First: health and metrics answer without the host check; request id, access log, metrics.
    "qiwang.operations.middleware.OperationsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, Permissions-Policy, Cache-Control: no-store (ADR 0011).
    "qiwang.accounts.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Idle and absolute session timeouts (QIWANG_SESSION_IDLE_MINUTES / _MAX_HOURS, issue 10).
    "qiwang.accounts.sessions.SessionTimeoutMiddleware",
    # NUL, lone surrogates, numbers and dates out of range: 400 / 422 naming the field (issue 10).
    "qiwang.project.bad_input.BadInputMiddleware",
    # One rate-limit bucket per client address across every public page (ADR 0012).
    "qiwang.accounts.limits.PublicRateLimitMiddleware",
]

ROOT_URLCONF = "qiwang.project.urls"
WSGI_APPLICATION = "qiwang.project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qiwang.core.context_processors.navigation",
                "qiwang.accounts.context_processors.working_calendar",
            ],
        },
    },
]

DATABASES = {"default": config.database(os.environ.get("DATABASE_URL"))}
# Django's cache, shared by every process: the database by default (its table comes with the
# migrations), Redis when QIWANG_CACHE_URL names one. Rate limits do not live here (ADR 0012).
CACHES = {"default": config.cache(os.environ.get("QIWANG_CACHE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # ASVS 2.1.1: at least 12 characters (issue 10).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Sessions (ASVS 3.3, qiwang.accounts.sessions): ended after this many idle minutes, and this
# many hours after the log-in however busy; the cookie lives no longer than the absolute limit.
QIWANG_SESSION_IDLE_MINUTES = config.env_int(
    "QIWANG_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=7 * 24 * 60
)
QIWANG_SESSION_MAX_HOURS = config.env_int("QIWANG_SESSION_MAX_HOURS", 12, minimum=1, maximum=720)
SESSION_COOKIE_AGE = QIWANG_SESSION_MAX_HOURS * 3600
# API tokens (qiwang.accounts.services): a new token expires after this many days unless its
# creator picks another date (at most QIWANG_API_TOKEN_MAX_DAYS ahead; 0 means no upper limit).
QIWANG_API_TOKEN_DAYS = config.env_int("QIWANG_API_TOKEN_DAYS", 90, minimum=1, maximum=3650)
QIWANG_API_TOKEN_MAX_DAYS = config.env_int(
    "QIWANG_API_TOKEN_MAX_DAYS", 365, minimum=0, maximum=3650
)
# Tokens expiring within this many days are flagged (`expires_soon`, a banner on the tokens page).
QIWANG_API_TOKEN_WARN_DAYS = config.env_int(
    "QIWANG_API_TOKEN_WARN_DAYS", 14, minimum=0, maximum=365
)
# Multi-factor authentication (TOTP, ADR 0180): roles that must use it. Production requires it of
# administrators by default; demo, development and test require it of no one unless set.
QIWANG_MFA_REQUIRED_ROLES = config.env_subset(
    "QIWANG_MFA_REQUIRED_ROLES",
    ["administrator"] if MODE == "production" else [],
    ("administrator", "quality_manager", "account_manager", "agent", "analyst"),
)
QIWANG_MFA_ISSUER = config.env_str("QIWANG_MFA_ISSUER", "Qiwang")
# Phone numbers (qiwang.customers.phones, ADR 0120): stored in E.164; a number typed without a
# country code belongs to this region (ISO 3166 code, e.g. CN, HK, TW).
QIWANG_PHONE_REGION = config.env_str("QIWANG_PHONE_REGION", "CN").upper()
if QIWANG_PHONE_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise config.ImproperlyConfigured(
        envlang.gettext("QIWANG_PHONE_REGION=%(value)s is not a region.")
        % {"value": repr(QIWANG_PHONE_REGION)}
    )
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
if MODE == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Internationalisation: zh-hans is the default, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = config.time_zone()
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = config.data_dir() / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the apps: no collectstatic step, nothing from a CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The Content-Security-Policy (qiwang.accounts.security, ADR 0011) can report violations here.
QIWANG_CSP_REPORT_URI = config.env_str("QIWANG_CSP_REPORT_URI", "")
# How many reverse proxies stand in front of Qiwang: the client address is read from
# X-Forwarded-For through exactly that many (0: REMOTE_ADDR, no header trusted).
QIWANG_TRUSTED_PROXIES = config.env_int("QIWANG_TRUSTED_PROXIES", 0, minimum=0, maximum=10)
# TLS (issue 10, docs/security.md). Behind a TLS-terminating proxy, name the header it sets
# (QIWANG_PROXY_SSL_HEADER="X-Forwarded-Proto: https") so links and QR codes come out as https.
# HSTS and the http→https redirect are off unless set; the proxy usually redirects already.
SECURE_PROXY_SSL_HEADER = config.env_proxy_ssl_header("QIWANG_PROXY_SSL_HEADER")
SECURE_SSL_REDIRECT = config.env_bool("QIWANG_SSL_REDIRECT", default=False)
# The health checks and /metrics answer before SecurityMiddleware (OperationsMiddleware), so a
# load balancer probing over plain http is never redirected.
SECURE_HSTS_SECONDS = config.env_int(
    "QIWANG_HSTS_SECONDS", 0, minimum=0, maximum=2 * 365 * 24 * 3600
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = config.env_bool("QIWANG_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = config.env_bool("QIWANG_HSTS_PRELOAD", default=False)
# Secure on every cookie in production (session, CSRF, the survey open-link cookie, language).
SESSION_COOKIE_SECURE = MODE == "production" and config.env_bool(
    "QIWANG_SECURE_COOKIES", default=True
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE

# The database queue (django-tasks-db), carrying the request id into tasks (qiwang.operations).
TASKS = {"default": {"BACKEND": "qiwang.operations.queue.DatabaseBackend"}}

# Logs (qiwang.operations.logs): text or JSON lines with the request id; an access log.
LOGGING = logging_config(
    fmt=config.env_choice("QIWANG_LOG_FORMAT", "text", ("text", "json")),
    level=config.env_choice(
        "LOG_LEVEL", "WARNING", ("debug", "info", "warning", "error", "critical")
    ).upper(),
    access_log=config.env_bool("QIWANG_ACCESS_LOG", default=MODE in ("production", "demo")),
)

# Rate limits (qiwang.accounts.limits, ADR 0012), counted in the database so that every process
# shares them. Public pages (survey answer pages, open links, the complaint form, the answer API):
# requests per client address, all pages together. QIWANG_SURVEY_RATE is its former name.
QIWANG_SURVEY_RATE = config.env_rate("QIWANG_SURVEY_RATE", "10000/m" if MODE == "test" else "120/m")
QIWANG_PUBLIC_RATE = config.env_rate("QIWANG_PUBLIC_RATE", QIWANG_SURVEY_RATE)
# Log-in: a username is locked for QIWANG_LOGIN_LOCKOUT_SECONDS after this many failed attempts.
QIWANG_LOGIN_FAILURES = config.env_int("QIWANG_LOGIN_FAILURES", 5, minimum=1, maximum=1000)
QIWANG_LOGIN_LOCKOUT_SECONDS = config.env_int(
    "QIWANG_LOGIN_LOCKOUT_SECONDS", 900, minimum=1, maximum=86400
)
# Open survey links: completed responses per client address and wave.
QIWANG_OPEN_LINK_COMPLETES = config.env_rate(
    "QIWANG_OPEN_LINK_COMPLETES", "10000/d" if MODE == "test" else "5/d"
)
# … and more completions than this from one address in the window flag the later ones as a burst.
QIWANG_OPEN_LINK_BURST = config.env_rate("QIWANG_OPEN_LINK_BURST", "2/h")
# Seconds between two runs of the survey fold job (qiwang surveys fold --enqueue --reschedule).
QIWANG_SURVEY_FOLD_SECONDS = config.env_int(
    "QIWANG_SURVEY_FOLD_SECONDS", 60, minimum=5, maximum=86400
)
# Survey results: a segment or wave with fewer complete responses than this is greyed with a
# small-sample caution (segment figures, significance of the falling test). Issue 14.
QIWANG_SURVEY_MIN_N = config.env_int("QIWANG_SURVEY_MIN_N", 5, minimum=1, maximum=10000)
# Outbound webhooks (ADR 0009): https to public addresses only, unless these are switched on
# (a test bed, or a receiver inside the company network).
QIWANG_WEBHOOK_ALLOW_HTTP = config.env_bool("QIWANG_WEBHOOK_ALLOW_HTTP", default=False)
QIWANG_WEBHOOK_ALLOW_PRIVATE = config.env_bool("QIWANG_WEBHOOK_ALLOW_PRIVATE", default=False)
QIWANG_WEBHOOK_TIMEOUT = config.env_float("QIWANG_WEBHOOK_TIMEOUT", 5.0, minimum=0.5, maximum=60)
# After a secret rotation the old secret signs too for this many hours (0: not at all).
QIWANG_WEBHOOK_SECRET_OVERLAP_HOURS = config.env_float(
    "QIWANG_WEBHOOK_SECRET_OVERLAP_HOURS", 24.0, minimum=0, maximum=168
)
QIWANG_LOGIN_RATE = config.env_rate("QIWANG_LOGIN_RATE", "10000/m" if MODE == "test" else "10/m")

# Imports (customers, survey answers): the longest a file may take to read (ADR 0011).
QIWANG_IMPORT_SECONDS = config.env_int("QIWANG_IMPORT_SECONDS", 60, minimum=1, maximum=3600)

# Product defaults, all overridable from the environment.
QIWANG_DEMO = MODE == "demo"
# Customers (issue 5): escalate open contact tasks this many days after they were due; an
# interaction whose inspection pass rate is below this percentage is an anomaly.
QIWANG_ESCALATE_AFTER_DAYS = config.env_int("QIWANG_ESCALATE_AFTER_DAYS", 1, minimum=0, maximum=365)
QIWANG_PASS_RATE_ALERT = config.env_float("QIWANG_PASS_RATE_ALERT", 95.0, minimum=0, maximum=100)
# Greetings (issue 5): company-wide occasions are greeted this many days ahead; a month's revenue
# this many percent above the month before counts as a sales rise.
QIWANG_GREETING_LEAD_DAYS = config.env_int("QIWANG_GREETING_LEAD_DAYS", 1, minimum=0, maximum=60)
QIWANG_SALES_RISE_PERCENT = config.env_float(
    "QIWANG_SALES_RISE_PERCENT", 20.0, minimum=0, maximum=10000
)
QIWANG_COMPANY_NAME = config.env_str("QIWANG_COMPANY_NAME", "")
# The TrueType font embedded in PDFs ("" = the first open-licence Chinese font found; qiwang.pdf)
QIWANG_PDF_FONT = config.env_str("QIWANG_PDF_FONT", "")

# Outgoing messages (customers.messaging, reused by surveys): e-mail through Django's mail
# framework — the console in demo and development, SMTP (EMAIL_HOST…) in production; SMS through
# a pluggable backend, by default one writing JSON lines to QIWANG_SMS_DIR.
EMAIL_BACKEND = config.env_dotted_path(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if MODE == "production"
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = config.env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = config.env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = config.env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")  # any characters
EMAIL_USE_TLS = config.env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = config.env_bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = config.env_str("DEFAULT_FROM_EMAIL", "qiwang@localhost")
QIWANG_SMS_BACKEND = config.env_dotted_path(
    "QIWANG_SMS_BACKEND", "qiwang.customers.messaging.FileSmsBackend"
)
QIWANG_SMS_DIR = config.env_str("QIWANG_SMS_DIR", str(config.data_dir() / "sms"))
# SMS through Alibaba Cloud or Tencent Cloud (qiwang.customers.channels, docs/messaging.md): the
# account's key pair, region, approved signature, Tencent's SmsSdkAppId, an endpoint override (a
# stand-in in tests), one approved template per purpose, and the secret in the receipt hook's URL.
QIWANG_SMS_KEY_ID = config.env_str("QIWANG_SMS_KEY_ID", "")
QIWANG_SMS_KEY_SECRET = config.env_str("QIWANG_SMS_KEY_SECRET", "")
QIWANG_SMS_REGION = config.env_str("QIWANG_SMS_REGION", "")
QIWANG_SMS_SIGN_NAME = config.env_str("QIWANG_SMS_SIGN_NAME", "")
QIWANG_SMS_APP_ID = config.env_str("QIWANG_SMS_APP_ID", "")
QIWANG_SMS_ENDPOINT = config.env_str("QIWANG_SMS_ENDPOINT", "")
QIWANG_SMS_TIMEOUT = config.env_int("QIWANG_SMS_TIMEOUT", 10, minimum=1, maximum=120)
_SMS_TEMPLATE_PARAMS = {
    # purpose: (the values a template may use, the default order)
    "invitation": (("company", "name", "wave", "link", "closes"), ("wave", "link")),
    "reminder": (("company", "name", "wave", "link", "closes"), ("wave", "link")),
    "greeting": (("company", "name"), ("name",)),
    "alert": (("customer", "code"), ("customer", "code")),
    "complaint": (("number", "link"), ("number", "link")),
    "incident": (("number", "incident", "answer"), ("answer",)),
}
QIWANG_SMS_TEMPLATES = {
    purpose: template
    for purpose, (known, default) in _SMS_TEMPLATE_PARAMS.items()
    if (
        template := config.env_sms_template(
            f"QIWANG_SMS_TEMPLATE_{purpose.upper()}", known, default
        )
    )
}
# Sending from the worker (docs/messaging.md "Sending, retries and rate limits"): per-channel
# rate limits for the whole account and per recipient, attempts and back-off.
QIWANG_RATE_SMS = config.env_rate("QIWANG_RATE_SMS", "20/s")
QIWANG_RATE_SMS_RECIPIENT = config.env_rate("QIWANG_RATE_SMS_RECIPIENT", "1/m")
QIWANG_RATE_EMAIL = config.env_rate("QIWANG_RATE_EMAIL", "10/s")
QIWANG_RATE_EMAIL_RECIPIENT = config.env_rate("QIWANG_RATE_EMAIL_RECIPIENT", "10/m")
QIWANG_RATE_WECHAT = config.env_rate("QIWANG_RATE_WECHAT", "20/s")
QIWANG_RATE_WECHAT_RECIPIENT = config.env_rate("QIWANG_RATE_WECHAT_RECIPIENT", "1/m")
QIWANG_RATE_WECOM = config.env_rate("QIWANG_RATE_WECOM", "20/s")
QIWANG_RATE_WECOM_RECIPIENT = config.env_rate("QIWANG_RATE_WECOM_RECIPIENT", "30/m")
QIWANG_SEND_MAX_ATTEMPTS = config.env_int("QIWANG_SEND_MAX_ATTEMPTS", 6, minimum=1, maximum=50)
QIWANG_SEND_BACKOFF_SECONDS = config.env_int(
    "QIWANG_SEND_BACKOFF_SECONDS", 60, minimum=1, maximum=86400
)
QIWANG_SEND_BACKOFF_MAX_SECONDS = config.env_int(
    "QIWANG_SEND_BACKOFF_MAX_SECONDS", 3600, minimum=1, maximum=7 * 86400
)
QIWANG_SEND_BATCH = config.env_int("QIWANG_SEND_BATCH", 100, minimum=1, maximum=5000)
QIWANG_SEND_SECONDS = config.env_int("QIWANG_SEND_SECONDS", 15, minimum=5, maximum=3600)
QIWANG_SMS_RECEIPT_TOKEN = config.env_str("QIWANG_SMS_RECEIPT_TOKEN", "")
QIWANG_SMS_RECEIPT_RATE = config.env_rate("QIWANG_SMS_RECEIPT_RATE", "600/m")
_SMS_PROVIDER_NEEDS = {
    "qiwang.customers.channels.aliyun.AliyunSmsBackend": ("KEY_ID", "KEY_SECRET", "SIGN_NAME"),
    "qiwang.customers.channels.tencent.TencentSmsBackend": (
        "KEY_ID",
        "KEY_SECRET",
        "SIGN_NAME",
        "APP_ID",
    ),
}
if _sms_missing := [
    f"QIWANG_SMS_{name}"
    for name in _SMS_PROVIDER_NEEDS.get(QIWANG_SMS_BACKEND, ())
    if not globals()[f"QIWANG_SMS_{name}"]
]:
    raise config.ImproperlyConfigured(
        envlang.gettext("QIWANG_SMS_BACKEND=%(value)s also needs %(missing)s.")
        % {"value": QIWANG_SMS_BACKEND, "missing": ", ".join(_sms_missing)}
    )
if QIWANG_SMS_RECEIPT_TOKEN and len(QIWANG_SMS_RECEIPT_TOKEN) < 16:
    raise config.ImproperlyConfigured(
        envlang.gettext("QIWANG_SMS_RECEIPT_TOKEN is too short: use at least 16 random characters.")
    )
# WeChat Official Account template messages to customers and WeCom application messages to
# staff (qiwang.customers.channels.wechat / .wecom, docs/messaging.md, ADR 0230): the service
# account's AppID and AppSecret, one template per purpose with its keyword mapping, the token of
# the account's server URL (TEMPLATESENDJOBFINISH events); the WeCom corp, application and its
# secret; API base URLs (a stand-in in tests) and the timeout of one call.
QIWANG_WECHAT_APP_ID = config.env_str("QIWANG_WECHAT_APP_ID", "")
QIWANG_WECHAT_APP_SECRET = config.env_str("QIWANG_WECHAT_APP_SECRET", "")
QIWANG_WECHAT_ENDPOINT = config.env_str("QIWANG_WECHAT_ENDPOINT", "https://api.weixin.qq.com")
QIWANG_WECHAT_TIMEOUT = config.env_int("QIWANG_WECHAT_TIMEOUT", 10, minimum=1, maximum=120)
QIWANG_WECHAT_EVENT_TOKEN = config.env_str("QIWANG_WECHAT_EVENT_TOKEN", "")
# Openids collected by the Official Account's web authorisation (scope snsapi_base, no consent
# screen) when a customer opens their invitation inside WeChat (qiwang.surveys.wechat_oauth,
# docs/messaging.md): off unless the operator registered Qiwang's host as the account's
# 网页授权域名; the authorise page's base URL (a stand-in in tests); code exchanges per address.
QIWANG_WECHAT_COLLECT_OPENID = config.env_bool("QIWANG_WECHAT_COLLECT_OPENID", False)
QIWANG_WECHAT_OAUTH_ENDPOINT = config.env_str(
    "QIWANG_WECHAT_OAUTH_ENDPOINT", "https://open.weixin.qq.com"
)
QIWANG_WECHAT_OAUTH_RATE = config.env_rate("QIWANG_WECHAT_OAUTH_RATE", "10/m")
_WECHAT_TEMPLATE_VALUES = {
    "invitation": ("wave", "company", "name", "closes", "link"),
    "reminder": ("wave", "company", "name", "closes", "link"),
    "greeting": ("text", "company", "name"),
}
QIWANG_WECHAT_TEMPLATES = {
    purpose: template
    for purpose, known in _WECHAT_TEMPLATE_VALUES.items()
    if (template := config.env_wechat_template(f"QIWANG_WECHAT_TEMPLATE_{purpose.upper()}", known))
}
QIWANG_WECOM_CORP_ID = config.env_str("QIWANG_WECOM_CORP_ID", "")
QIWANG_WECOM_AGENT_ID = config.env_int("QIWANG_WECOM_AGENT_ID", 0, minimum=0, maximum=2**31 - 1)
QIWANG_WECOM_SECRET = config.env_str("QIWANG_WECOM_SECRET", "")
QIWANG_WECOM_ENDPOINT = config.env_str("QIWANG_WECOM_ENDPOINT", "https://qyapi.weixin.qq.com")
for _endpoint_name in (
    "QIWANG_WECHAT_ENDPOINT",
    "QIWANG_WECHAT_OAUTH_ENDPOINT",
    "QIWANG_WECOM_ENDPOINT",
):
    if not globals()[_endpoint_name].startswith(("https://", "http://")):
        raise config.ImproperlyConfigured(
            envlang.gettext("%(name)s=%(value)s is not a URL such as https://api.weixin.qq.com.")
            % {"name": _endpoint_name, "value": repr(globals()[_endpoint_name])}
        )
if (
    QIWANG_WECHAT_TEMPLATES
    or QIWANG_WECHAT_APP_ID
    or QIWANG_WECHAT_APP_SECRET
    or QIWANG_WECHAT_COLLECT_OPENID
) and not (QIWANG_WECHAT_APP_ID and QIWANG_WECHAT_APP_SECRET):
    raise config.ImproperlyConfigured(
        envlang.gettext(
            "The WeChat Official Account needs both QIWANG_WECHAT_APP_ID and "
            "QIWANG_WECHAT_APP_SECRET."
        )
    )
if QIWANG_WECHAT_EVENT_TOKEN and not re.fullmatch(r"[A-Za-z0-9]{3,32}", QIWANG_WECHAT_EVENT_TOKEN):
    raise config.ImproperlyConfigured(
        envlang.gettext(
            "QIWANG_WECHAT_EVENT_TOKEN must be 3 to 32 letters and digits, "
            "as the Official Account's server settings accept."
        )
    )
# Urgent follow-ups (a very bad survey answer): besides the badge in "My day", the account
# manager is alerted on these channels (comma-separated: email, sms, wecom; empty for none).
QIWANG_FOLLOW_UP_ALERTS = config.env_list("QIWANG_FOLLOW_UP_ALERTS", ["email"])
if set(QIWANG_FOLLOW_UP_ALERTS) - {"email", "sms", "wecom"}:
    raise config.ImproperlyConfigured(
        envlang.gettext("QIWANG_FOLLOW_UP_ALERTS=%(value)s: use email, sms, wecom or several.")
        % {"value": repr(",".join(QIWANG_FOLLOW_UP_ALERTS))}
    )
_wecom = {
    "QIWANG_WECOM_CORP_ID": QIWANG_WECOM_CORP_ID,
    "QIWANG_WECOM_AGENT_ID": QIWANG_WECOM_AGENT_ID,
    "QIWANG_WECOM_SECRET": QIWANG_WECOM_SECRET,
}
if ("wecom" in QIWANG_FOLLOW_UP_ALERTS or any(_wecom.values())) and not all(_wecom.values()):
    raise config.ImproperlyConfigured(
        envlang.gettext("WeCom alerts also need %(missing)s.")
        % {"missing": ", ".join(name for name, value in _wecom.items() if not value)}
    )

# Complaints (docs/complaints.md): submissions per address per minute on the public complaint
# page, and where complaint photos are kept (outside the web root, inside the backed-up data).
QIWANG_COMPLAINT_RATE = config.env_rate(
    "QIWANG_COMPLAINT_RATE", "1000/m" if MODE == "test" else "10/m"
)
QIWANG_COMPLAINT_FILES_DIR = config.env_str(
    "QIWANG_COMPLAINT_FILES_DIR", str(config.data_dir() / "complaint-files")
)

# Running it (qiwang.operations, docs/deploy.md): the web server's processes and threads, the
# worker's beat, what /health/ready checks and who may read /metrics.
QIWANG_WEB_WORKERS = config.env_int("QIWANG_WEB_WORKERS", 2, minimum=1, maximum=64)
QIWANG_WEB_THREADS = config.env_int("QIWANG_WEB_THREADS", 4, minimum=1, maximum=64)
QIWANG_WEB_TIMEOUT = config.env_int("QIWANG_WEB_TIMEOUT", 60, minimum=5, maximum=3600)
QIWANG_BEAT_SECONDS = config.env_float("QIWANG_BEAT_SECONDS", 5.0, minimum=0.2, maximum=300)
QIWANG_WORKER_DEAD_SECONDS = config.env_int(
    "QIWANG_WORKER_DEAD_SECONDS", 60, minimum=5, maximum=86400
)
QIWANG_READY_REQUIRE_WORKER = config.env_bool(
    "QIWANG_READY_REQUIRE_WORKER", default=MODE == "production"
)
QIWANG_READY_QUEUE_LAG_SECONDS = config.env_int(
    "QIWANG_READY_QUEUE_LAG_SECONDS", 300, minimum=1, maximum=86400
)
QIWANG_READY_FOLD_LAG_SECONDS = config.env_int(
    "QIWANG_READY_FOLD_LAG_SECONDS", 900, minimum=1, maximum=7 * 86400
)
QIWANG_METRICS_ALLOW = config.env_networks("QIWANG_METRICS_ALLOW", ["127.0.0.1/32", "::1/128"])
QIWANG_METRICS_TOKEN = config.env_str("QIWANG_METRICS_TOKEN", "")
