from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from loanlit.jobs import services, worker
from loanlit.jobs.context import JobContext
from loanlit.jobs.models import Job

pytestmark = pytest.mark.django_db


def run_one(job: Job, worker_id: str = "w1") -> str:
    assert services.job_claim(job_id=job.pk, worker_id=worker_id)
    state = worker.run_claimed_job(job_id=job.pk, worker_id=worker_id)
    job.refresh_from_db()
    return state


def test_demo_job_counts_to_n_and_succeeds_with_its_result(personas: Any) -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 5}, actor=personas.case_handler)
    assert run_one(job) == Job.State.SUCCEEDED
    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (5, 5)
    assert job.percent == 100
    assert job.result == {"counted": 5}
    assert job.finished_at is not None and job.started_at is not None
    assert job.error_message == ""


def test_progress_is_written_while_the_handler_runs(register_handler: Any) -> None:
    seen: list[tuple[int, int | None, str]] = []

    def handler(ctx: JobContext) -> None:
        ctx.set_progress(2, 10, "two")
        row = Job.objects.get(pk=ctx.job_id)
        seen.append((row.progress_done, row.progress_total, row.progress_message))

    register_handler("test.progress", handler)
    job = services.job_enqueue(kind="test.progress", params={})
    run_one(job)
    assert seen == [(2, 10, "two")]


def test_a_domain_error_fails_the_job_with_its_message() -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 5, "fail_at": 3})
    assert run_one(job) == Job.State.FAILED
    assert job.error_message == "Stopped at step 3 as requested."
    assert job.progress_done == 2
    assert job.result is None


def test_an_unexpected_exception_fails_the_job_without_leaking_its_text(register_handler: Any) -> None:
    def handler(ctx: JobContext) -> None:
        raise KeyError("secret internal detail")

    register_handler("test.crash", handler)
    job = services.job_enqueue(kind="test.crash", params={})
    assert run_one(job) == Job.State.FAILED
    assert job.error_message == "An unexpected error stopped the job (KeyError). It has been logged."


def test_the_job_runs_in_the_language_it_was_enqueued_in() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        job = services.job_enqueue(kind="jobs.demo_count", params={"n": 1, "fail_at": 1})
    assert job.language == "zh-hans"
    run_one(job)
    with translation.override("zh-hans"):
        expected = translation.gettext("Stopped at step %(step)s as requested.") % {"step": 1}
    assert expected != "Stopped at step 1 as requested."
    assert job.error_message == expected


def test_row_errors_are_kept_up_to_the_cap_and_all_are_counted(settings: Any) -> None:
    settings.JOB_ERRORS_CAP = 3
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 10, "error_every": 2})
    assert run_one(job) == Job.State.SUCCEEDED
    assert job.error_count == 5
    assert [e["row"] for e in job.errors] == [2, 4, 6]
    assert job.errors[0] == {"message": "Step 2 is divisible by 2.", "row": 2}


def test_cancel_requested_while_running_stops_at_the_next_check(register_handler: Any, personas: Any) -> None:
    steps: list[int] = []

    def handler(ctx: JobContext) -> None:
        for i in range(1, 6):
            ctx.check_cancelled()
            steps.append(i)
            if i == 2:
                services.job_cancel(job=Job.objects.get(pk=ctx.job_id), actor=personas.case_handler)
            ctx.set_progress(i, 5)

    register_handler("test.cancel", handler)
    job = services.job_enqueue(kind="test.cancel", params={}, actor=personas.case_handler)
    assert run_one(job) == Job.State.CANCELLED
    assert steps == [1, 2]
    assert job.state == Job.State.CANCELLED
    assert job.progress_done == 2
    assert job.finished_at is not None


def test_a_job_whose_kind_is_no_longer_registered_fails_clearly() -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={})
    Job.objects.filter(pk=job.pk).update(kind="gone.away")
    assert run_one(job) == Job.State.FAILED
    assert job.error_message == "No handler is registered for jobs of kind “gone.away”."


def test_result_file_is_stored_under_media_jobs(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 3, "with_file": True})
    assert run_one(job) == Job.State.SUCCEEDED
    created = job.created_at
    assert job.result_file.name == f"jobs/{created:%Y/%m}/{job.pk}/count.txt"
    assert (tmp_path / job.result_file.name).read_bytes() == b"1\n2\n3\n"


