"""Writes for jobs and the scheduler. Every state change is a conditional UPDATE, so two workers, a Celery
duplicate delivery or a racing scheduler can never both win (works on SQLite, PostgreSQL and MySQL alike)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.jobs import conf, registry, transport
from loanlit.jobs.models import Job, PeriodicTaskState, SchedulerLease

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

logger = logging.getLogger(__name__)

CANCEL_ANY_CODE = "jobs.cancel_all"


# --- enqueue and cancel (called by other apps and views) ----------------------------------------------


@transaction.atomic
def job_enqueue(
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    run_after: datetime | None = None,
    max_attempts: int | None = None,
) -> Job:
    """Queue a job of a registered ``kind``; the transport hears of it only after the caller's transaction
    commits (DESIGN rule 7), so a rolled-back change never starts a job."""
    spec = registry.get_handler(kind)
    if spec is None:
        raise DomainError(_("There is no background job of kind “%(kind)s”.") % {"kind": kind}, code="unknown_kind")
    params = dict(params or {})
    try:
        json.dumps(params)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Job parameters must be plain JSON (ids, strings, numbers): {exc}") from None
    now = timezone.now()
    job = Job.objects.create(
        kind=kind,
        params=params,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        created_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
        created_at=now,
        run_after=run_after or now,
        max_attempts=max_attempts or spec.max_attempts or conf.max_attempts(),
    )
    transaction.on_commit(partial(transport.dispatch, job.pk, run_after=run_after))
    return job


def job_may_cancel(*, job: Job, actor: AbstractBaseUser | AnonymousUser | None) -> bool:
    if actor is None or not actor.is_authenticated:
        return False
    if job.created_by_id is not None and job.created_by_id == actor.pk:
        return True
    has_code = getattr(actor, "has_code", None)
    return bool(getattr(actor, "is_superuser", False) or (has_code is not None and has_code(CANCEL_ANY_CODE)))


@transaction.atomic
def job_cancel(*, job: Job, actor: AbstractBaseUser | AnonymousUser | None) -> Job:
    """A queued job is cancelled at once; a running one is asked to stop at its next cancel check."""
    if not job_may_cancel(job=job, actor=actor):
        raise PermissionDeniedError(_("You may not cancel this job."), code="not_allowed")
    now = timezone.now()
    stopped = Job.objects.filter(pk=job.pk, state=Job.State.QUEUED).update(
        state=Job.State.CANCELLED,
        cancel_requested=True,
        finished_at=now,
        progress_message=_("Cancelled before it started."),
    )
    if not stopped:
        asked = Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).update(cancel_requested=True)
        if not asked:
            raise DomainError(_("This job has already finished and cannot be cancelled."), code="finished")
    job.refresh_from_db()
    audit.record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,  # type: ignore[arg-type]
        action="job.cancelled" if stopped else "job.cancel_requested",
        target=job,
        changes={"kind": job.kind, "state": job.state},
    )
    return job


# --- worker side ---------------------------------------------------------------------------------------


def job_claim(*, job_id: int, worker_id: str, now: datetime | None = None) -> bool:
    """Take a queued, due job for ``worker_id``. Exactly one of several concurrent claimers gets True."""
    now = now or timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED, run_after__lte=now).update(
        state=Job.State.RUNNING,
        worker_id=worker_id,
        heartbeat_at=now,
        started_at=now,
        finished_at=None,
        attempts=F("attempts") + 1,
    )
    return claimed == 1


def job_claim_next(*, worker_id: str, now: datetime | None = None, batch: int = 20) -> int | None:
    """Claim the oldest due job, trying the next candidate when another worker was faster."""
    now = now or timezone.now()
    candidates = list(
        Job.objects.filter(state=Job.State.QUEUED, run_after__lte=now)
        .order_by("run_after", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    for job_id in candidates:
        if job_claim(job_id=job_id, worker_id=worker_id, now=now):
            return job_id
    return None


def _owned(job_id: int, worker_id: str) -> Any:
    return Job.objects.filter(pk=job_id, worker_id=worker_id, state=Job.State.RUNNING)


def job_heartbeat(*, job_id: int, worker_id: str) -> bool:
    """Extend the lease; False when the job is no longer this worker's (recovered, re-claimed or finished)."""
    return _owned(job_id, worker_id).update(heartbeat_at=timezone.now()) == 1


def job_save_progress(
    *,
    job_id: int,
    worker_id: str,
    done: int,
    total: int | None,
    message: str,
    errors: list[dict[str, Any]],
    error_count: int,
) -> bool:
    return (
        _owned(job_id, worker_id).update(
            progress_done=done,
            progress_total=total,
            progress_message=message[:500],
            errors=errors,
            error_count=error_count,
            heartbeat_at=timezone.now(),
        )
        == 1
    )


def job_save_result_file(*, job_id: int, name: str, content: bytes | IO[bytes]) -> str:
    """Store the result under MEDIA_ROOT/jobs/<yyyy>/<mm>/<job id>/; a retry replaces the earlier file."""
    job = Job.objects.get(pk=job_id)
    previous = job.result_file.name if job.result_file else ""
    upload = ContentFile(content) if isinstance(content, bytes) else File(content)
    job.result_file.save(os.path.basename(name) or "result", upload, save=False)
    Job.objects.filter(pk=job_id).update(result_file=job.result_file.name)
    if previous and previous != job.result_file.name:
        job.result_file.storage.delete(previous)
    return job.result_file.name


