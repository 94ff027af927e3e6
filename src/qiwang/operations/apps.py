from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running Qiwang: the scheduler and worker, health, metrics, logs, backups and the registry
    of personal-data sources. Sits right below ``accounts`` so that every app can fill its
    registries (jobs, readiness checks, personal data) in its own ``AppConfig.ready``."""

    name = "qiwang.operations"
    label = "operations"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from qiwang.operations import jobs, working_calendar

        jobs.register_own_jobs()
        working_calendar.register_calendar()
