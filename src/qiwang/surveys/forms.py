"""Forms of the manager pages (the public answer page parses its POST in the view)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch
from qiwang.analysis import servqual
from qiwang.customers.choices import Tier
from qiwang.surveys.choices import FollowUpRule, InvitationChannel, QuestionKind, Template
from qiwang.surveys.models import InstrumentVersion
from qiwang.surveys.templates_data import INDICATOR_GROUPS

OPTION_VALUE = re.compile(r"[A-Za-z0-9_-]{1,40}")


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label=_("Template"), choices=Template.choices)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())
    allocation = forms.BooleanField(
        label=_("SERVQUAL: also ask for a 100-point allocation over the five dimensions"),
        help_text=_(
            "Each respondent shares 100 points among tangibles, reliability, responsiveness, "
            "assurance and empathy; the results then show the mean weights and the weighted "
            "SERVQUAL score."
        ),
        required=False,
    )

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


#: Dimensions and indicator groups offered while typing (any other code may be typed).
DIMENSION_SUGGESTIONS = (
    *servqual.DIMENSIONS,
    *INDICATOR_GROUPS,
)


def dimension_choices(questions: Any = ()) -> list[Any]:
    """The dimensions and groups a question can belong to, labelled in the reader's language
    and grouped: SERVQUAL dimensions, indicator groups, satisfaction-index variables, and any
    other code the instrument already uses (e.g. set through the API)."""
    from qiwang.surveys.presentation import DIMENSION_LABELS
    from qiwang.surveys.presentation_index import LATENT_LABELS

    english = translation.get_language() == "en"
    servqual_codes = [(c, f"{DIMENSION_LABELS.get(c, c)} ({c})") for c in servqual.DIMENSIONS]
    groups = [
        (code, f"{names[1] if english else names[0]} ({code})")
        for code, names in INDICATOR_GROUPS.items()
    ]
    latent = [(lv.lower(), f"{label} ({lv.lower()})") for lv, label in LATENT_LABELS.items()]
    known = {code for code, _label in [*servqual_codes, *groups, *latent]}
    used = sorted({q.dimension for q in questions if q.dimension} - known)
    choices: list[Any] = [
        ("", _("— none —")),
        (_("SERVQUAL dimension"), servqual_codes),
        (_("Indicator group"), groups),
        (_("Satisfaction-index variable"), latent),
    ]
    if used:
        choices.append((_("Used in this instrument"), [(code, code) for code in used]))
    return choices


def parse_options(text: str) -> list[list[str]]:
    """Options typed one per line as ``value | 中文 | English`` (English optional)."""
    options = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.replace("｜", "|").split("|")]
        if len(parts) < 2 or len(parts) > 3 or not parts[0] or not parts[1]:
            raise forms.ValidationError(
                _("Line %(n)s: write value | 中文 | English (the English label may be left out).")
                % {"n": number}
            )
        if not OPTION_VALUE.fullmatch(parts[0]):
            raise forms.ValidationError(
                _("Line %(n)s: the value “%(value)s” may hold letters, digits, - and _ only.")
                % {"n": number, "value": parts[0]}
            )
        options.append(parts if len(parts) == 3 else [*parts, ""])
    return options


class QuestionForm(forms.Form):
    """A new question for an instrument (checked again by ``services.clean_question``)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text_zh = forms.CharField(label=_("Question (Chinese)"), max_length=300)
    text_en = forms.CharField(label=_("Question (English)"), max_length=300, required=False)
    attribute = forms.CharField(
        label=_("Attribute key"),
        max_length=60,
        required=False,
        help_text=_(
            "The analysis key: answers are compared across waves and versions by this key, so "
            "keep it when you reword a question and give a new key to a new subject. Lower-case "
            "letters, digits and hyphens; left empty, it is made from the English wording."
        ),
    )
    dimension = forms.ChoiceField(
        label=_("Dimension or indicator group"),
        required=False,
        choices=(),
        help_text=_(
            "SERVQUAL items and 100-point allocation questions: the dimension code (tangibles, "
            "reliability, responsiveness, assurance, empathy). Ratings: an indicator group "
            "(core, support, emotional)."
        ),
    )
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    asks_importance = forms.BooleanField(
        label=_("Also ask how important it is (Kano pairs and ratings)"), required=False
    )
    options = forms.CharField(
        label=_("Options (choice questions)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "phone | 电话 | Phone"}),
        help_text=_("One option per line: value | 中文 | English."),
    )

    def __init__(self, *args, questions=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["dimension"].choices = dimension_choices(questions)

    def clean_options(self) -> list[list[str]]:
        return parse_options(self.cleaned_data.get("options") or "")
