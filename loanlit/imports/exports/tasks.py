"""The xlsx export job (kind ``exports.xlsx``): rows of the user who asked, written in constant memory.

Imported by ``loanlit/imports/tasks.py`` so that the jobs registry discovers it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any, Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit.cases.selectors import CaseFilters
from loanlit.core.crypto import DecryptionError
from loanlit.core.errors import DomainError
from loanlit.core.watermark import watermark_text
from loanlit.imports.exports import columns as cols
from loanlit.imports.exports import selectors, services
from loanlit.imports.exports.filters import filters_from_job_params
from loanlit.imports.exports.writers import write_xlsx
from loanlit.jobs.context import JobContext
from loanlit.jobs.models import Job
from loanlit.jobs.registry import job_handler

PROGRESS_EVERY: Final = 200


def _limited(rows: Iterable[list[Any]], limit: int) -> Iterator[list[Any]]:
    """Refuse (rather than cut short) when rows were added after the count and pass the limit."""
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise services.ExportTooLarge(limit)
        yield row


@job_handler(services.XLSX_JOB_KIND, label=gettext_lazy("Export to Excel"), owner_only_result=True)
def export_xlsx(job: JobContext) -> dict[str, Any]:
    owner = Job.objects.select_related("created_by").get(pk=job.job_id).created_by
    if owner is None or not services.may_export(owner):
        raise DomainError(_("You may not export case lists."), code="permission_denied")
    kind = str(job.params.get("kind", ""))
    services.require_kind(kind)
    try:
        filters: CaseFilters = filters_from_job_params(job.params)
    except (TypeError, ValueError, DecryptionError):
        raise DomainError(_("The export parameters are not valid."), code="invalid_params") from None
    limit = services.XLSX_ROW_LIMIT
    total, too_many = selectors.export_count_capped(user=owner, filters=filters, cap=limit)
    if too_many:
        raise services.ExportTooLarge(limit)
    columns = cols.columns_for(kind)
    # Unmasked only with the permission and, when a personal-data-export policy applies, its approval.
    unmask = services.may_reveal(owner, rows=total, approved_request=job.params.get("approved_request"))
    job.set_progress(0, total, _("Exporting"))

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            job.check_cancelled()
            job.set_progress(
                done, max(total, done), _("Exported %(done)s of %(total)s rows") % {"done": done, "total": total}
            )

    name = services.export_file_name(kind, "xlsx")
    with tempfile.TemporaryDirectory(prefix="loanlit-export-") as folder:
        path = os.path.join(folder, name)
        rows = selectors.export_rows(user=owner, kind=kind, filters=filters, reveal=unmask)
        written = write_xlsx(
            path,
            title=str(cols.KIND_LABELS[kind]),
            columns=columns,
            rows=_limited(rows, limit),
            on_row=progress,
            watermark=watermark_text(owner),
        )
        job.check_cancelled()
        with open(path, "rb") as handle:
            job.save_result_file(name, handle)
    job.set_progress(written, written, _("Exported %(done)s rows") % {"done": written})
    services.export_log(
        user=owner,
        kind=kind,
        format=services.XLSX,
        filters=filters,
        rows=written,
        unmasked=unmask,
        target=Job.objects.get(pk=job.job_id),
    )
    return {"kind": kind, "format": services.XLSX, "rows": written}
