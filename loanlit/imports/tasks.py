"""Background steps of an import (bodies in ``loanlit.imports.services.runs``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils.translation import gettext_lazy

from loanlit.imports.exports import tasks as _export_tasks  # noqa: F401  (registers "exports.xlsx")
from loanlit.imports.services import runs
from loanlit.jobs.context import JobContext
from loanlit.jobs.registry import job_handler, periodic


@job_handler("imports.analyse", label=gettext_lazy("Import: read the file"))
def analyse(job: JobContext) -> dict[str, Any]:
    return runs.run_analyse(job)


@job_handler("imports.validate", label=gettext_lazy("Import: check the rows"))
def validate(job: JobContext) -> dict[str, Any]:
    return runs.run_validate(job)


@job_handler("imports.commit", label=gettext_lazy("Import: write the rows"))
def commit(job: JobContext) -> dict[str, Any]:
    return runs.run_commit(job)


@periodic("imports.reconcile", every=timedelta(minutes=5))
def reconcile() -> None:
    """Imports whose job was given up (or cancelled from the jobs page) fail or cancel too."""
    runs.reconcile_stopped_jobs()


# --- drop folders (bodies in loanlit.imports.dropfolders) ------------------------------------------------
from django.conf import settings  # noqa: E402


@job_handler("imports.drop_process", label=gettext_lazy("Drop folder: import a file"))
def drop_process(job: JobContext) -> dict[str, Any]:
    from loanlit.imports import dropfolders

    return dropfolders.process_job(job)


@periodic("imports.drop_scan", every=timedelta(seconds=settings.DROP_SCAN_SECONDS))
def drop_scan() -> None:
    """Take the stable files of the drop folders and queue their imports."""
    from loanlit.imports import dropfolders

    dropfolders.scan_all()
