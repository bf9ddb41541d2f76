"""Export views: CSV streamed to the browser, xlsx started as a job (then downloaded from the job page).

Both read the case list's own query string, so the export holds exactly the rows the list shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loanlit import audit
from loanlit.accounts.reauth import require_recent_auth
from loanlit.core.downloads import content_disposition
from loanlit.core.errors import DomainError
from loanlit.imports.exports import columns as cols
from loanlit.imports.exports import selectors, services
from loanlit.imports.exports.filters import filters_from_query
from loanlit.imports.exports.writers import csv_chunks


class _PathOnly:
    """The request as the access log sees it, without the query string: a search for an ID number or a
    mobile must not reach the log in clear (the filters are logged masked in the entry's detail)."""

    def __init__(self, request: HttpRequest) -> None:
        self.META = request.META
        self.method = request.method
        self.path = request.path

    def get_full_path(self) -> str:
        return self.path


def _checked_kind(request: HttpRequest, kind: str) -> str:
    """404 for an unknown kind; 403 (logged as denied) without ``cases.export``."""
    if kind not in cols.KIND_COLUMNS:
        raise Http404(kind)
    if not services.may_export(request.user):
        audit.access_log(
            user=request.user,
            action=audit.AccessAction.DENIED,
            request=_PathOnly(request),  # type: ignore[arg-type]
            detail={"reason": services.EXPORT_CODE},
        )
        raise PermissionDenied(services.EXPORT_CODE)
    return kind


def _with_query(url: str, request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


def _csv_reveals(user: Any, filters: Any) -> bool:
    """A CSV is never held for approval: above a personal-data-export policy's threshold it is masked (the
    unmasked file is the approved xlsx export)."""
    if not selectors.may_unmask(user):
        return False
    rows, _too_many = selectors.export_count_capped(user=user, filters=filters, cap=services.XLSX_ROW_LIMIT)
    return services.may_reveal(user, rows=rows)


@require_GET
@require_recent_auth
def export_csv(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    """The case list (or the ledger) as CSV, streamed; access-logged with the row count when done."""
    kind = _checked_kind(request, kind)
    user = request.user
    filters = filters_from_query(user, request.GET)
    columns = cols.columns_for(kind)
    unmask = _csv_reveals(user, filters)
    language = translation.get_language()
    logged_request = _PathOnly(request)

    def finished(rows: int, completed: bool) -> None:
        services.export_log(
            user=user,
            kind=kind,
            format=services.CSV,
            filters=filters,
            rows=rows,
            unmasked=unmask,
            completed=completed,
            request=logged_request,
        )

    def body() -> Iterator[bytes]:
        # The body is produced after the view returns: keep the request's language for headers and labels.
        with translation.override(language):
            rows = selectors.export_rows(user=user, kind=kind, filters=filters, reveal=unmask)
            yield from csv_chunks(columns, rows, on_finish=finished)

    response = StreamingHttpResponse(body(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(services.export_file_name(kind, "csv"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@require_recent_auth
def export_xlsx(request: HttpRequest, kind: str) -> HttpResponse:
    """Start the xlsx job for the list's current filters (the query string) and go to its progress page."""
    kind = _checked_kind(request, kind)
    filters = filters_from_query(request.user, request.GET)
    try:
        decision, job = services.export_request_or_start(actor=request.user, kind=kind, filters=filters)
    except services.ExportTooLarge as error:
        context = {
            "message": error.message,
            "kind_label": cols.KIND_LABELS[kind],
            "csv_url": _with_query(reverse("imports:export_csv", kwargs={"kind": kind}), request),
            "list_url": _with_query(reverse("cases:case_list"), request),
        }
        return render(request, "imports/exports/export_refused.html", context, status=error.status_code)
    except DomainError as error:  # e.g. nobody may approve the unmasked export
        messages.error(request, error.message)
        return redirect(_with_query(reverse("cases:case_list"), request))
    if decision is not None:
        messages.success(
            request,
            _("An export with personal data unmasked needs internal approval: the request was sent to the approvers."),
        )
        return redirect(reverse("workflow:decision_detail", args=[decision.pk]))
    assert job is not None
    messages.success(request, _("The export has started. Download the file here when it is ready."))
    return redirect(job.get_absolute_url())
