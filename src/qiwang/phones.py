"""Phone numbers: one rule for every path that stores one (pages, API, import, intake, demo,
and the users' own numbers in the admin).

Shared by every app (``qiwang.customers.phones`` re-exports it for the customer modules).

Numbers are stored in E.164 (``+8613812345678``), parsed and validated by ``phonenumbers``
(Google's libphonenumber metadata) with the region ``QIWANG_PHONE_REGION`` (default ``CN``)
for numbers written without a country code, and shown in the national format of that region
(``138 1234 5678``), or the international one for numbers from elsewhere. See ADR 0120.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

from qiwang.errors import ServiceError

__all__ = [
    "default_region",
    "display_phone",
    "is_e164",
    "mask_phone",
    "normalise_phone",
    "phone_digits",
    "try_normalise_phone",
]

MASK = "***"
#: What a person may type around the digits: spaces, dots, slashes, hyphens and brackets.
_ALLOWED = re.compile(r"^\+?[\d\s.\-/()（）]+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def default_region() -> str:
    """The region assumed for numbers without a country code (``QIWANG_PHONE_REGION``)."""
    return str(getattr(settings, "QIWANG_PHONE_REGION", "CN")).upper()


def is_e164(value: str) -> bool:
    """True when ``value`` has the stored shape: ``+``, a country code and up to 15 digits."""
    return bool(_E164.match(value))


def _parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    text = unicodedata.normalize("NFKC", raw).strip()  # full-width ＋８６ → +86
    if text.startswith("00"):
        text = "+" + text[2:]  # the international prefix dialled from most countries
    if not _ALLOWED.match(text) or sum(char.isdigit() for char in text) < 5:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def try_normalise_phone(raw: str, *, region: str | None = None) -> str | None:
    """The E.164 form of ``raw``, ``""`` for a blank value, None when it is not a number."""
    if raw is None or not str(raw).strip():
        return ""
    number = _parse(str(raw), region or default_region())
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone(raw: str, *, field: str = "phone", region: str | None = None) -> str:
    """The E.164 form of ``raw`` (``""`` when blank).

    Raises
    ------
    ServiceError
        For anything that is not a valid number of the region (or with a country code),
        naming ``field`` and the value.

    Examples
    --------
    >>> normalise_phone("138 0000 1111", region="CN")
    '+8613800001111'
    >>> normalise_phone("+86 138-0000-1111", region="CN")
    '+8613800001111'
    """
    value = try_normalise_phone(raw, region=region)
    if value is None:
        raise ServiceError(
            _(
                "%(value)s is not a valid phone number: write a mobile (13812345678), a landline "
                "with its area code (0571 8888 6666) or a number with its country code (+852 …)."
            )
            % {"value": str(raw).strip()[:40]},
            field=field,
        )
    return value


def _stored(value: str) -> phonenumbers.PhoneNumber | None:
    if not value or not is_e164(value):
        return None
    try:
        return phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None


def display_phone(value: str) -> str:
    """A stored number as people read it: national format at home, international abroad.

    Values stored before E.164 (not parseable) are shown as they are.
    """
    number = _stored(value)
    if number is None:
        return value
    region = phonenumbers.region_code_for_number(number)
    if region == default_region():
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_digits(value: str) -> list[str]:
    """The digit strings a search should find a number by: national and with country code."""
    number = _stored(value)
    if number is None:
        digits = "".join(char for char in value if char.isdigit())
        return [digits] if digits else []
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return [
        "".join(char for char in national if char.isdigit()),
        value.lstrip("+"),
    ]


def mask_phone(value: str) -> str:
    """``+8613812345678`` → ``138****5678``: enough to recognise, not enough to call.

    The first three and last four digits of the national number (two and two for numbers of
    eight digits or fewer); a number from another country keeps its country code in front
    (``+852 91****67``).
    """
    text = (value or "").strip()
    if not text:
        return ""
    number = _stored(text)
    prefix = ""
    if number is not None:
        national = display_phone(text)
        if phonenumbers.region_code_for_number(number) != default_region():
            prefix = f"+{number.country_code} "
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        text = "".join(char for char in national if char.isdigit())
    if len(text) < 7:
        return MASK
    if len(text) <= 8:
        return f"{prefix}{text[:2]}****{text[-2:]}"
    return f"{prefix}{text[:3]}****{text[-4:]}"
