from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse

from loanlit.audit.models import AccessLog
from loanlit.backups.models import BackupRun
from loanlit.jobs import worker
from loanlit.jobs.models import Job
from loanlit.ops import selectors
from loanlit.rules.models import HolidayOverride, LprSettings
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)  # 18:00 in Beijing


def ago(**kwargs: float) -> dt.datetime:
    return NOW - dt.timedelta(**kwargs)


@pytest.fixture
def ops_world(settings: Any) -> None:
    media = Path(settings.MEDIA_ROOT)
    (media / "documents" / "2026").mkdir(parents=True)
    (media / "documents" / "2026" / "a.pdf").write_bytes(b"x" * 1000)
    (media / "imports" / "b.xlsx").parent.mkdir(parents=True)
    (media / "imports" / "b.xlsx").write_bytes(b"y" * 500)
    (media / "note.txt").write_bytes(b"z" * 48)
    for minutes in (10, 60 * 24, 60 * 24 * 6):
        Job.objects.create(
            kind="jobs.demo_count", state="failed", finished_at=ago(minutes=minutes), error_message=f"failed {minutes}"
        )
    Job.objects.create(kind="jobs.demo_count", state="failed", finished_at=ago(days=8), error_message="too old")
    Job.objects.create(kind="jobs.demo_count", state="succeeded", finished_at=ago(minutes=5))
    Job.objects.create(kind="jobs.demo_count", state="queued", created_at=ago(minutes=30))
    Job.objects.create(kind="jobs.demo_count", state="queued", created_at=ago(minutes=3))
    Job.objects.create(kind="jobs.demo_count", state="running", created_at=ago(minutes=2))
    BackupRun.objects.create(
        kind="scheduled",
        state="succeeded",
        size_bytes=3 * 1024 * 1024,
        started_at=ago(hours=8),
        finished_at=ago(hours=7),
    )
    BackupRun.objects.create(kind="manual", state="failed", started_at=ago(hours=1), finished_at=ago(hours=1))
    HolidayOverride.objects.create(year=2027, notice="Notice 2026-7", rest_days=["2027-01-01"], working_days=[])
    LprSettings.objects.create(pk=LprSettings.SINGLETON_PK, verified_through=dt.date(2026, 11, 20))
    with time_machine.travel(ago(seconds=42), tick=False):
        worker.worker_beat(worker_id="worker@app1:4242:abcd", started_at=ago(hours=3))


def test_the_status_page_shows_exact_figures(client: Client, personas: Any, ops_world: None) -> None:
    with time_machine.travel(NOW, tick=False):
        client.force_login(personas.administrator)
        response = client.get(reverse("ops:status"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    status = response.context["status"]
    assert status.version == "0.1.0"
    assert status.database.vendor == connection.vendor
    assert status.database.unapplied_migrations == 0
    assert status.database.applied_migrations == len(MigrationLoader(connection).graph.nodes)
    assert (status.storage.bytes, status.storage.files, status.storage.complete) == (1548, 3, True)
    assert status.last_backup.size_bytes == 3 * 1024 * 1024
    assert status.last_backup.finished_at == ago(hours=7)
    assert status.holidays.override_years == (2027,)
    assert status.holidays.missing_years == ()
    assert status.lpr_verified_through == dt.date(2026, 11, 20)
    assert status.failed_jobs_count == 3
    assert [job.error_message for job in status.failed_jobs] == ["failed 10", "failed 1440", "failed 8640"]
    assert status.queue == {"queued": 2, "running": 1}
    assert status.oldest_queued_at == ago(minutes=30)
    assert status.worker.age_seconds == 42
    assert status.worker.fresh is True
    assert (status.redis.configured, status.redis.reachable) == (False, None)

    html = response.content.decode()
    assert '<dd class="col-sm-7" id="status-version">0.1.0' in html
    assert '<dd class="col-sm-7" id="status-failed-count"><span class="badge text-bg-danger">3</span></dd>' in html
    assert '<dd class="col-sm-7" id="status-queued">2 <span class="text-muted small">(oldest waiting 30' in html
    assert '<dd class="col-sm-7" id="status-running">1</dd>' in html
    assert '<dd class="col-sm-7" id="status-migrations-unapplied">0</dd>' in html
    assert '<dd class="col-sm-7" id="status-storage">1.5\xa0KB (3 files)</dd>' in html
    assert "2026-12-04 11:00, 3.0\xa0MB" in html  # 03:00 UTC is 11:00 in Beijing
    assert '<dd class="col-sm-7" id="status-lpr">2026-11-20' in html
    assert '<dd class="col-sm-7" id="status-holidays-overrides">2027</dd>' in html
    assert "42 seconds ago" in html
    assert "worker@app1:4242:abcd" in html
    assert "too old" not in html


def test_holiday_data_missing_for_next_year_is_flagged_from_november(client: Client, personas: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        client.force_login(personas.administrator)
        status = client.get(reverse("ops:status")).context["status"]
    assert status.holidays.missing_years == (2027,)
    assert status.worker.age_seconds is None
    assert status.last_backup is None
    assert status.failed_jobs_count == 0


def test_someone_without_the_code_is_refused_and_nothing_is_written(client: Client, personas: Any) -> None:
    client.force_login(personas.case_handler)
    before = row_counts()
    denied_before = AccessLog.objects.filter(action=AccessLog.Action.DENIED).count()
    assert client.get(reverse("ops:status")).status_code == 403
    assert row_counts() == before
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED).count() == denied_before + 1


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("ops:status"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_storage_walk_stops_at_its_bound_and_says_so(tmp_path: Path) -> None:
    for index in range(5):
        (tmp_path / f"f{index}").write_bytes(b"a" * 10)
    usage = selectors.storage_usage(tmp_path, max_entries=3)
    assert (usage.bytes, usage.files, usage.complete) == (30, 3, False)
    assert selectors.storage_usage(tmp_path) == selectors.StorageUsage(bytes=50, files=5, complete=True)
    assert selectors.storage_usage(tmp_path / "missing") == selectors.StorageUsage(bytes=0, files=0, complete=True)


def test_the_selector_refuses_a_user_without_the_code(personas: Any) -> None:
    from loanlit.core.errors import PermissionDeniedError

    with pytest.raises(PermissionDeniedError):
        selectors.system_status_for_user(user=personas.auditor)


@pytest.mark.parametrize(("answers", "shown"), [(True, "Reachable"), (False, "Not reachable")])
def test_the_status_page_says_whether_redis_answers(
    client: Client, personas: Any, settings: Any, monkeypatch: Any, answers: bool, shown: str
) -> None:
    from loanlit.ops import health

    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setattr(health, "redis_ping", lambda: answers)
    with time_machine.travel(NOW, tick=False):
        client.force_login(personas.administrator)
        response = client.get(reverse("ops:status"))
    assert (response.context["status"].redis.configured, response.context["status"].redis.reachable) == (True, answers)
    assert f">{shown}</span></dd>" in response.content.decode()
