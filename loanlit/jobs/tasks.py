"""The jobs app's own handlers and periodic tasks (other apps put theirs in their tasks.py)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit import audit
from loanlit.core.errors import DomainError
from loanlit.jobs import services
from loanlit.jobs.context import JobContext
from loanlit.jobs.registry import job_handler, periodic

DEMO_MAX_COUNT = 100_000
DEMO_MAX_SLEEP = 1.0


@job_handler("jobs.demo_count", label=gettext_lazy("Demo: count to N"))
def demo_count(job: JobContext) -> dict[str, Any]:
    """Counts to ``params["n"]`` with progress; ``sleep`` (seconds per step, ≤ 1) makes it watchable,
    ``fail_at`` raises a domain error at that step, ``error_every`` records a row error every k steps,
    ``with_file`` writes the numbers to a result file."""
    try:
        n = int(job.params.get("n", 10))
        pause = min(float(job.params.get("sleep", 0)), DEMO_MAX_SLEEP)
        fail_at = int(job.params.get("fail_at", 0))
        error_every = int(job.params.get("error_every", 0))
    except (TypeError, ValueError):
        raise DomainError(_("The job parameters are not valid numbers."), code="invalid_params") from None
    if not 0 <= n <= DEMO_MAX_COUNT:
        raise DomainError(_("Count must be between 0 and %(max)s.") % {"max": DEMO_MAX_COUNT}, code="invalid_params")
    job.set_progress(0, n, _("Starting"))
    for i in range(1, n + 1):
        job.check_cancelled()
        if fail_at and i == fail_at:
            raise DomainError(_("Stopped at step %(step)s as requested.") % {"step": i}, code="demo_failure")
        if error_every and i % error_every == 0:
            job.add_error(_("Step %(step)s is divisible by %(k)s.") % {"step": i, "k": error_every}, row=i)
        if pause:
            time.sleep(pause)
        job.set_progress(i, n, _("Counted %(done)s of %(total)s") % {"done": i, "total": n})
    if job.params.get("with_file"):
        job.save_result_file("count.txt", "".join(f"{i}\n" for i in range(1, n + 1)).encode())
    return {"counted": n}


@periodic("jobs.recover_stale", every=timedelta(minutes=1))
def recover_stale_jobs() -> None:
    """Jobs of a killed worker go back to the queue (or fail when out of attempts); lost Celery messages are resent."""
    services.job_recover_stale()
    services.job_redispatch_overdue()


@periodic("audit.checkpoint", every=timedelta(hours=1))
def audit_checkpoint() -> None:
    """Seal the access log and checkpoint every audit stream head (idempotent)."""
    audit.scheduled_checkpoint()


@periodic("audit.retention", every=timedelta(hours=24))
def audit_retention() -> None:
    """With LOANLIT_AUDIT_AUTO_PRUNE: archive, verify, then prune what is older than the audit retention
    (a no-op otherwise; never prunes without a verified archive)."""
    audit.retention_auto_prune()


@periodic("db.optimize", every=timedelta(hours=24))
def database_optimize() -> None:
    """Keep SQLite's planner statistics fresh (PostgreSQL's autovacuum does this itself): without them
    SQLite walks whole indexes instead of seeking, e.g. on the case list's searches."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
