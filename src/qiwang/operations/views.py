"""The operations page (administrators): periodic jobs, workers, readiness."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qiwang.accounts.permissions import Action, require
from qiwang.operations.health import readiness
from qiwang.operations.readiness_text import describe, title
from qiwang.operations.status import job_states, worker_states


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    """Each job's last run, outcome and next slot; the workers' heartbeats; the ready checks."""
    require(request.user, Action.VIEW_OPERATIONS)
    ok, checks = readiness()
    return render(
        request,
        "operations/jobs.html",
        {
            "states": job_states(),
            "workers": worker_states(),
            "ready": ok,
            "checks": [
                {"name": name, "title": title(name), "ok": c["ok"], "text": describe(name, c)}
                for name, c in checks.items()
            ],
        },
    )
