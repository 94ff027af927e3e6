from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import Branch, User
from qiwang.webhooks.choices import SUBSCRIBABLE


class EndpointForm(forms.Form):
    """Fields of a new endpoint; the rules are in ``services.create_endpoint``."""

    name = forms.CharField(label=_("Name"), max_length=100)
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        queryset=Branch.objects.none(),
        help_text=_("The endpoint hears about events of this branch and the branches below it."),
    )
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Qiwang POSTs JSON here, signed with the secret shown once after saving."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(event.value, f"{event.label} ({event.value})") for event in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.for_user(user).active()  # type: ignore[attr-defined]
