"""The statistics refresh on the scheduler (``scheduler_tick``): incremental every STATS_REFRESH_MINUTES,
full rebuild nightly.

The incremental refresh runs inside the tick: it refreshes the cases with case events after the watermark
(bulk services write events but fire no signals) and those saved since the last refresh — a few cases
between two ticks. The full rebuild reads every case, so the tick only queues it as a background job
(``reports.rebuild_statistics``), once: not while one is queued or running.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy

from loanlit.jobs.context import JobContext
from loanlit.jobs.models import Job
from loanlit.jobs.registry import job_handler, periodic
from loanlit.reports.services import facts

REBUILD_JOB = "reports.rebuild_statistics"


def rebuild_enqueue() -> bool:
    """Queue the full rebuild unless one is queued or running already; True when queued."""
    from loanlit.jobs.services import job_enqueue

    if Job.objects.filter(kind=REBUILD_JOB, state__in=[Job.State.QUEUED, Job.State.RUNNING]).exists():
        return False
    job_enqueue(kind=REBUILD_JOB)
    return True


@periodic("reports.refresh_statistics", every=timedelta(minutes=settings.STATS_REFRESH_MINUTES))
def refresh_statistics_tick() -> None:
    # Before the first full rebuild there is no watermark to start from: the rebuild (a job) comes first.
    if facts.rebuild_needed():
        rebuild_enqueue()
        return
    facts.facts_refresh_pending()


@periodic("reports.rebuild_statistics", every=timedelta(days=1))
def rebuild_statistics_tick() -> None:
    rebuild_enqueue()


@job_handler(REBUILD_JOB, label=gettext_lazy("Statistics: rebuild every figure"))
def rebuild_statistics(job: JobContext) -> dict[str, Any]:
    return {"cases": facts.facts_rebuild_all()}
