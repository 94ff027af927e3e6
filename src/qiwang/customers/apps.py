from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "qiwang.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from qiwang.customers.privacy_sources import register_sources
        from qiwang.customers.tasks import register_jobs

        register_jobs()
        register_sources()
