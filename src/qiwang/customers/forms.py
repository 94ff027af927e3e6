from django import forms
from django.utils.translation import gettext_lazy as _

from qiwang.customers.choices import Tier


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
