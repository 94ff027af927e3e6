from django import forms
from django.utils.translation import gettext_lazy as _

from qiwang.customers.choices import Channel, Frequency, Tier, Topic


class CustomerEditForm(forms.Form):
    """Shape checks only; the rules (branch, account manager, duplicates) live in services."""

    name = forms.CharField(label=_("Name"), max_length=120)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class InteractionForm(forms.Form):
    """Logging a contact: how, which topics, the answers on timeliness and pass rate, notes."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    topics = forms.MultipleChoiceField(
        label=_("Topics covered"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    supply_on_time = forms.TypedChoiceField(
        label=_("Was our supply on time?"),
        choices=[("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
        required=False,
    )
    pass_rate = forms.DecimalField(
        label=_("Inspection pass rate (%)"),
        min_value=0,
        max_value=100,
        decimal_places=1,
        required=False,
    )
    is_anomaly = forms.BooleanField(label=_("Anomaly: escalate to my supervisor"), required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)


WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


class PlanForm(forms.Form):
    """A tier's maintenance plan (shape only; the rules are in ``update_plan``)."""

    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    weekdays = forms.MultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("For plans on set weekdays."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    topics = forms.MultipleChoiceField(
        label=_("Topics to cover"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)
