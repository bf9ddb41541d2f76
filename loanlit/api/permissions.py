"""The permission check every API view runs after authentication (settings.REST_FRAMEWORK)."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request


class RequiresCode(permissions.BasePermission):
    """The view's ``required_code`` (or ``required_codes[action]``) must be granted: 403 otherwise.

    With an API key the code must also be one of the key's (``User.has_code`` checks both).
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        codes = getattr(view, "required_codes", None) or {}
        needed = codes.get(
            getattr(view, "action", None) or request.method.lower(), getattr(view, "required_code", None)
        )
        return needed is None or bool(request.user.has_code(needed))
