from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog

from qiwang.project.api import api, not_found
from qiwang.surveys.receipts import sms_receipt
from qiwang.surveys.wechat_events import wechat_event

urlpatterns = [
    path("", include("qiwang.core.urls")),
    path("accounts/", include("qiwang.accounts.urls")),
    path("customers/", include("qiwang.customers.urls")),
    path("customers/", include("qiwang.customers.urls_io")),
    path("services/", include("qiwang.catalogue.urls")),
    path("surveys/", include("qiwang.surveys.urls")),
    path("s/", include("qiwang.surveys.public_urls")),
    path("webhooks/", include("qiwang.webhooks.urls")),
    path("complaints/", include("qiwang.complaints.urls")),
    path("c/", include("qiwang.complaints.public_urls")),
    path("operations/", include("qiwang.operations.urls")),
    path("api/", api.urls),
    # Any other path under /api/: the API's JSON 404 with API-Version, not the HTML page.
    re_path(r"^api/", not_found),
    # SMS delivery receipts from the providers (docs/messaging.md)
    path("hooks/sms/<str:provider>/<str:token>/", sms_receipt, name="sms_receipt"),
    # The WeChat Official Account's server URL: template message events (docs/messaging.md)
    path("hooks/wechat/", wechat_event, name="wechat_event"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]

handler403 = "qiwang.core.views.permission_denied"
handler404 = "qiwang.core.views.page_not_found"
handler500 = "qiwang.core.views.server_error"
