"""The backup job (from the page and the schedule) and the daily schedule, run by ``scheduler_tick()``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from loanlit.backups import services
from loanlit.backups.models import BackupRun
from loanlit.jobs.context import JobContext
from loanlit.jobs.registry import job_handler, periodic


@job_handler(services.JOB_KIND, label=_("Backup"), max_attempts=1)
def run_backup(job: JobContext) -> dict[str, Any]:
    """Take the backup recorded as ``run_id`` into BACKUP_DIR; scheduled runs then prune by retention."""
    run = BackupRun.objects.get(pk=job.params["run_id"])
    output = Path(run.path) if run.path else services.default_output(encrypted=bool(job.params.get("encrypt")))

    def progress(done: int, total: int | None, message: str) -> None:
        job.set_progress(done, total, message)
        job.check_cancelled()

    run = services.backup_create(
        output=output, kind=run.kind, encrypt=bool(job.params.get("encrypt")), run=run, progress=progress
    )
    pruned = services.backups_prune() if run.kind == BackupRun.Kind.SCHEDULED else []
    rows = sum(run.counts.values())
    job.set_progress(rows, rows, _("Backup written. Download it from the backups page."))
    return {
        "backup": run.pk,
        "size_bytes": run.size_bytes,
        "sha256": run.sha256,
        "files": run.file_count,
        "rows": rows,
        "pruned": [p.pk for p in pruned],
    }


@periodic("backups.schedule", every=timedelta(minutes=10))
def backup_schedule_tick() -> None:
    """Queue the day's backup once the local time has passed BACKUP_HOUR (LOANLIT_BACKUP_SCHEDULE)."""
    services.scheduled_backup_tick()
