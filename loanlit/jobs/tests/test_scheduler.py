from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from loanlit.jobs import registry, services
from loanlit.jobs.models import PeriodicTaskState, SchedulerLease
from loanlit.jobs.scheduler import LEASE_NAME, scheduler_tick

pytestmark = pytest.mark.django_db


def add_task(tasks: dict[str, registry.PeriodicSpec], name: str, func: Any, every: timedelta) -> None:
    tasks[name] = registry.PeriodicSpec(name=name, func=func, every=every)


def test_a_due_task_runs_once_per_period(only_periodic: Any) -> None:
    runs: list[str] = []
    add_task(only_periodic, "test.hourly", lambda: runs.append("ran"), timedelta(hours=1))
    start = timezone.now()
    assert scheduler_tick(now=start) == ["test.hourly"]
    assert scheduler_tick(now=start + timedelta(minutes=59)) == []
    assert scheduler_tick(now=start + timedelta(hours=1)) == ["test.hourly"]
    assert runs == ["ran", "ran"]
    state = PeriodicTaskState.objects.get(name="test.hourly")
    assert state.run_count == 2
    assert state.next_run_at == start + timedelta(hours=2)
    assert state.last_succeeded is True


def test_a_failing_task_is_recorded_and_the_others_still_run(only_periodic: Any) -> None:
    runs: list[str] = []

    def broken() -> None:
        raise ValueError("boom")

    add_task(only_periodic, "test.a_broken", broken, timedelta(minutes=5))
    add_task(only_periodic, "test.b_fine", lambda: runs.append("fine"), timedelta(minutes=5))
    assert scheduler_tick() == ["test.a_broken", "test.b_fine"]
    assert runs == ["fine"]
    state = PeriodicTaskState.objects.get(name="test.a_broken")
    assert state.last_succeeded is False
    assert state.last_error == "ValueError: boom"


def test_no_tick_runs_while_another_scheduler_holds_the_lease(only_periodic: Any) -> None:
    runs: list[str] = []
    add_task(only_periodic, "test.task", lambda: runs.append("ran"), timedelta(minutes=1))
    now = timezone.now()
    assert services.scheduler_lease_acquire(name=LEASE_NAME, holder="other", now=now, ttl=timedelta(seconds=60))
    assert scheduler_tick(now=now + timedelta(seconds=30), holder="me") == []
    assert runs == []
    assert scheduler_tick(now=now + timedelta(seconds=61), holder="me") == ["test.task"]
    lease = SchedulerLease.objects.get(name=LEASE_NAME)
    assert lease.holder == "me"
    assert lease.expires_at is None  # released at the end of the tick


def test_a_period_is_claimed_once_even_when_two_ticks_overlap() -> None:
    now = timezone.now()
    every = timedelta(minutes=10)
    assert services.periodic_task_claim(name="test.overlap", every=every, now=now) is True
    assert services.periodic_task_claim(name="test.overlap", every=every, now=now) is False
    assert services.periodic_task_claim(name="test.overlap", every=every, now=now + every) is True


def test_the_stale_job_sweep_is_a_registered_periodic_task() -> None:
    registry.ensure_discovered()
    spec = registry.periodic_tasks["jobs.recover_stale"]
    assert spec.every == timedelta(minutes=1)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_run_a_task_once_per_period(only_periodic: Any) -> None:
    runs: list[str] = []
    lock = threading.Lock()

    def task() -> None:
        with lock:
            runs.append(threading.current_thread().name)

    add_task(only_periodic, "test.race", task, timedelta(hours=1))
    start = timezone.now()

    def race(now: Any) -> None:
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def scheduler(name: str) -> None:
            try:
                for _ in range(5):
                    barrier.wait()
                    scheduler_tick(now=now, holder=name)
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=scheduler, args=(f"s{i}",), name=f"s{i}") for i in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert errors == []

    race(start)
    assert len(runs) == 1
    race(start + timedelta(minutes=30))
    assert len(runs) == 1
    race(start + timedelta(hours=1))
    assert len(runs) == 2
    assert PeriodicTaskState.objects.get(name="test.race").run_count == 2
