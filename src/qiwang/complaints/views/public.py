"""The public complaint page: phone-first, no account, one link (and QR code) per residential
community or branch, rate-limited per address, an optional photo, protected against a double
submission (a key issued with the form: sending it twice shows the complaint already stored)."""

from __future__ import annotations

import io
import secrets

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from qiwang.accounts.limits import hit, parse_rate, rate_limited_response
from qiwang.accounts.models import Branch
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.security import client_ip
from qiwang.complaints.choices import Channel
from qiwang.complaints.models import Category
from qiwang.complaints.services.attachments import check_photo, store_photo
from qiwang.complaints.services.follow_up import (
    AlreadyAnswered,
    complaint_from_token,
    record_customer_answer,
)
from qiwang.complaints.services.intake import MAX_DESCRIPTION, DuplicateSubmission, open_complaint
from qiwang.errors import ServiceError

SALT = "qiwang.complaints.public"


def branch_token(branch: Branch) -> str:
    return signing.Signer(salt=SALT).sign(branch.code)


def branch_from_token(token: str) -> Branch:
    try:
        code = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        raise Http404 from None
    branch = Branch.objects.filter(code=code, is_active=True).first()
    if branch is None:
        raise Http404
    return branch


class PublicComplaintForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("What is it about?"), queryset=Category.objects.all(), empty_label=None
    )
    description = forms.CharField(
        label=gettext_lazy("What happened?"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    measured_temperature = forms.CharField(
        label=gettext_lazy("Room temperature you measured (°C), if it is about heating"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reporter_name = forms.CharField(
        label=gettext_lazy("Your name (optional)"), required=False, max_length=60
    )
    reporter_phone = forms.CharField(
        label=gettext_lazy("Your phone, so that we can call you back"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo (optional, JPEG, PNG or WebP, up to 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)


@never_cache
def public_form(request: HttpRequest, token: str) -> HttpResponse:
    branch = branch_from_token(token)
    if request.method == "POST":
        # Submissions per address (QIWANG_COMPLAINT_RATE), on top of the public-page limit.
        limit, period = parse_rate(settings.QIWANG_COMPLAINT_RATE)
        verdict = hit(f"complaint:{client_ip(request)}", limit=limit, period=period)
        if not verdict.allowed:
            return rate_limited_response(request, verdict.retry_after)
        form = PublicComplaintForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            key = f"public:{data['key']}"
            try:
                photo = request.FILES.get("photo")
                content = photo.read(5 * 1024 * 1024 + 1) if photo else b""
                content_type = check_photo(content) if photo else ""
                with transaction.atomic():
                    complaint = open_complaint(
                        branch=branch,
                        category=data["category"],
                        description=data["description"],
                        channel=Channel.PUBLIC_PAGE,
                        reporter_name=data["reporter_name"],
                        reporter_phone=data["reporter_phone"],
                        submission_key=key,
                        measured_temperature=data["measured_temperature"],
                    )
                    if photo:
                        store_photo(complaint, content, content_type)
            except DuplicateSubmission as duplicate:
                return render(
                    request,
                    "complaints/public/thanks.html",
                    {"branch": branch, "number": duplicate.complaint.pk, "again": True},
                )
            except ServiceError as error:
                for field, errors in error.errors.items():
                    form.add_error(field if field in form.fields else None, " ".join(errors))
            else:
                return render(
                    request,
                    "complaints/public/thanks.html",
                    {"branch": branch, "number": complaint.pk, "again": False},
                )
        status = 400
    else:
        form = PublicComplaintForm(initial={"key": secrets.token_urlsafe(16)})
        status = 200
    return render(
        request, "complaints/public/form.html", {"form": form, "branch": branch}, status=status
    )


@never_cache
def follow_up_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The one-question follow-up a closed complaint's customer reaches from the SMS link."""
    complaint = complaint_from_token(token)
    if complaint is None:
        raise Http404
    context = {"branch": complaint.branch, "complaint": complaint, "scores": range(1, 6)}
    if request.method != "POST":
        return render(request, "complaints/public/follow_up.html", context)
    limit, period = parse_rate(settings.QIWANG_COMPLAINT_RATE)
    verdict = hit(f"complaint-follow-up:{client_ip(request)}", limit=limit, period=period)
    if not verdict.allowed:
        return rate_limited_response(request, verdict.retry_after)
    try:
        record_customer_answer(complaint, score=request.POST.get("score", ""))
    except AlreadyAnswered as answered:
        context.update(answered=answered.score)
        return render(request, "complaints/public/follow_up.html", context, status=409)
    except ServiceError as error:
        context.update(error=error.text)
        return render(request, "complaints/public/follow_up.html", context, status=400)
    context.update(thanks=True)
    return render(request, "complaints/public/follow_up.html", context)


@login_required
def public_links(request: HttpRequest) -> HttpResponse:
    """Each branch's public complaint link and QR code, to post in the community."""
    require(request.user, Action.CHANGE_COMPLAINTS)
    branches = Branch.objects.for_user(request.user).active()
    rows = [
        {
            "branch": branch,
            "url": request.build_absolute_uri(
                reverse("complaints_public:form", args=[branch_token(branch)])
            ),
        }
        for branch in branches
    ]
    return render(request, "complaints/public_links.html", {"rows": rows})


@login_required
def public_qr(request: HttpRequest, branch_id: int) -> HttpResponse:
    require(request.user, Action.CHANGE_COMPLAINTS)
    branch = Branch.objects.for_user(request.user).filter(pk=branch_id).first()
    if branch is None:
        raise Http404
    link = request.build_absolute_uri(
        reverse("complaints_public:form", args=[branch_token(branch)])
    )
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=6, border=2, title=branch.name)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
