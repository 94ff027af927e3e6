from django import forms
from django.utils.translation import gettext_lazy as _

from qiwang.customers.choices import Channel, Frequency, Industry, Language, Measure, Tier


class CustomerEditForm(forms.Form):
    """Shape checks only; the rules (branch, account manager, duplicates) live in services."""

    name = forms.CharField(label=_("Name"), max_length=120)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    wechat_openid = forms.CharField(
        label=_("WeChat openid"),
        max_length=64,
        required=False,
        help_text=_(
            "The customer's openid at your WeChat Official Account (given when they follow it); "
            "survey invitations and greetings can be sent to it."
        ),
    )
    wechat_openid_declined = forms.BooleanField(
        label=_("Do not collect the WeChat openid"),
        required=False,
        help_text=_(
            "The customer objected: their invitations never ask WeChat for the openid. Ticking "
            "it also clears the openid above."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of messages"),
        choices=Language.choices,
        help_text=_("Greetings and survey invitations are written to the customer in it."),
        required=False,  # not sent: the language stays as it is
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        if not cleaned.get("language"):
            cleaned.pop("language", None)
        return cleaned


class InteractionForm(forms.Form):
    """Logging a contact: how, which of the profile's topics, their measured answers, notes.

    ``topics`` are the customer's profile topics: each measured one adds a field
    ``answer_<code>`` (a yes / no, or a number with its unit) labelled with its question.
    """

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    topics = forms.MultipleChoiceField(
        label=_("Topics covered"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    is_anomaly = forms.BooleanField(label=_("Anomaly: escalate to my supervisor"), required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)

    def __init__(self, *args, topics=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.profile_topics = list(topics)
        self.fields["topics"].choices = [(topic.code, topic.name) for topic in self.profile_topics]
        self.answer_fields = []
        for topic in self.profile_topics:
            name = f"answer_{topic.code}"
            if topic.measure == Measure.YES_NO:
                self.fields[name] = forms.TypedChoiceField(
                    label=topic.prompt,
                    choices=[("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))],
                    coerce=lambda value: {"yes": True, "no": False}.get(value),
                    empty_value=None,
                    required=False,
                )
            elif topic.measure == Measure.NUMBER:
                label = f"{topic.prompt}（{topic.unit}）" if topic.unit else topic.prompt
                self.fields[name] = forms.DecimalField(
                    label=label,
                    min_value=topic.min_value,
                    max_value=topic.max_value,
                    decimal_places=2,
                    required=False,
                )
            else:
                continue
            self.answer_fields.append(name)
        # the free fields after the measurements
        for name in ("is_anomaly", "notes", "next_step"):
            self.fields[name] = self.fields.pop(name)

    def service_data(self) -> dict:
        """The cleaned form in the shape ``log_interaction`` takes."""
        data = {
            key: value for key, value in self.cleaned_data.items() if not key.startswith("answer_")
        }
        data["answers"] = {
            name.removeprefix("answer_"): self.cleaned_data.get(name)
            for name in self.answer_fields
            if self.cleaned_data.get(name) is not None
        }
        return data


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
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, topics=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(topic.code, topic.name) for topic in topics]


class TopicForm(forms.Form):
    """A contact topic of one profile (shape only; the rules are in ``save_topic``)."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Letters, digits, _ and -; fixed once the topic exists."),
    )
    label = forms.CharField(label=_("Name (Chinese)"), max_length=80)
    label_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    question = forms.CharField(label=_("Question (Chinese)"), max_length=200, required=False)
    question_en = forms.CharField(label=_("Question (English)"), max_length=200, required=False)
    measure = forms.ChoiceField(label=_("What to record"), choices=Measure.choices)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    min_value = forms.DecimalField(label=_("Smallest value"), required=False, decimal_places=2)
    max_value = forms.DecimalField(label=_("Largest value"), required=False, decimal_places=2)
    alert_below = forms.DecimalField(
        label=_("Anomaly below"),
        required=False,
        decimal_places=2,
        help_text=_("A number below this escalates the contact to the supervisor at once."),
    )
    alert_above = forms.DecimalField(label=_("Anomaly above"), required=False, decimal_places=2)
    alert_on_no = forms.BooleanField(label=_("Anomaly when the answer is no"), required=False)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999, initial=10)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class BranchIndustryForm(forms.Form):
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int)
    industry = forms.ChoiceField(label=_("Industry"), choices=Industry.choices)

    def __init__(self, *args, branches=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(branch.pk, branch.name) for branch in branches]
