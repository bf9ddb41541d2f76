"""Starting an export and recording it: the xlsx job, the refusal above the row limit, the access log.

CSV is streamed by the view (no job); xlsx is a job of kind ``exports.xlsx`` that the worker runs for
the user who asked, with that user's scope and masking at run time.

An unmasked export is a bulk export of personal data: when an internal approval policy of that kind applies
(its threshold is the number of rows), ``export_request_or_start`` asks the approvers instead of starting the
job, and the approved request's executor (``export_execute_approved``, registered in ``ImportsConfig.ready``)
queues it for the requester. Until then the user's exports are masked (CSV, and any job without the approved
request).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from loanlit import audit
from loanlit.cases.selectors import CaseFilters
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.imports.exports import columns as cols
from loanlit.imports.exports import selectors
from loanlit.imports.exports.filters import filters_for_log, filters_to_job_params
from loanlit.jobs.models import Job
from loanlit.jobs.services import job_enqueue
from loanlit.workflow.models.decisions import DecisionKind, DecisionRequest
from loanlit.workflow.services import decisions

EXPORT_CODE: Final = "cases.export"
XLSX_JOB_KIND: Final = "exports.xlsx"
CSV: Final = "csv"
XLSX: Final = "xlsx"
# Above this many rows only CSV: an xlsx sheet ends at 1,048,576 rows and Excel struggles long before.
# Module-level so tests can lower it.
XLSX_ROW_LIMIT = 1_000_000


class ExportTooLarge(DomainError):
    """More rows than an xlsx export may hold; the message offers CSV."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            _(
                "This export has more than %(limit)s rows, too many for an Excel file. "
                "Download it as CSV instead, or narrow the filters."
            )
            % {"limit": f"{limit:,}"},
            code="export_too_large",
            params={"limit": limit},
        )


def may_export(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_code(EXPORT_CODE))


def require_export(user: Any) -> None:
    if not may_export(user):
        raise PermissionDeniedError(_("You may not export case lists."), code="permission_denied")


def require_kind(kind: str) -> None:
    if kind not in cols.KIND_COLUMNS:
        raise DomainError(_("There is no export of this kind."), code="unknown_export")


def export_file_name(kind: str, extension: str) -> str:
    """E.g. "litigation-ledger-2026-12-03.xlsx" (translated stem, the local date)."""
    stem = (
        pgettext("export file name", "litigation-ledger")
        if kind == cols.LEDGER
        else pgettext("export file name", "cases")
    )
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"


def export_start(*, actor: Any, kind: str, filters: CaseFilters, format: str = XLSX) -> Job:
    """Queue the xlsx export of the case list ``actor`` sees with ``filters``; refused above the row limit.

    Only xlsx is a job: CSV is streamed straight to the browser by the view.
    """
    require_export(actor)
    require_kind(kind)
    if format != XLSX:
        raise DomainError(_("Only Excel exports run in the background."), code="invalid_format")
    _rows, too_many = selectors.export_count_capped(user=actor, filters=filters, cap=XLSX_ROW_LIMIT)
    if too_many:
        raise ExportTooLarge(XLSX_ROW_LIMIT)
    return job_enqueue(kind=XLSX_JOB_KIND, params={"kind": kind, **filters_to_job_params(filters)}, actor=actor)


def personal_data_policy_creditor(user: Any, rows: int) -> Any:
    """The first of the user's creditors for which exporting ``rows`` unmasked rows needs approval, or None."""
    from loanlit.accounts.selectors import creditor_ids_for
    from loanlit.core.models import Creditor

    if not selectors.may_unmask(user):
        return None
    for creditor_id in creditor_ids_for(user):
        policy = decisions.policy_for(
            kind=DecisionKind.PERSONAL_DATA_EXPORT, creditor=creditor_id, amount=Decimal(rows)
        )
        if policy is not None:
            return Creditor.objects.get(pk=creditor_id)
    return None


def may_reveal(user: Any, *, rows: int, approved_request: Any = None) -> bool:
    """Whether an export of ``rows`` rows for ``user`` shows personal data unmasked: the permission, and an
    approved request of the user's when a personal-data-export policy applies."""
    if not selectors.may_unmask(user):
        return False
    if personal_data_policy_creditor(user, rows) is None:
        return True
    return bool(
        approved_request
        and DecisionRequest.objects.filter(
            pk=approved_request,
            kind=DecisionKind.PERSONAL_DATA_EXPORT,
            state=DecisionRequest.State.APPROVED,
            requested_by_id=user.pk,
        ).exists()
    )


def export_request_or_start(
    *, actor: Any, kind: str, filters: CaseFilters, reason: str = ""
) -> tuple[DecisionRequest | None, Job | None]:
    """Start the xlsx export, or — unmasked above a personal-data-export policy's threshold — ask for approval
    first: ``(request, None)``; the job is queued for ``actor`` once the approvers agree."""
    require_export(actor)
    require_kind(kind)
    rows, too_many = selectors.export_count_capped(user=actor, filters=filters, cap=XLSX_ROW_LIMIT)
    if too_many:
        raise ExportTooLarge(XLSX_ROW_LIMIT)
    creditor = personal_data_policy_creditor(actor, rows)
    if creditor is None:
        return None, export_start(actor=actor, kind=kind, filters=filters, format=XLSX)
    request, _result = decisions.decision_run_or_request(
        actor=actor,
        kind=DecisionKind.PERSONAL_DATA_EXPORT,
        case=None,
        amount=None,
        creditor=creditor,
        threshold=Decimal(rows),
        payload={"kind": kind, "rows": rows, "job_params": filters_to_job_params(filters)},
        summary=_("Excel export with personal data unmasked: %(rows)s rows") % {"rows": rows},
        reason=reason,
    )
    return request, None


def export_execute_approved(*, actor: Any, request: Any, case: Any, payload: dict[str, Any]) -> dict[str, Any]:
    """The executor of an approved personal-data export: queue the xlsx job for the requester (``actor``)."""
    require_export(actor)
    kind = str(payload.get("kind", ""))
    require_kind(kind)
    params = {"kind": kind, **dict(payload.get("job_params") or {})}
    if request is not None:
        params["approved_request"] = request.pk
    job = job_enqueue(kind=XLSX_JOB_KIND, params=params, actor=actor)
    return {"job_id": job.pk}


def connect() -> None:
    """Register the executor of approved personal-data exports (called from ``ImportsConfig.ready``)."""
    decisions.register_action(DecisionKind.PERSONAL_DATA_EXPORT, execute=export_execute_approved)


def export_log(
    *,
    user: Any,
    kind: str,
    format: str,
    filters: CaseFilters,
    rows: int,
    unmasked: bool,
    completed: bool = True,
    request: Any = None,
    target: Any = None,
) -> None:
    """Record an export in the access log: what, with which filters, how many rows, masked or not."""
    audit.access_log(
        user=user,
        action=audit.AccessAction.EXPORT,
        target=target,
        request=request,
        detail={
            "kind": kind,
            "format": format,
            "filters": filters_for_log(filters),
            "rows": rows,
            "unmasked": unmasked,
            "completed": completed,
        },
    )
