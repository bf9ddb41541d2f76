"""Readiness checks for /readyz: database, storage, the job worker's heartbeat, Redis when configured.

Each check answers a small JSON-able dict with ``status`` "ok", "error" or "skipped"; an error names only the
exception class (the details go to the log), so the public answer carries no path, host or personal data.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from loanlit.jobs.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
SKIPPED = "skipped"
REDIS_TIMEOUT_SECONDS = 2

Check = dict[str, Any]


def _failed(name: str, exc: Exception) -> Check:
    logger.warning("Readiness check %s failed: %s: %s", name, type(exc).__name__, exc)
    return {"status": ERROR, "error": type(exc).__name__}


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return _failed("database", exc)
    return {"status": OK}


def check_storage() -> Check:
    """The file storage (MEDIA_ROOT) takes a small file and lets it be deleted again."""
    try:
        name = default_storage.save(f".readyz-{uuid.uuid4().hex}.tmp", ContentFile(b"ok"))
        default_storage.delete(name)
    except Exception as exc:
        return _failed("storage", exc)
    return {"status": OK}


def worker_is_expected() -> bool:
    """With the ``worker`` transport only ``run_worker`` runs jobs, so its heartbeat must be fresh. With
    Celery the workers are Celery's (checked with ``celery inspect ping``), and a run_worker is optional."""
    return str(getattr(settings, "JOB_TRANSPORT", "worker")) == "worker"


def latest_worker_beat() -> datetime | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()


def heartbeat_age_seconds(*, now: datetime | None = None) -> int | None:
    latest = latest_worker_beat()
    if latest is None:
        return None
    return max(0, int(((now or timezone.now()) - latest).total_seconds()))


def check_worker(*, now: datetime | None = None) -> Check:
    limit = int(settings.WORKER_HEARTBEAT_MAX_SECONDS)
    if not worker_is_expected():
        return {"status": SKIPPED, "transport": str(settings.JOB_TRANSPORT)}
    try:
        age = heartbeat_age_seconds(now=now)
    except Exception as exc:
        return _failed("worker", exc)
    fresh = age is not None and age <= limit
    return {"status": OK if fresh else ERROR, "age_seconds": age, "max_seconds": limit}


def redis_ping() -> bool:
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        return bool(client.ping())
    finally:
        client.close()


def check_redis() -> Check:
    if not settings.REDIS_URL:
        return {"status": SKIPPED}
    try:
        answered = redis_ping()
    except Exception as exc:
        return _failed("redis", exc)
    return {"status": OK if answered else ERROR}


CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "storage": check_storage,
    "worker": check_worker,
    "redis": check_redis,
}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Run every check; ready when none is in error (skipped checks do not count)."""
    results = {name: check() for name, check in CHECKS.items()}
    ready = all(result["status"] != ERROR for result in results.values())
    return ready, {"status": OK if ready else ERROR, "checks": results}
