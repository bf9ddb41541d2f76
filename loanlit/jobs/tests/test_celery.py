"""The Celery transport against a real Redis (db 7) and a real embedded Celery worker."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from loanlit.jobs import services, transport
from loanlit.jobs.models import Job

REDIS_URL = os.environ.get("LOANLIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def _require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        message = f"Redis is not reachable at {REDIS_URL} ({exc}); the Celery transport test needs it."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + " (CI runs it)")


@pytest.fixture
def celery_on_redis(settings: Any) -> Iterator[Any]:
    _require_redis()
    from config.celery import app

    previous = app.conf.broker_url
    app.close()  # drop any pooled connection to the default (in-memory) broker
    app.conf.broker_url = REDIS_URL
    settings.JOB_TRANSPORT = "celery"
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    try:
        yield app
    finally:
        app.close()
        app.conf.broker_url = previous


def _wait_until_finished(job: Job, timeout: float = 20) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.1)
    return job


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_with_the_celery_transport_is_run_once_by_a_celery_worker(celery_on_redis: Any) -> None:
    from celery.contrib.testing.worker import start_worker

    with celery_on_redis.connection_for_write() as conn:
        assert conn.transport.driver_type == "redis"
    # One embedded worker for the whole test: a stopped worker's pending BRPOP could swallow a later message.
    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        job = services.job_enqueue(kind="jobs.demo_count", params={"n": 3})
        job = _wait_until_finished(job)
        assert job.state == Job.State.SUCCEEDED
        finished_at = job.finished_at

        transport.dispatch(job.pk)  # a duplicate "run job N" delivery
        second = services.job_enqueue(kind="jobs.demo_count", params={"n": 1})
        second = _wait_until_finished(second)  # the queue is FIFO: the duplicate was handled before this one

    job.refresh_from_db()
    assert job.result == {"counted": 3}
    assert job.worker_id.startswith("celery@")
    assert job.attempts == 1
    assert job.finished_at == finished_at
    assert second.state == Job.State.SUCCEEDED
