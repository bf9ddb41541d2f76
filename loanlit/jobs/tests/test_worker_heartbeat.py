from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from loanlit.jobs import worker
from loanlit.jobs.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)


def test_the_first_beat_creates_the_workers_row_and_later_beats_move_it() -> None:
    started = NOW - dt.timedelta(minutes=5)
    with time_machine.travel(NOW, tick=False):
        worker.worker_beat(worker_id="w1", started_at=started)
    with time_machine.travel(NOW + dt.timedelta(seconds=30), tick=False):
        worker.worker_beat(worker_id="w1", started_at=started)
    [row] = WorkerHeartbeat.objects.all()
    assert (row.worker_id, row.started_at, row.beat_at) == ("w1", started, NOW + dt.timedelta(seconds=30))
    assert row.pid > 0 and row.hostname


def test_a_new_worker_removes_rows_of_workers_silent_for_a_day() -> None:
    worker.worker_beat(worker_id="dead", started_at=NOW, now=NOW - dt.timedelta(days=1, seconds=1))
    worker.worker_beat(worker_id="sleepy", started_at=NOW, now=NOW - dt.timedelta(hours=23))
    worker.worker_beat(worker_id="new", started_at=NOW, now=NOW)
    assert sorted(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["new", "sleepy"]


def test_a_clean_stop_removes_the_workers_row() -> None:
    worker.worker_beat(worker_id="w1", started_at=NOW, now=NOW)
    worker.worker_beat(worker_id="w2", started_at=NOW, now=NOW)
    worker.worker_beat_end(worker_id="w1")
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["w2"]


def test_run_worker_once_leaves_a_fresh_heartbeat(settings: Any) -> None:
    settings.JOB_TRANSPORT = "worker"
    with time_machine.travel(NOW, tick=False):
        call_command("run_worker", "--once", stdout=StringIO())
    [row] = WorkerHeartbeat.objects.all()
    assert row.beat_at == NOW
    assert row.worker_id.startswith("worker@")


def test_a_failing_beat_is_logged_and_does_not_stop_the_worker(monkeypatch: Any, caplog: Any) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("database restarting")

    monkeypatch.setattr(worker, "worker_beat", broken)
    worker.WorkerBeat("w1", interval=1).beat()
    assert "Worker heartbeat of w1 failed" in caplog.text


@pytest.mark.parametrize(("limit", "interval"), [(300, 30.0), (60, 15.0), (10, 2.5), (2, 1.0)])
def test_the_beat_interval_fits_four_beats_in_the_readiness_limit(settings: Any, limit: int, interval: float) -> None:
    settings.WORKER_HEARTBEAT_MAX_SECONDS = limit
    assert worker.worker_beat_interval() == interval
