from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "qiwang.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        # Surveys never import this app: it hooks itself into the surveys' explicit registries.
        from qiwang.surveys import loop
        from qiwang.webhooks import hooks
        from qiwang.webhooks.services import covers

        if hooks.survey_response_completed not in loop.COMPLETION_HOOKS:
            loop.COMPLETION_HOOKS.append(hooks.survey_response_completed)
        if hooks.survey_follow_up_created not in loop.FOLLOW_UP_HOOKS:
            loop.FOLLOW_UP_HOOKS.append(hooks.survey_follow_up_created)
        if covers not in loop.COMPLETION_INTEREST:
            loop.COMPLETION_INTEREST.append(covers)
        from qiwang.webhooks.statement import response_completed_part

        loop.STATEMENT_PARTS[covers] = response_completed_part

        from qiwang.webhooks.tasks import register_jobs, register_metrics

        register_jobs()
        register_metrics()
