from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "qiwang.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from qiwang.surveys import monitoring, sending
        from qiwang.surveys.privacy import register_source
        from qiwang.surveys.tasks import register_jobs

        register_jobs()
        sending.register_jobs()
        monitoring.register()
        register_source()

        # The customer page's survey section (customers never imports surveys).
        from qiwang.customers.panels import register as register_panel
        from qiwang.surveys.customer_panel import survey_panel

        register_panel("surveys", survey_panel)

        # A follow-up's reason is stored as data and rendered in the reader's language.
        from qiwang.customers.texts import register_renderer
        from qiwang.surveys.loop import REASON_CODE, render_follow_up

        register_renderer(REASON_CODE, render_follow_up)
