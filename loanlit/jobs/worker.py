"""Running one claimed job: the code path shared by ``run_worker`` and the Celery task."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.core.errors import DomainError
from loanlit.jobs import conf, registry, services, transport
from loanlit.jobs.context import JobCancelled, JobContext, JobLeaseLost
from loanlit.jobs.models import Job, WorkerHeartbeat

logger = logging.getLogger(__name__)

LOST = "lost"
SKIPPED = "skipped"
# Rows of workers that died without saying goodbye are removed once this old (a new worker's first beat does it).
WORKER_HEARTBEAT_KEEP = timedelta(days=1)


def new_worker_id(prefix: str = "worker") -> str:
    return f"{prefix}@{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Heartbeat(threading.Thread):
    """Keeps the lease alive while a handler is busy between progress updates."""

    def __init__(self, context: JobContext, interval: float) -> None:
        super().__init__(name=f"job-{context.job_id}-heartbeat", daemon=True)
        self.context = context
        self.interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                try:
                    if not services.job_heartbeat(job_id=self.context.job_id, worker_id=self.context.worker_id):
                        self.context.lease_lost.set()
                        return
                except Exception:
                    logger.exception("Heartbeat for job %s failed; will retry.", self.context.job_id)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive():
            self.join(timeout=self.interval + 5)


def run_claimed_job(*, job_id: int, worker_id: str) -> str:
    """Run a job this worker has claimed and record the outcome; returns the final state (or ``lost``)."""
    job = Job.objects.get(pk=job_id)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        spec = registry.get_handler(job.kind)
        if spec is None:
            services.job_fail_unclaimed(
                job_id=job_id,
                worker_id=worker_id,
                message=_("No handler is registered for jobs of kind “%(kind)s”.") % {"kind": job.kind},
            )
            return Job.State.FAILED
        context = JobContext(
            job_id=job.pk, kind=job.kind, params=dict(job.params or {}), worker_id=worker_id, attempt=job.attempts
        )
        heartbeat = Heartbeat(context, conf.heartbeat_interval())
        heartbeat.start()
        outcome = services.Outcome(state=Job.State.FAILED)
        try:
            returned = spec.func(context)
        except JobLeaseLost:
            logger.warning("Job %s: worker %s lost its lease; the result is discarded.", job_id, worker_id)
            return LOST
        except JobCancelled:
            outcome = services.Outcome(state=Job.State.CANCELLED, error_message="")
            context.message = _("Cancelled.")
        except DomainError as exc:
            outcome = services.Outcome(state=Job.State.FAILED, error_message=exc.message)
        except Exception as exc:
            logger.exception("Job %s (%s) failed.", job_id, job.kind)
            outcome = services.Outcome(
                state=Job.State.FAILED,
                error_message=_("An unexpected error stopped the job (%(error)s). It has been logged.")
                % {"error": type(exc).__name__},
            )
        else:
            result = returned if isinstance(returned, dict) else context.result
            outcome = services.Outcome(state=Job.State.SUCCEEDED, result=result)
        finally:
            heartbeat.stop()
        outcome.done, outcome.total, outcome.message = context.done, context.total, context.message
        outcome.errors, outcome.error_count = context.errors, context.error_count
        if outcome.state == Job.State.SUCCEEDED and not outcome.message:
            outcome.message = _("Finished.")
        if outcome.result is None and outcome.state != Job.State.SUCCEEDED:
            outcome.result = context.result
        if not services.job_finish(job_id=job_id, worker_id=worker_id, outcome=outcome):
            return LOST
        return outcome.state


def run_job_by_id(job_id: int, *, worker_id: str | None = None) -> str:
    """The Celery path: claim ``job_id`` with the same conditional UPDATE, so a duplicate delivery does nothing."""
    worker_id = worker_id or new_worker_id("celery")
    try:
        if services.job_claim(job_id=job_id, worker_id=worker_id):
            return run_claimed_job(job_id=job_id, worker_id=worker_id)
        early = Job.objects.filter(pk=job_id, state=Job.State.QUEUED, run_after__gt=timezone.now()).first()
        if early is not None:
            transport.dispatch(early.pk, run_after=early.run_after)
        return SKIPPED
    finally:
        release_connections()


def release_connections() -> None:
    """Write access-log rows a job held back, then drop broken or expired connections between jobs (a
    database restart must not poison the worker); never inside a transaction, e.g. a test's."""
    if not connection.in_atomic_block:
        audit.flush_pending_access_log()
        close_old_connections()


def run_pending(*, worker_id: str, limit: int | None = None) -> list[tuple[int, str]]:
    """Claim and run due jobs one after another until none is left (or ``limit`` were run)."""
    ran: list[tuple[int, str]] = []
    while limit is None or len(ran) < limit:
        job_id = services.job_claim_next(worker_id=worker_id)
        if job_id is None:
            break
        ran.append((job_id, run_claimed_job(job_id=job_id, worker_id=worker_id)))
    return ran


def worker_beat_interval() -> float:
    """Seconds between worker heartbeats: four beats within the readiness limit, at most every 30 s."""
    limit = float(getattr(settings, "WORKER_HEARTBEAT_MAX_SECONDS", 300))
    return max(1.0, min(30.0, limit / 4))


def worker_beat(*, worker_id: str, started_at: datetime, now: datetime | None = None) -> None:
    """Record that ``worker_id`` is alive (infrastructure bookkeeping, like a job's lease: not audited)."""
    now = now or timezone.now()
    if WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now):  # write-ok: worker's own row
        return
    WorkerHeartbeat.objects.filter(beat_at__lt=now - WORKER_HEARTBEAT_KEEP).delete()  # write-ok: dead workers
    WorkerHeartbeat.objects.create(  # write-ok: worker's own row
        worker_id=worker_id,
        hostname=socket.gethostname()[:255],
        pid=os.getpid(),
        started_at=started_at,
        beat_at=now,
    )


def worker_beat_end(*, worker_id: str) -> None:
    """A worker that stops cleanly leaves no heartbeat behind (readiness then depends on the others)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()  # write-ok: worker's own row


class WorkerBeat(threading.Thread):
    """Beats for the whole worker process, also while one long job keeps the main loop busy."""

    def __init__(self, worker_id: str, interval: float | None = None) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.interval = interval if interval is not None else worker_beat_interval()
        self._stopped = threading.Event()

    def beat(self) -> None:
        try:
            worker_beat(worker_id=self.worker_id, started_at=self.started_at)
        except Exception:
            # A database restart must not end the worker; a missed beat shows on /readyz if it lasts.
            logger.exception("Worker heartbeat of %s failed; will retry.", self.worker_id)

    def run(self) -> None:
        try:
            while True:
                self.beat()
                close_old_connections()
                if self._stopped.wait(self.interval):
                    return
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self._stopped.set()
        if self.is_alive():
            self.join(timeout=self.interval + 5)
