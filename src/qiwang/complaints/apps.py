from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints and service recovery. Hears surveys and the catalogue through their hook
    registries (they never import this app)."""

    name = "qiwang.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from qiwang.complaints import hooks

        hooks.register()
