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

    def renamed(self, names: dict[str, str]) -> ServiceError:
        """The same refusal (a conflict stays a conflict) with fields renamed as an interface
        names them: an API field ``account_manager_id`` for the model's ``account_manager``."""
        errors = {names.get(name, name): list(messages) for name, messages in self.errors.items()}
        return (ConflictError if isinstance(self, ConflictError) else ServiceError)(errors)

    @property
    def text(self) -> str:
        """Every message, without field names: what a page shows in one notice."""
        return " ".join(message for messages in self.errors.values() for message in messages)


class ConflictError(ServiceError):
    """The request clashes with the current state (a duplicate, a stale version)."""

    status_code = 409
