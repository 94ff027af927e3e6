"""Outbound webhooks (出站回调): endpoints that hear about events of their branch, delivered
from an outbox by a background task. See docs/adr/0009-webhooks-outbox.md."""