@dataclass
class Outcome:
    state: str
    error_message: str = ""
    result: dict[str, Any] | None = None
    done: int = 0
    total: int | None = None
    message: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0


def job_finish(*, job_id: int, worker_id: str, outcome: Outcome) -> bool:
    """Record how the run ended; False (and nothing written) when this worker had lost the job meanwhile."""
    done = outcome.done
    if outcome.state == Job.State.SUCCEEDED and outcome.total is not None:
        done = max(done, outcome.total)
    written = _owned(job_id, worker_id).update(
        state=outcome.state,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        error_message=outcome.error_message,
        result=outcome.result,
        progress_done=done,
        progress_total=outcome.total,
        progress_message=outcome.message[:500],
        errors=outcome.errors,
        error_count=outcome.error_count,
    )
    if not written:
        logger.warning("Job %s finished as %s on %s, which no longer owned it.", job_id, outcome.state, worker_id)
    return written == 1


def job_fail_unclaimed(*, job_id: int, worker_id: str, message: str) -> bool:
    return job_finish(
        job_id=job_id, worker_id=worker_id, outcome=Outcome(state=Job.State.FAILED, error_message=message)
    )


@dataclass(frozen=True)
class Recovery:
    requeued: list[int]
    failed: list[int]


def job_recover_stale(*, now: datetime | None = None) -> Recovery:
    """Running jobs whose worker stopped heartbeating for a lease are queued again while attempts remain,
    otherwise failed with a clear message — a job is never left 'running' forever."""
    now = now or timezone.now()
    stale = Q(state=Job.State.RUNNING) & (Q(heartbeat_at__lt=now - conf.lease()) | Q(heartbeat_at__isnull=True))
    retry = list(Job.objects.filter(stale, attempts__lt=F("max_attempts")).values_list("pk", flat=True))
    give_up = list(Job.objects.filter(stale, attempts__gte=F("max_attempts")).values_list("pk", flat=True))
    requeued: list[int] = []
    failed: list[int] = []
    for job_id in retry:
        if Job.objects.filter(stale, pk=job_id, attempts__lt=F("max_attempts")).update(
            state=Job.State.QUEUED,
            worker_id="",
            heartbeat_at=None,
            run_after=now,
            progress_message=_("The worker stopped responding; the job was queued again."),
        ):
            requeued.append(job_id)
            transaction.on_commit(partial(transport.dispatch, job_id))
    for job_id in give_up:
        if Job.objects.filter(stale, pk=job_id, attempts__gte=F("max_attempts")).update(
            state=Job.State.FAILED,
            finished_at=now,
            error_message=_(
                "The worker running this job stopped responding and no attempts are left. "
                "Start the job again if it is still needed."
            ),
        ):
            failed.append(job_id)
    for job_id in requeued:
        logger.warning("Job %s: worker lost, queued again.", job_id)
    for job_id in failed:
        logger.error("Job %s: worker lost and no attempts left, marked failed.", job_id)
    return Recovery(requeued=requeued, failed=failed)


def job_redispatch_overdue(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    """With Celery, a message lost between commit and broker leaves a job queued; send it again.
    A duplicate delivery is harmless because the claim is conditional."""
    if conf.transport() != "celery":
        return []
    now = now or timezone.now()
    overdue = list(
        Job.objects.filter(state=Job.State.QUEUED, run_after__lt=now - 5 * conf.lease())
        .order_by("run_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for job_id in overdue:
        transport.dispatch(job_id)
    return overdue


# --- scheduler bookkeeping -----------------------------------------------------------------------------


def scheduler_lease_acquire(*, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take (or renew) the named lease; another holder gets it only after it expired or was released."""
    SchedulerLease.objects.get_or_create(name=name)
    free_or_mine = Q(expires_at__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder)
    taken = SchedulerLease.objects.filter(free_or_mine, name=name).update(holder=holder, expires_at=now + ttl)
    return taken == 1


def scheduler_lease_release(*, name: str, holder: str) -> None:
    SchedulerLease.objects.filter(name=name, holder=holder).update(expires_at=None)


def periodic_task_claim(*, name: str, every: timedelta, now: datetime) -> bool:
    """Claim this period's run of a periodic task: moves ``next_run_at`` forward only if it was due."""
    PeriodicTaskState.objects.get_or_create(name=name, defaults={"next_run_at": now})
    claimed = PeriodicTaskState.objects.filter(name=name, next_run_at__lte=now).update(
        next_run_at=now + every, last_started_at=now, run_count=F("run_count") + 1
    )
    return claimed == 1


def periodic_task_record(*, name: str, succeeded: bool, error: str = "") -> None:
    PeriodicTaskState.objects.filter(name=name).update(
        last_finished_at=timezone.now(), last_succeeded=succeeded, last_error=error[:2000]
    )
