"""Background work of the documents app: a version's preview pages and search text.

The store calls :func:`schedule_preview` inside the transaction that adds a version; the job row
commits with it and the worker hears of it after the commit (DESIGN rule 7), so a refused upload never
starts a job. The preview page also renders lazily (:func:`render_if_pending`) when the job has not run
yet and jobs run in the embedded ``run_worker`` kind, so a single-machine install needs no waiting.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy

from loanlit.documents import previews, text
from loanlit.documents.models import DocumentVersion
from loanlit.documents.services import previews as preview_services
from loanlit.jobs import conf as jobs_conf
from loanlit.jobs.context import JobContext
from loanlit.jobs.registry import job_handler

logger = logging.getLogger(__name__)

PREVIEW_JOB = "documents.preview"

__all__ = ["PREVIEW_JOB", "process_version", "render_if_pending", "schedule_preview"]


@job_handler(PREVIEW_JOB, label=gettext_lazy("Document: render the preview and index the text"))
def preview_job(job: JobContext) -> dict[str, Any]:
    return process_version(int(job.params["version_id"]), force=bool(job.params.get("force")))


def schedule_preview(version: DocumentVersion, *, actor: Any = None, force: bool = False) -> Any:
    """Queue the preview and text job for ``version`` (call inside the transaction that adds it)."""
    from loanlit.jobs.services import job_enqueue

    params: dict[str, Any] = {"version_id": version.pk}
    if force:
        params["force"] = True
    return job_enqueue(kind=PREVIEW_JOB, params=params, actor=actor)


@contextmanager
def _local_copy(storage_name: str) -> Iterator[Path | None]:
    """The stored file as a local temporary file (pdfium and LibreOffice want a path; the storage may
    be an object store). None when the file is missing."""
    if not storage_name or not default_storage.exists(storage_name):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="loanlit-doc-") as workdir:
        path = Path(workdir) / "file.bin"
        with default_storage.open(storage_name, "rb") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)
        yield path


def process_version(version_id: int, *, force: bool = False) -> dict[str, Any]:
    """Render the preview and extract the text of one version (what is still to do, or all with
    ``force``); returns a summary for the job page."""
    version = DocumentVersion.objects.filter(pk=version_id).first()
    if version is None:
        return {"version": version_id, "skipped": "missing version"}
    need_preview = force or version.preview_status == DocumentVersion.Preview.PENDING
    need_text = force or not version.text_extracted
    if not (need_preview or need_text):
        return {"version": version_id, "skipped": "done"}
    with _local_copy(version.storage_name) as path:
        if path is None:
            if need_preview:
                preview_services.version_preview_record(
                    version_id=version_id,
                    result=previews.RenderResult(status=previews.FAILED, error=previews.MISSING),
                    force=force,
                )
            return {"version": version_id, "preview": previews.FAILED, "error": previews.MISSING}
        kind = previews.detect_kind(path)
        summary: dict[str, Any] = {"version": version_id, "kind": kind}
        if need_preview:
            result = previews.render_file(path, kind=kind)
            recorded = preview_services.version_preview_record(version_id=version_id, result=result, force=force)
            summary.update(preview=result.status, pages=len(result.pages), error=result.error.partition(":")[0])
            if recorded is None:
                return summary
        if need_text:
            try:
                extracted = text.extract_text(path, kind)
            except Exception:  # a damaged file: no text, the preview already says why
                logger.info("No text from version %s (%s).", version_id, kind, exc_info=True)
                extracted = ""
            index_text = text.index_text_for(extracted)
            preview_services.version_text_record(version_id=version_id, index_text=index_text, force=force)
            summary["tokens"] = index_text.count(" ") + 1 if index_text else 0
        return summary


def render_if_pending(version: DocumentVersion) -> DocumentVersion:
    """On first view: render now when the job has not run yet and jobs run in the embedded worker
    (with Celery the dedicated workers do it). Returns the version as it is afterwards."""
    if version.preview_status != DocumentVersion.Preview.PENDING or jobs_conf.transport() == "celery":
        return version
    process_version(version.pk)
    version.refresh_from_db()
    return version
