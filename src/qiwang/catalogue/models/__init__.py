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

__all__ = [
    "Commitment",
    "Delivery",
    "ExpectationState",
    "Observation",
    "PlannedSurprise",
    "Publication",
    "Service",
    "ServiceMeasurement",
    "SurprisePlan",
]
