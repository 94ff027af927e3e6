from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "qiwang.catalogue"
    label = "catalogue"
    verbose_name = _("Service catalogue")

    def ready(self) -> None:
        import datetime

        from qiwang.catalogue.panel import expectation_panel
        from qiwang.catalogue.timeline import delivery_entries
        from qiwang.customers.panels import register as register_panel
        from qiwang.customers.timeline import register as register_timeline
        from qiwang.operations.scheduler import Job
        from qiwang.operations.scheduler import register as register_job

        register_panel("catalogue", expectation_panel)
        register_job(
            Job(
                key="catalogue.tallies",
                function="qiwang.catalogue.services.tallies.tallies_job",
                label=_("Count deliveries into the keeping rates of the catalogue pages again"),
                at=datetime.time(4, 50),
            )
        )
        register_timeline("catalogue", delivery_entries)
