"""Phone numbers of customers and contacts: the shared rule of :mod:`qiwang.phones`, kept under
this name for the customer modules that import it."""

from qiwang.phones import (
    MASK,
    default_region,
    display_phone,
    is_e164,
    mask_phone,
    normalise_phone,
    phone_digits,
    try_normalise_phone,
)

__all__ = [
    "MASK",
    "default_region",
    "display_phone",
    "is_e164",
    "mask_phone",
    "normalise_phone",
    "phone_digits",
    "try_normalise_phone",
]
