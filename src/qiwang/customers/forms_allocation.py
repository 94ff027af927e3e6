"""The shortage-allocation form: product, available quantity, cash flow, and the requests."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AllocationForm(forms.Form):
    branch = forms.TypedChoiceField(label=_("Branch"), coerce=int)
    product = forms.CharField(
        label=_("Product"),
        max_length=120,
        widget=forms.TextInput(attrs={"list": "product-names", "autocomplete": "off"}),
        help_text=_("Pick a product allocated before or type a new name."),
    )
    available = forms.IntegerField(label=_("Available quantity"), min_value=0)
    is_cash_tight = forms.BooleanField(
        label=_("Our cash flow is tight (serve high-quality customers first)"), required=False
    )
    requests = forms.CharField(
        label=_("Requests"),
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "C00001 120\nC00002 80"}),
        help_text=_(
            "One line per customer: the customer number and the quantity requested "
            "(the search above adds the lines for you)."
        ),
    )

    def __init__(self, *args, branches=(), products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].choices = [(branch.pk, branch.name) for branch in branches]
        #: earlier products of the user's branches, offered by the product field's datalist
        self.products = list(products)

    def clean_requests(self) -> list[tuple[str, int]]:
        """``[(customer number, quantity)]``; each bad line is named by its number."""
        parsed: list[tuple[str, int]] = []
        errors: list[str] = []
        for number, line in enumerate(self.cleaned_data["requests"].splitlines(), start=1):
            parts = line.replace(",", " ").replace("，", " ").replace("\t", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit():
                errors.append(
                    gettext(
                        "Line %(line)d (%(text)s): write the customer number and a whole "
                        "quantity, e.g. C00001 120."
                    )
                    % {"line": number, "text": line.strip()[:40]}
                )
                continue
            parsed.append((parts[0], int(parts[1])))
        if errors:
            raise forms.ValidationError(errors)
        if not parsed:
            raise forms.ValidationError(gettext("Enter at least one customer's request."))
        return parsed
