"""Request context for logs and metrics: a request id (X-Request-ID in and out), the user, the latency."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from loanlit.ops import metrics
from loanlit.ops.context import REQUEST_ID_HEADER, request_id_from
from loanlit.ops.logs import request_id_var, request_var

access_logger = logging.getLogger("loanlit.access")

# Probes and scrapes arrive every few seconds; one access line each would drown the log.
QUIET_ROUTES = frozenset({"ops:healthz", "ops:readyz", "ops:metrics", metrics.STATIC_ROUTE})


def route_name(request: HttpRequest) -> str:
    """The resolver's view name (``cases:case_detail``), never the raw path, so the metric's labels stay few."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return str(match.view_name)
    if settings.STATIC_URL and request.path.startswith(str(settings.STATIC_URL)):
        return metrics.STATIC_ROUTE
    return metrics.UNMATCHED_ROUTE


class RequestContextMiddleware:
    """First in MIDDLEWARE: everything below it, including authentication, logs with the request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = request_id_var.set(request_id)
        request_token = request_var.set(request)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[REQUEST_ID_HEADER] = request_id
            return response
        finally:
            elapsed = time.perf_counter() - started
            route = route_name(request)
            metrics.observe_request(method=request.method or "", route=route, status=status, seconds=elapsed)
            if route not in QUIET_ROUTES:
                # The path without its query string: a search term may be a name or an ID number.
                access_logger.info("%s %s %s %s %.0f ms", request.method, request.path, route, status, elapsed * 1000)
            request_var.reset(request_token)
            request_id_var.reset(id_token)
