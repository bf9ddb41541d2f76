"""Health checks, Prometheus metrics and the system status page."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from loanlit import audit
from loanlit.core.errors import PermissionDeniedError
from loanlit.core.views import public
from loanlit.ops import health, metrics, selectors


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Touches nothing else (no database), so a slow database does not get
    healthy processes restarted."""
    return JsonResponse({"status": health.OK})


@public
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when the database, storage, worker heartbeat and (when configured) Redis are fine, else 503."""
    ready, body = health.readiness()
    return JsonResponse(body, status=200 if ready else 503)


def _token_accepted(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(token).encode())


@public
@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition; with LOANLIT_METRICS_TOKEN set, only for ``Authorization: Bearer <token>``."""
    if not _token_accepted(request):
        return HttpResponse(b"forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


@never_cache
@require_GET
def system_status(request: HttpRequest) -> HttpResponse:
    try:
        status = selectors.system_status_for_user(user=request.user)
    except PermissionDeniedError as error:
        audit.access_log(
            user=request.user, action=audit.AccessAction.DENIED, request=request, detail={"reason": error.code}
        )
        raise PermissionDenied(error.message) from None
    return render(request, "ops/system_status.html", {"status": status})
