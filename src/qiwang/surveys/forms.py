"""Forms of the manager pages (the public answer page parses its POST in the view)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.customers.choices import Tier
from qiwang.surveys.choices import FollowUpRule, InvitationChannel, Template
from qiwang.surveys.models import InstrumentVersion


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("Template"), choices=Template.choices)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())

    def __init__(self, *args, user, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.for_user(user).order_by("code")


class WaveForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    version = forms.ModelChoiceField(
        label=_("Instrument"), queryset=InstrumentVersion.objects.none()
    )
    branch = forms.ModelChoiceField(label=_("Customers of branch"), queryset=Branch.objects.none())
    sample_tiers = forms.MultipleChoiceField(
        label=_("Only these tiers"),
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sample_tags = forms.CharField(
        label=_("Only customers with one of these tags"),
        required=False,
        help_text=_("Separate tags with commas."),
    )
    sample_size = forms.IntegerField(
        label=_("Random sample size"), min_value=1, required=False, help_text=_("Empty: everyone.")
    )
    sample_seed = forms.IntegerField(label=_("Random seed"), min_value=1, initial=1)
    contact_gap_days = forms.IntegerField(
        label=_("Survey one customer at most once in (days)"), min_value=0, initial=30
    )
    channel = forms.ChoiceField(label=_("Send by"), choices=InvitationChannel.choices)
    allows_open_link = forms.BooleanField(
        label=_("Also offer an anonymous open link (QR code)"), required=False
    )
    follow_up_rule = forms.ChoiceField(
        label=_("Follow up with the account manager when"),
        choices=FollowUpRule.choices,
        required=False,
    )
    follow_up_threshold = forms.IntegerField(
        label=_("Rating threshold (at or below)"),
        min_value=1,
        max_value=6,
        initial=2,
        required=False,
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, user, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        branches = Branch.objects.for_user(user)
        self.fields["branch"].queryset = branches.order_by("code")
        versions = (
            InstrumentVersion.objects.filter(instrument__branch__in=branches)
            .select_related("instrument")
            .order_by("instrument__name", "-number")
        )
        latest: dict[int, InstrumentVersion] = {}
        for version in versions:
            latest.setdefault(version.instrument_id, version)
        self.fields["version"].queryset = InstrumentVersion.objects.filter(
            pk__in=[v.pk for v in latest.values()]
        ).select_related("instrument")
        self.fields["version"].label_from_instance = lambda v: f"{v.instrument.name} (v{v.number})"
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.initial.setdefault("opens_at", now.strftime("%Y-%m-%dT%H:%M"))
        closes = now + datetime.timedelta(days=14)
        self.initial.setdefault("closes_at", closes.strftime("%Y-%m-%dT%H:%M"))

    def clean_sample_tags(self) -> list[str]:
        raw = self.cleaned_data.get("sample_tags") or ""
        return [tag.strip() for tag in raw.replace("，", ",").split(",") if tag.strip()]
