from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What the token is for, e.g. “BI export” or “WeChat mini-program”."),
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        required=False,
        min_value=1,
        help_text=_("Empty: the default lifetime. The token stops working after that."),
    )
    can_create_tokens = forms.BooleanField(
        label=_("This token may create further tokens"),
        required=False,
        help_text=_("Leave it off unless a script has to issue tokens itself."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        days.widget.attrs["placeholder"] = str(settings.QIWANG_API_TOKEN_DAYS)
        longest = settings.QIWANG_API_TOKEN_MAX_DAYS or 3650
        days.validators.append(MaxValueValidator(longest))
        days.widget.attrs["max"] = str(longest)


class QiwangPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, new password twice, the validators in settings)."""
