"""Pages of a manager's webhook endpoints: list, new (the secret shown once), one endpoint with
its last deliveries, a test event and redelivery. Branch-scoped: another branch's endpoint is
404, a role without ``MANAGE_WEBHOOKS`` 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qiwang.accounts.permissions import Action, require
from qiwang.errors import ServiceError
from qiwang.webhooks import services
from qiwang.webhooks.forms import EndpointForm
from qiwang.webhooks.models import Delivery, Endpoint

SECRET_SESSION_KEY = "webhook_secret"  # noqa: S105 (a session key name, not a secret)
LAST_DELIVERIES = 50


def _endpoint(request: HttpRequest, endpoint_id: int) -> Endpoint:
    require(request.user, Action.MANAGE_WEBHOOKS)
    return get_object_or_404(
        Endpoint.objects.for_user(request.user).select_related("branch"), pk=endpoint_id
    )


@login_required
def endpoint_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_WEBHOOKS)
    endpoints = Endpoint.objects.for_user(request.user).select_related("branch")
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@login_required
@require_http_methods(["GET", "POST"])
def endpoint_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_WEBHOOKS)
    form = EndpointForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.create_endpoint(
                actor=request.user,
                name=form.cleaned_data["name"],
                branch=form.cleaned_data["branch"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except ServiceError as error:
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            # Shown once, on the next page, then gone from the session.
            request.session[SECRET_SESSION_KEY] = {"endpoint": endpoint.pk, "secret": secret}
            return redirect("webhooks:endpoint", endpoint_id=endpoint.pk)
    return render(
        request, "webhooks/endpoint_new.html", {"form": form}, status=422 if form.errors else 200
    )


@login_required
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    secret = None
    shown = request.session.get(SECRET_SESSION_KEY)
    if shown and shown.get("endpoint") == endpoint.pk:
        secret = shown.get("secret")
        del request.session[SECRET_SESSION_KEY]
    deliveries = Delivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-pk")[
        :LAST_DELIVERIES
    ]
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {"endpoint": endpoint, "deliveries": deliveries, "secret": secret},
    )


@login_required
@require_POST
def endpoint_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    services.send_test_event(actor=request.user, endpoint=endpoint)
    messages.success(request, _("Test event queued; its delivery appears below."))
    return redirect("webhooks:endpoint", endpoint_id=endpoint.pk)


@login_required
@require_POST
def endpoint_active(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint(request, endpoint_id)
    is_active = request.POST.get("is_active") == "1"
    services.set_endpoint_active(actor=request.user, endpoint=endpoint, is_active=is_active)
    messages.success(request, _("Endpoint resumed.") if is_active else _("Endpoint paused."))
    return redirect("webhooks:endpoint", endpoint_id=endpoint.pk)


@login_required
@require_POST
def delivery_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    require(request.user, Action.MANAGE_WEBHOOKS)
    delivery = get_object_or_404(
        Delivery.objects.for_user(request.user).select_related("endpoint"), pk=delivery_id
    )
    services.redeliver(actor=request.user, delivery=delivery)
    messages.success(request, _("Delivery %(id)s queued again.") % {"id": delivery.pk})
    return redirect("webhooks:endpoint", endpoint_id=delivery.endpoint_id)
