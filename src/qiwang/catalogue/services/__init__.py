"""Writes on the catalogue: validate (naming field and value), one transaction, audit."""

from qiwang.catalogue.services.catalogue import (
    add_commitment,
    create_service,
    eligible_customers,
    update_service,
)
from qiwang.catalogue.services.deliveries import MAX_ITEMS, record_deliveries, record_delivery
from qiwang.catalogue.services.measurements import record_measurements, record_observations
from qiwang.catalogue.services.publications import create_publication

__all__ = [
    "MAX_ITEMS",
    "add_commitment",
    "create_publication",
    "create_service",
    "eligible_customers",
    "record_deliveries",
    "record_delivery",
    "record_measurements",
    "record_observations",
    "update_service",
]