def test_a_stale_running_job_is_queued_again_while_attempts_remain() -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 2})
    services.job_claim(job_id=job.pk, worker_id="dead-worker")
    old = timezone.now() - timedelta(minutes=3)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=old)
    recovery = services.job_recover_stale()
    assert recovery.requeued == [job.pk]
    assert recovery.failed == []
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert job.worker_id == ""
    assert job.attempts == 1


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone() -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={})
    services.job_claim(job_id=job.pk, worker_id="alive")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=119))
    assert services.job_recover_stale() == services.Recovery(requeued=[], failed=[])
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING


def test_a_stale_job_out_of_attempts_is_failed_with_a_clear_message() -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={})
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, attempts=3, worker_id="dead", heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    recovery = services.job_recover_stale()
    assert recovery.failed == [job.pk]
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.finished_at is not None
    assert job.error_message.startswith("The worker running this job stopped responding and no attempts are left.")


def test_the_lease_length_is_configurable(settings: Any) -> None:
    settings.JOB_LEASE_SECONDS = 10
    job = services.job_enqueue(kind="jobs.demo_count", params={})
    services.job_claim(job_id=job.pk, worker_id="dead")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=11))
    assert services.job_recover_stale().requeued == [job.pk]


def test_run_worker_once_picks_up_a_killed_workers_job_and_finishes_it() -> None:
    job = services.job_enqueue(kind="jobs.demo_count", params={"n": 4})
    services.job_claim(job_id=job.pk, worker_id="killed")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    out = StringIO()
    call_command("run_worker", "--once", stdout=out)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert job.attempts == 2
    assert job.worker_id != "killed"
    assert f"Job {job.pk}: Succeeded" in out.getvalue()


def test_run_worker_once_runs_every_due_job_and_exits() -> None:
    jobs = [services.job_enqueue(kind="jobs.demo_count", params={"n": i}) for i in (1, 2, 3)]
    call_command("run_worker", "--once", stdout=StringIO())
    assert set(Job.objects.filter(pk__in=[j.pk for j in jobs]).values_list("state", flat=True)) == {Job.State.SUCCEEDED}


def test_a_worker_that_lost_its_job_does_not_overwrite_the_outcome(register_handler: Any) -> None:
    def handler(ctx: JobContext) -> dict[str, int]:
        # Meanwhile the job was recovered and claimed by another worker.
        Job.objects.filter(pk=ctx.job_id).update(worker_id="w2", attempts=2)
        return {"late": 1}

    register_handler("test.lost", handler)
    job = services.job_enqueue(kind="test.lost", params={})
    assert run_one(job, "w1") == worker.LOST
    assert job.state == Job.State.RUNNING
    assert job.worker_id == "w2"
    assert job.result is None


def test_progress_after_losing_the_lease_stops_the_handler(register_handler: Any) -> None:
    reached: list[str] = []

    def handler(ctx: JobContext) -> None:
        Job.objects.filter(pk=ctx.job_id).update(worker_id="other")
        ctx.set_progress(1, 2)
        reached.append("after progress")

    register_handler("test.lease", handler)
    job = services.job_enqueue(kind="test.lease", params={})
    assert run_one(job) == worker.LOST
    assert reached == []


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_extends_the_lease_while_the_handler_is_busy(settings: Any, register_handler: Any) -> None:
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    beats: list[Any] = []

    def handler(ctx: JobContext) -> None:
        first = Job.objects.get(pk=ctx.job_id).heartbeat_at
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            time.sleep(0.05)
            current = Job.objects.get(pk=ctx.job_id).heartbeat_at
            if current != first:
                beats.append(current)
                return

    register_handler("test.busy", handler)
    job = services.job_enqueue(kind="test.busy", params={})
    assert run_one(job) == Job.State.SUCCEEDED
    assert len(beats) == 1


def test_jobs_demo_command_queues_a_demo_job_for_a_user(personas: Any) -> None:
    out = StringIO()
    call_command("jobs_demo", "--n", "4", "--user", personas.case_handler.username, stdout=out)
    job = Job.objects.get()
    assert (job.kind, job.params["n"], job.created_by) == ("jobs.demo_count", 4, personas.case_handler)
    assert f"/jobs/{job.pk}/" in out.getvalue()
