from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024


def public(view: Callable) -> Callable:
    """Mark a view as reachable without signing in (everything else requires a login)."""
    return login_not_required(view)


# Error codes of the API's JSON error shape (loanlit/api/errors.py) for the answers Django gives itself.
_API_ERROR_CODES = {400: "bad_request", 403: "permission_denied", 404: "not_found", 413: "too_large", 500: "error"}


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, message: str) -> HttpResponse:
    body = {"error": {"status": status, "code": _API_ERROR_CODES.get(status, "error"), "message": message}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if _wants_json(request):  # an API client gets the API's JSON error shape, never an HTML page
        return _json_error(status, message)
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def upload_too_large(request: HttpRequest, limit_bytes: int) -> HttpResponse:
    """413 for a request body over the limit; the body was never stored, so nothing was saved."""
    limit_mb = max(1, limit_bytes // MEGABYTE)
    return _error(
        request,
        413,
        _("File too large"),
        _("The file is larger than the %(limit)d MB limit. Nothing was saved.") % {"limit": limit_mb},
    )


@login_not_required
def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django answers an oversized body (RequestDataTooBig, a SuspiciousOperation) with 400; it is a 413.
    if isinstance(exception, RequestDataTooBig):
        return upload_too_large(request, getattr(exception, "limit_bytes", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    return _error(request, 400, _("Bad request"), _("The request could not be understood. Nothing was changed."))


@login_not_required
def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("Not allowed"), _("You do not have permission to do this. Nothing was changed."))


@login_not_required
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("Not found"), _("This page does not exist or is outside your scope."))


@login_not_required
def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context processors: whatever failed (the database, a context
    # processor) must not fail the error page too.
    if _wants_json(request):
        return _json_error(500, _("An unexpected error occurred. It has been logged; please try again."))
    context = {
        "status": 500,
        "title": _("Something went wrong"),
        "message": _("An unexpected error occurred. It has been logged; please try again."),
    }
    return HttpResponse(loader.get_template("error.html").render(context), status=500)


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the usual cause is a form left open past the session, so say how to recover."""
    logger.info("CSRF failure on %s: %s", request.path, reason)
    return _error(
        request,
        403,
        _("The form has expired"),
        _(
            "This form was open too long or was sent from another page, so it was refused for your safety. "
            "Reload the page and send it again. Nothing was saved."
        ),
    )


@require_GET
def watermark_svg(request: HttpRequest) -> HttpResponse:
    """The signed-in user's watermark tile (name, staff no., time) that base.html lays over every page."""
    from loanlit.core.watermark import page_svg

    response = HttpResponse(page_svg(request.user), content_type="image/svg+xml; charset=utf-8")
    # Never reused: the tile names the person and the minute it was drawn.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
