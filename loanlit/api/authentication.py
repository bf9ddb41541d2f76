"""Who is calling: an API key (``Authorization: Bearer ll_…`` or ``X-API-Key``) or a signed-in browser session.

An API key acts as its service user, limited to the key's permission codes: ``user.api_key_codes`` is set on
the request's user object, and ``User.has_code`` answers no for any code outside it. Revoked, expired and
unknown keys get the same 401 (nothing tells a guesser which keys exist). A key of a disabled user fails too.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

KEY_PREFIX = "ll_"  # every key starts so: secret scanners and log filters can spot one
PREFIX_LENGTH = 12  # characters after KEY_PREFIX kept in clear (ApiKey.prefix) to find the row
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per key


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def split_key(raw: str) -> tuple[str, str] | None:
    """(prefix, full key) of a well-formed key, or ``None``."""
    raw = raw.strip()
    if not raw.startswith(KEY_PREFIX) or len(raw) < len(KEY_PREFIX) + PREFIX_LENGTH + 16 or len(raw) > 200:
        return None
    return raw[len(KEY_PREFIX) : len(KEY_PREFIX) + PREFIX_LENGTH], raw


def key_from_request(request: Any) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.META.get("HTTP_X_API_KEY") or None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        raw = key_from_request(request)
        if raw is None:
            return None
        from loanlit.api.models import ApiKey

        parts = split_key(raw)
        key = None
        if parts is not None:
            key = ApiKey.objects.select_related("user", "user__role", "user__unit").filter(prefix=parts[0]).first()
        if key is None or not hmac.compare_digest(key.key_hash, hash_secret(parts[1] if parts else raw)):
            raise exceptions.AuthenticationFailed(_("The API key is not valid."))
        now = timezone.now()
        if not key.is_usable(now) or not key.user.is_active:
            raise exceptions.AuthenticationFailed(_("The API key is not valid."))
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
            from loanlit.api.services.keys import api_key_touch

            api_key_touch(key=key, now=now)
        user = key.user
        user.api_key_codes = frozenset(key.permissions)  # type: ignore[attr-defined]
        user.api_key = key  # type: ignore[attr-defined]
        return user, key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session (the app's own pages calling the API); unsafe methods need the CSRF token."""


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for API keys (``Authorization: Bearer ll_…``; ``X-API-Key`` works too)."""

    target_class = "loanlit.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ll_<prefix><secret>",
            "description": "An API key from /integration/keys/; or send it as the X-API-Key header.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for the signed-in browser (the docs pages; unsafe methods need CSRF)."""

    target_class = "loanlit.api.authentication.SessionAuthentication"
    name = "Session"
    priority = -1

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
