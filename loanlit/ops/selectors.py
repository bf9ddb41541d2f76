"""Reads for the system status page (``system.status``): versions, migrations, backups, reference data,
storage, jobs, the worker and Redis. Nothing here writes, and nothing reads personal data."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.backups.models import BackupRun
from loanlit.core.errors import PermissionDeniedError
from loanlit.jobs.models import Job, WorkerHeartbeat
from loanlit.law.calendar import PACKAGE_YEARS, missing_years
from loanlit.ops import health, version
from loanlit.rules.models import HolidayOverride
from loanlit.rules.selectors import law_calendar, lpr_table

STATUS_CODE = "system.status"
FAILED_JOBS_DAYS = 7
FAILED_JOBS_SHOWN = 5
# The storage walk stops after this many directory entries or seconds: a bank's media folder can hold
# millions of files, and the page must still answer at once. A stopped walk is shown as "at least".
STORAGE_MAX_ENTRIES = 200_000
STORAGE_MAX_SECONDS = 2.0

AnyUser = AbstractBaseUser | AnonymousUser


def may_view_status(user: AnyUser) -> bool:
    has_code = getattr(user, "has_code", None)
    return bool(user.is_authenticated and has_code is not None and has_code(STATUS_CODE))


def require_status(user: AnyUser) -> None:
    if not may_view_status(user):
        raise PermissionDeniedError(_("You may not view the system status."), code="system_status_denied")


@dataclass(frozen=True)
class DatabaseInfo:
    vendor: str
    display_name: str
    version: str
    applied_migrations: int
    unapplied_migrations: int


@dataclass(frozen=True)
class StorageUsage:
    bytes: int
    files: int
    complete: bool  # False: the walk stopped at its bound, the real use is larger


@dataclass(frozen=True)
class HolidayData:
    package_first: int
    package_last: int
    override_years: tuple[int, ...]
    missing_years: tuple[int, ...]  # this year, and next year from 1 November, without data


@dataclass(frozen=True)
class WorkerInfo:
    expected: bool  # the worker transport: run_worker must beat
    max_seconds: int
    age_seconds: int | None
    workers: tuple[WorkerHeartbeat, ...]

    @property
    def fresh(self) -> bool:
        return self.age_seconds is not None and self.age_seconds <= self.max_seconds


@dataclass(frozen=True)
class RedisInfo:
    configured: bool
    reachable: bool | None  # None when not configured


@dataclass(frozen=True)
class SystemStatus:
    version: str
    git: str
    database: DatabaseInfo
    last_backup: BackupRun | None
    holidays: HolidayData
    lpr_verified_through: date
    lpr_last_published: date | None
    storage: StorageUsage
    failed_jobs_count: int
    failed_jobs: tuple[Job, ...]
    queue: dict[str, int]  # state → jobs
    oldest_queued_at: datetime | None
    worker: WorkerInfo
    redis: RedisInfo
    job_transport: str
    checked_at: datetime = field(default_factory=timezone.now)


def database_version() -> str:
    queries = {"postgresql": "SHOW server_version", "mysql": "SELECT VERSION()", "sqlite": "SELECT sqlite_version()"}
    query = queries.get(connection.vendor)
    if query is None:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(query)
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def migration_counts() -> tuple[int, int]:
    """(applied, unapplied) over the migrations the code ships, read as ``migrate --plan`` reads them."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    applied = executor.loader.applied_migrations or {}
    unapplied = len(executor.migration_plan(graph.leaf_nodes()))
    return sum(1 for key in graph.nodes if key in applied), unapplied


def database_info() -> DatabaseInfo:
    applied, unapplied = migration_counts()
    return DatabaseInfo(
        vendor=connection.vendor,
        display_name=str(connection.display_name),
        version=database_version(),
        applied_migrations=applied,
        unapplied_migrations=unapplied,
    )


def storage_usage(
    root: Path | str | None = None, *, max_entries: int = STORAGE_MAX_ENTRIES, max_seconds: float = STORAGE_MAX_SECONDS
) -> StorageUsage:
    """Bytes and files under MEDIA_ROOT (symbolic links not followed), walked within a bound."""
    start = Path(root if root is not None else settings.MEDIA_ROOT)
    if not start.is_dir():
        return StorageUsage(bytes=0, files=0, complete=True)
    deadline = time.monotonic() + max_seconds
    total = files = seen = 0
    pending = [start]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    seen += 1
                    if seen > max_entries or time.monotonic() > deadline:
                        return StorageUsage(bytes=total, files=files, complete=False)
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            pending.append(Path(entry.path))
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                            files += 1
                    except OSError:
                        continue  # a file deleted while walking
        except OSError:
            continue
    return StorageUsage(bytes=total, files=files, complete=True)


def holiday_data(*, today: date | None = None) -> HolidayData:
    today = today or timezone.localdate()
    years = tuple(sorted(HolidayOverride.objects.values_list("year", flat=True)))
    return HolidayData(
        package_first=PACKAGE_YEARS[0],
        package_last=PACKAGE_YEARS[1],
        override_years=years,
        missing_years=missing_years(law_calendar(), today),
    )


def worker_info(*, now: datetime | None = None) -> WorkerInfo:
    now = now or timezone.now()
    workers = tuple(WorkerHeartbeat.objects.order_by("-beat_at", "-pk")[:20])
    age = max(0, int((now - workers[0].beat_at).total_seconds())) if workers else None
    return WorkerInfo(
        expected=health.worker_is_expected(),
        max_seconds=int(settings.WORKER_HEARTBEAT_MAX_SECONDS),
        age_seconds=age,
        workers=workers,
    )


def redis_info() -> RedisInfo:
    if not settings.REDIS_URL:
        return RedisInfo(configured=False, reachable=None)
    return RedisInfo(configured=True, reachable=health.check_redis()["status"] == health.OK)


def system_status_for_user(*, user: AnyUser, now: datetime | None = None) -> SystemStatus:
    require_status(user)
    now = now or timezone.now()
    since = now - timedelta(days=FAILED_JOBS_DAYS)
    failed = Job.objects.filter(state=Job.State.FAILED, finished_at__gte=since)
    queue: dict[str, Any] = {Job.State.QUEUED.value: 0, Job.State.RUNNING.value: 0}
    for row in Job.objects.filter(state__in=list(queue)).order_by().values("state").annotate(n=Count("pk")):
        queue[row["state"]] = row["n"]
    oldest = Job.objects.filter(state=Job.State.QUEUED).aggregate(oldest=Min("created_at"))["oldest"]
    table = lpr_table()
    return SystemStatus(
        version=version.app_version(),
        git=version.git_describe(),
        database=database_info(),
        last_backup=BackupRun.objects.filter(state=BackupRun.State.SUCCEEDED).order_by("-finished_at", "-pk").first(),
        holidays=holiday_data(today=timezone.localdate(now)),
        lpr_verified_through=table.verified_through,
        lpr_last_published=table.rows[-1].published if table.rows else None,
        storage=storage_usage(),
        failed_jobs_count=failed.count(),
        failed_jobs=tuple(failed.order_by("-finished_at", "-pk")[:FAILED_JOBS_SHOWN]),
        queue=queue,
        oldest_queued_at=oldest,
        worker=worker_info(now=now),
        redis=redis_info(),
        job_transport=str(settings.JOB_TRANSPORT),
        checked_at=now,
    )
