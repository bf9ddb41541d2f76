"""One JSON error shape for every API failure, with translated messages.

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"field": ["…"]}}}

Domain errors keep their status (400, 403, 409) and code; a missing or out-of-scope object is 404 with the
same message; validation errors list each field's messages; malformed JSON is 400 ``parse_error``; an
unsupported body type 415; throttling says when to retry (``Retry-After``); an unexpected error is a 500 in
the same shape (logged with its traceback), never an HTML page. Messages follow the request's language
(``LocaleMiddleware``: the language cookie or ``Accept-Language``).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from loanlit.core.errors import DomainError

logger = logging.getLogger("loanlit.api")


def error_body(status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def error_response(status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> Response:
    set_rollback()
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
        # Not an API exception: a bug. Logged with its traceback; the client gets the same JSON shape.
        view = context.get("view")
        logger.exception("Unhandled error in %s", type(view).__name__ if view is not None else "an API view")
        return error_response(500, "server_error", _("Something went wrong on our side. Please try again later."))
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(response.status_code, "invalid", _("The request has errors."), _flatten(exc.detail))
        return response
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        response["Retry-After"] = str(wait)
        message = _("Too many requests: try again in %(seconds)s seconds.") % {"seconds": wait}
        response.data = error_body(status.HTTP_429_TOO_MANY_REQUESTS, "throttled", message)
        return response
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else _("The request has errors.")
        code = exc.get_codes() if not isinstance(detail, (dict, list)) else "invalid"
        response.data = error_body(response.status_code, str(code), message)
    return response


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other path under /api/: 404 in the API's shape (not the site's HTML page)."""
    return JsonResponse(error_body(404, "not_found", _("Not found.")), status=404)


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(help_text="A stable machine-readable code: invalid, not_found, stale_version …")
    message = serializers.CharField(help_text="A translated message for people (Accept-Language).")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation messages per field (dotted paths for nested fields).",
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of every API failure."""

    error = ErrorDetailSerializer()
