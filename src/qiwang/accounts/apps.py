from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "qiwang.accounts"
    label = "accounts"
    verbose_name = _("Organisation and access")

    def ready(self) -> None:
        # Stamps the log-in time into the session (session timeouts, issue 10).
        from qiwang.accounts import sessions  # noqa: F401
