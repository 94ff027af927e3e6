"""Writes of the complaints app: intake, handling, SLA, compensation, notifications."""
