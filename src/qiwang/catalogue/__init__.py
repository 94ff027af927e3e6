"""The service catalogue: services by tier, commitments and their deliveries, publicity scope,
surprise plans and each customer's expectation per service (docs/catalogue.md)."""
