"""How complaints hear other apps: the registries they fill (they never import this app)."""

from __future__ import annotations

import datetime
import importlib.util

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from qiwang.accounts import calendar_services
    from qiwang.complaints.services.intake import (
        open_complaint_for_broken_promise,
        open_complaint_for_survey,
    )
    from qiwang.complaints.services.sla import recompute_for_calendar_change
    from qiwang.operations.scheduler import Job
    from qiwang.operations.scheduler import register as register_job
    from qiwang.surveys import loop

    if recompute_for_calendar_change not in calendar_services.CALENDAR_CHANGED_HOOKS:
        calendar_services.CALENDAR_CHANGED_HOOKS.append(recompute_for_calendar_change)
    if open_complaint_for_survey not in loop.FOLLOW_UP_HOOKS:
        loop.FOLLOW_UP_HOOKS.append(open_complaint_for_survey)
    if importlib.util.find_spec("qiwang.catalogue") is not None:
        catalogue_hooks = importlib.import_module("qiwang.catalogue.hooks")
        if open_complaint_for_broken_promise not in catalogue_hooks.BROKEN_PROMISE_HOOKS:
            catalogue_hooks.BROKEN_PROMISE_HOOKS.append(open_complaint_for_broken_promise)
    register_job(
        Job(
            key="complaints.sla_scan",
            function="qiwang.complaints.services.sla.sla_scan_job",
            label=_("Record SLA breaches of complaints and warn supervisors before them"),
            every=60,
        )
    )
    register_job(
        Job(
            key="complaints.outcomes",
            function="qiwang.complaints.services.outcomes.outcomes_job",
            label=_("Decide the outcome of complaints closed long enough ago"),
            at=datetime.time(4, 40),
        )
    )
    register_job(
        Job(
            key="complaints.tallies",
            function="qiwang.complaints.services.tallies.tallies_job",
            label=_("Fold complaints into the figures of the SLA and outcomes page"),
            every=600,
        )
    )
    register_job(
        Job(
            key="complaints.notifications",
            function="qiwang.complaints.services.notify.notifications_job",
            label=_("Retry complaint notifications that failed"),
            every=300,
        )
    )
