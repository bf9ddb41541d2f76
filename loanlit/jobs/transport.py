"""How a committed job reaches a worker: ``worker`` leaves the row for ``run_worker``; ``celery`` sends
"run job N" to the broker. Only the id travels, so the row stays the single source of truth."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from loanlit.jobs import conf

logger = logging.getLogger(__name__)

RUN_JOB_TASK = "loanlit.jobs.run_job"


def dispatch(job_id: int, run_after: datetime | None = None) -> None:
    if conf.transport() != "celery":
        return  # run_worker polls the table
    eta = run_after if run_after is not None and run_after > timezone.now() else None
    try:
        _send(job_id, eta)
    except Exception:
        # The row is committed and queued: the scheduler's overdue sweep sends it again later.
        logger.exception("Could not hand job %s to Celery; it stays queued.", job_id)


def _send(job_id: int, eta: datetime | None) -> None:
    from config.celery import app

    app.send_task(RUN_JOB_TASK, args=[job_id], eta=eta)
