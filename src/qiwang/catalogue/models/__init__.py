"""Services, commitments, measurements, deliveries, publications, surprise plans and
per-customer expectations."""

from qiwang.catalogue.models.delivery import (
    Delivery,
    ExpectationState,
    Observation,
    PlannedSurprise,
    Publication,
    SurprisePlan,
)
from qiwang.catalogue.models.service import Commitment, Service, ServiceMeasurement
from qiwang.catalogue.models.tally import DeliveryTally

__all__ = [
    "Commitment",
    "Delivery",
    "DeliveryTally",
    "ExpectationState",
    "Observation",
    "PlannedSurprise",
    "Publication",
    "Service",
    "ServiceMeasurement",
    "SurprisePlan",
]
