"""Domain errors: each carries a translated, user-facing message."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the change. The message is already translated (gettext)."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", params: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params or {}


class StaleVersionError(DomainError):
    """Somebody else changed the record since the form was loaded (optimistic versioning, 409)."""

    status_code = 409


class PermissionDeniedError(DomainError):
    status_code = 403
