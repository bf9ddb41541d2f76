"""Background jobs of a batch: screening, filing packs, a court's package and the court list write-back.

Each runs as the user who queued it (the job's owner), who must still see the batch. Progress is
reported per item; a case whose pack fails is recorded on its item and as a job row error, and the job
goes on.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any, Final

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit import audit
from loanlit.batches import selectors, services
from loanlit.batches.models import Batch, BatchItem
from loanlit.batches.services import packs, writeback
from loanlit.cases.models import Court
from loanlit.core.errors import DomainError
from loanlit.core.watermark import watermark_text
from loanlit.jobs.context import JobContext
from loanlit.jobs.models import Job
from loanlit.jobs.registry import job_handler

SCREEN: Final = "batches.screen"
PACKS: Final = "batches.packs"
PACKAGE: Final = "batches.court_package"
WRITE_BACK: Final = "batches.write_back"
UPLOAD_PREFIX: Final = "batches/uploads/"


def _owner_and_batch(job: JobContext) -> tuple[Any, Batch]:
    owner = Job.objects.select_related("created_by").get(pk=job.job_id).created_by
    batch = selectors.batches_visible_to(owner).filter(pk=job.params.get("batch")).first() if owner else None
    if owner is None or batch is None or not selectors.may_run_batches(owner):
        raise DomainError(_("The batch is not available to you."), code="permission_denied")
    return owner, batch


def _progress(job: JobContext, message: str):  # type: ignore[no-untyped-def]
    def report(done: int, total: int) -> None:
        job.check_cancelled()
        job.set_progress(done, total, message % {"done": done, "total": total})

    return report


@job_handler(SCREEN, label=gettext_lazy("Batch: screen the cases"), max_attempts=1)
def screen(job: JobContext) -> dict[str, Any]:
    owner, batch = _owner_and_batch(job)
    return services.batch_screen(
        actor=owner, batch=batch, on_progress=_progress(job, _("Screened %(done)s of %(total)s"))
    )


@job_handler(PACKS, label=gettext_lazy("Batch: generate filing packs"), max_attempts=1)
def generate_packs(job: JobContext) -> dict[str, Any]:
    owner, batch = _owner_and_batch(job)

    def failed(item: BatchItem, message: str) -> None:
        job.add_error(message, row=item.pk, code="pack_failed", case=item.case.internal_no if item.case else "")

    return packs.batch_generate_packs(
        actor=owner,
        batch=batch,
        on_progress=_progress(job, _("Filing packs: %(done)s of %(total)s cases")),
        on_error=failed,
        regenerate=bool(job.params.get("regenerate")),
    )


@job_handler(PACKAGE, label=gettext_lazy("Batch: court package"), owner_only_result=True)
def court_package(job: JobContext) -> dict[str, Any]:
    owner, batch = _owner_and_batch(job)
    court = Court.objects.get(pk=job.params["court"])
    name = packs.package_file_name(batch, court.name)
    with tempfile.TemporaryDirectory(prefix="loanlit-batch-") as folder:
        path = os.path.join(folder, "package.zip")
        with open(path, "wb") as out:
            summary = packs.court_package(batch=batch, court_id=court.pk, out=out, watermark=watermark_text(owner))
        with open(path, "rb") as handle:
            job.save_result_file(name, handle)
    audit.access_log(
        user=owner,
        action=audit.AccessAction.EXPORT,
        target=batch,
        detail={"court": court.pk, **summary},
    )
    job.set_progress(summary["cases"], summary["cases"], _("Packed %(count)s cases") % {"count": summary["cases"]})
    return {"court": court.pk, **summary}


@job_handler(WRITE_BACK, label=gettext_lazy("Batch: write back the court's list"), max_attempts=1)
def write_back(job: JobContext) -> dict[str, Any]:
    owner, batch = _owner_and_batch(job)
    stored = str(job.params.get("file", ""))
    if not stored.startswith(UPLOAD_PREFIX):
        raise DomainError(_("The uploaded file is missing."), code="no_file")
    try:
        with default_storage.open(stored, "rb") as handle:
            content = handle.read()
        report = writeback.batch_write_back(
            actor=owner, batch=batch, content=content, file_name=str(job.params.get("name", "list.xlsx"))
        )
    finally:
        if default_storage.exists(stored):
            default_storage.delete(stored)
    for problem in report.errors:
        job.add_error(problem.message, row=problem.row)
    job.set_progress(report.rows, report.rows, _("Wrote back %(count)s rows") % {"count": report.written})
    return report.as_json()
