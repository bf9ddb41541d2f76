from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.jobs import services, transport
from loanlit.jobs.models import Job

pytestmark = pytest.mark.django_db


@pytest.mark.smoke
def test_enqueue_creates_a_queued_job_owned_by_the_actor(personas: Any) -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 3}, actor=personas.case_handler)
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert job.kind == "jobs.demo_count"
    assert job.params == {"n": 3}
    assert job.created_by == personas.case_handler
    assert job.attempts == 0
    assert job.max_attempts == 3
    assert job.run_after == job.created_at


def test_enqueue_refuses_an_unknown_kind_and_writes_nothing() -> None:
    with pytest.raises(DomainError) as excinfo:
        services.job_enqueue(kind="nobody.registered_this", params={})
    assert excinfo.value.code == "unknown_kind"
    assert "nobody.registered_this" in excinfo.value.message
    assert Job.objects.count() == 0


def test_enqueue_refuses_parameters_that_are_not_json() -> None:
    with pytest.raises(TypeError):
        services.job_enqueue(kind="jobs.demo_count", params={"when": timezone.now()})
    assert Job.objects.count() == 0


def test_enqueue_hands_the_job_to_the_transport_only_after_commit(
    settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    settings.JOB_TRANSPORT = "celery"
    sent: list[tuple[int, Any]] = []
    monkeypatch.setattr(transport, "_send", lambda job_id, eta: sent.append((job_id, eta)), raising=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.job_enqueue(kind="jobs.demo_count", params={"n": 1})
    assert len(callbacks) == 1
    assert sent == []
    callbacks[0]()
    assert sent == [(job.pk, None)]


def test_a_rolled_back_enqueue_never_reaches_the_transport(
    settings: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    settings.JOB_TRANSPORT = "celery"
    sent: list[int] = []
    monkeypatch.setattr(transport, "_send", lambda job_id, eta: sent.append(job_id), raising=False)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.job_enqueue(kind="jobs.demo_count", params={"n": 1})
        raise RuntimeError("caller fails after enqueue")
    assert sent == []
    assert Job.objects.count() == 0


def test_claim_is_won_by_exactly_one_worker() -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 1})
    assert services.job_claim(job_id=job.pk, worker_id="w1") is True
    assert services.job_claim(job_id=job.pk, worker_id="w2") is False
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING
    assert job.worker_id == "w1"
    assert job.attempts == 1
    assert job.heartbeat_at is not None


def test_claim_next_leaves_jobs_that_are_not_due_yet() -> None:
    later = services.job_enqueue(kind="jobs.demo_count", params={}, run_after=timezone.now() + timedelta(hours=1))
    due = services.job_enqueue(kind="jobs.demo_count", params={})
    assert services.job_claim_next(worker_id="w1") == due.pk
    assert services.job_claim_next(worker_id="w1") is None
    later.refresh_from_db()
    assert later.state == Job.State.QUEUED


def test_cancelling_a_queued_job_cancels_it_at_once(personas: Any) -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.case_handler)
    job = services.job_cancel(job=job, actor=personas.case_handler)
    assert job.state == Job.State.CANCELLED
    assert job.finished_at is not None
    assert services.job_claim(job_id=job.pk, worker_id="w1") is False


def test_cancelling_a_running_job_only_asks_it_to_stop(personas: Any) -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.case_handler)
    services.job_claim(job_id=job.pk, worker_id="w1")
    job = services.job_cancel(job=job, actor=personas.case_handler)
    assert job.state == Job.State.RUNNING
    assert job.cancel_requested is True


def test_a_finished_job_cannot_be_cancelled(personas: Any) -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.case_handler)
    Job.objects.filter(pk=job.pk).update(state=Job.State.SUCCEEDED)
    job.refresh_from_db()
    with pytest.raises(DomainError) as excinfo:
        services.job_cancel(job=job, actor=personas.case_handler)
    assert excinfo.value.code == "finished"
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert job.cancel_requested is False


def test_another_user_cannot_cancel_a_job_and_nothing_changes(personas: Any) -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={}, actor=personas.case_handler)
    for intruder in (personas.outsider_branch, personas.auditor, None):
        with pytest.raises(PermissionDeniedError):
            services.job_cancel(job=job, actor=intruder)
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert job.cancel_requested is False
