"""Exceptions that services raise and every interface (page, API, CLI) turns into a message.

Framework-free: any module may import it.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Input a service refuses. ``errors`` maps a field name (or ``"__all__"``) to messages."""

    status_code = 422

    def __init__(self, errors: dict[str, list[str]] | str, *, field: str = "__all__") -> None:
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = errors
        super().__init__(
            "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        )

    @property
    def text(self) -> str:
        """Every message, without field names: what a page shows in one notice."""
        return " ".join(message for messages in self.errors.values() for message in messages)


class ConflictError(ServiceError):
    """The request clashes with the current state (a duplicate, a stale version)."""

    status_code = 409
