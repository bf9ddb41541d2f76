"""One JSON error shape for every API failure, with translated messages.

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"field": ["…"]}}}

Domain errors keep their status (400, 403, 409) and code; a missing or out-of-scope object is 404 with the
same message; validation errors list each field's messages; throttling says when to retry.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from loanlit.core.errors import DomainError


def error_body(status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def error_response(status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> Response:
    return Response(error_body(status_code, code, message, fields), status=status_code)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"field.sub": [messages]}`` (``non_field_errors`` for the whole body)."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            out.update(_flatten(value, f"{prefix}{key}." if prefix or key else ""))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix.rstrip(".") or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten(item, f"{prefix}{index}."))
        return out
    out[prefix.rstrip(".") or "non_field_errors"] = [str(detail)]
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return error_response(exc.status_code, exc.code, exc.message)
    if isinstance(exc, DjangoValidationError):
        fields = (
            {key: [str(m) for m in msgs] for key, msgs in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": [str(m) for m in exc.messages]}
        )
        return error_response(400, "invalid", _("The request has errors."), fields)
    if isinstance(exc, Http404):
        return error_response(404, "not_found", _("Not found."))
    if isinstance(exc, PermissionDenied):
        return error_response(403, "permission_denied", _("You do not have permission to do this."))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(response.status_code, "invalid", _("The request has errors."), _flatten(exc.detail))
        return response
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        message = _("Too many requests: try again in %(seconds)s seconds.") % {"seconds": wait}
        response.data = error_body(status.HTTP_429_TOO_MANY_REQUESTS, "throttled", message)
        return response
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else _("The request has errors.")
        code = exc.get_codes() if not isinstance(detail, (dict, list)) else "invalid"
        response.data = error_body(response.status_code, str(code), message)
    return response
