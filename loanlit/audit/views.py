from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loanlit.audit import selectors, services
from loanlit.audit.forms import AccessLogFilterForm, AuditFilterForm
from loanlit.audit.models import AccessLog
from loanlit.core.errors import PermissionDeniedError

PAGE_SIZE = 50


def _denied(request: HttpRequest, error: PermissionDeniedError) -> PermissionDenied:
    services.access_log(
        user=request.user, action=AccessLog.Action.DENIED, request=request, detail={"reason": error.code}
    )
    return PermissionDenied(error.message)


@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    filters = selectors.AuditFilters(**{name: cleaned.get(name, "") for name in ("stream", "action", "actor")})
    try:
        entries = selectors.entry_list_for_user(user=request.user, filters=filters)
    except PermissionDeniedError as error:
        raise _denied(request, error)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/entry_list.html", {"form": form, "page": page, "query": _query_without_page(request)})


@require_GET
def access_log_list(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    filters = selectors.AccessLogFilters(**{name: cleaned.get(name, "") for name in ("action", "user")})
    try:
        rows = selectors.access_log_list_for_user(user=request.user, filters=filters)
    except PermissionDeniedError as error:
        raise _denied(request, error)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "audit/access_log_list.html", {"form": form, "page": page, "query": _query_without_page(request)}
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def archive_list(request: HttpRequest) -> HttpResponse:
    """The retention setting and the archives made (issue 10)."""
    try:
        overview = selectors.retention_overview_for_user(user=request.user)
        archives = selectors.archive_list_for_user(user=request.user)
    except PermissionDeniedError as error:
        raise _denied(request, error)
    page = Paginator(archives, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/archive_list.html", {"overview": overview, "page": page, "query": ""})
