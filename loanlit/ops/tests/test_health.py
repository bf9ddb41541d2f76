from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from loanlit.jobs import worker
from loanlit.jobs.models import WorkerHeartbeat
from loanlit.ops import health

NOW = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)


def beat(at: dt.datetime, worker_id: str = "worker@host:1:abc") -> None:
    with time_machine.travel(at, tick=False):
        worker.worker_beat(worker_id=worker_id, started_at=at)


def test_healthz_answers_ok_without_touching_the_database(client: Client) -> None:
    # No django_db mark: any query would raise "Database access not allowed".
    response = client.get(reverse("ops:healthz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_every_check_when_all_is_well(client: Client) -> None:
    beat(NOW - dt.timedelta(seconds=40))
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("ops:readyz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok"},
            "storage": {"status": "ok"},
            "worker": {"status": "ok", "age_seconds": 40, "max_seconds": 300},
            "redis": {"status": "skipped"},
        },
    }
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_leaves_no_file_in_the_media_folder(client: Client, settings: Any) -> None:
    beat(NOW)
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("ops:readyz"))
    assert sorted(os.listdir(settings.MEDIA_ROOT)) == []


@pytest.mark.django_db
def test_readyz_is_503_when_the_worker_heartbeat_is_stale(client: Client) -> None:
    beat(NOW - dt.timedelta(seconds=301))
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("ops:readyz"))
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["checks"]["worker"] == {"status": "error", "age_seconds": 301, "max_seconds": 300}
    assert body["checks"]["database"] == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_no_worker_ever_reported(client: Client) -> None:
    response = client.get(reverse("ops:readyz"))
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["worker"] == {
        "status": "error",
        "age_seconds": None,
        "max_seconds": 300,
    }


@pytest.mark.django_db
def test_readyz_accepts_a_heartbeat_exactly_at_the_limit(client: Client) -> None:
    beat(NOW - dt.timedelta(seconds=300))
    with time_machine.travel(NOW, tick=False):
        assert client.get(reverse("ops:readyz")).status_code == 200


@pytest.mark.django_db
def test_readyz_skips_the_worker_check_with_celery(client: Client, settings: Any, monkeypatch: Any) -> None:
    settings.JOB_TRANSPORT = "celery"
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setattr(health, "redis_ping", lambda: True)
    response = client.get(reverse("ops:readyz"))
    assert response.status_code == 200
    checks = json.loads(response.content)["checks"]
    assert checks["worker"] == {"status": "skipped", "transport": "celery"}
    assert checks["redis"] == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_503_when_redis_does_not_answer(client: Client, settings: Any, monkeypatch: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    beat(NOW)

    def refuse() -> bool:
        raise ConnectionRefusedError("no redis here")

    monkeypatch.setattr(health, "redis_ping", refuse)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("ops:readyz"))
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["redis"] == {"status": "error", "error": "ConnectionRefusedError"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_media_folder_cannot_be_written(client: Client, settings: Any, tmp_path: Path) -> None:
    # A folder under a plain file can be neither created nor written, whoever runs the tests (root too).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = str(blocker / "media")
    beat(NOW)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("ops:readyz"))
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "error"
    assert body["checks"]["storage"]["status"] == "error"
    assert body["checks"]["storage"]["error"] in {"NotADirectoryError", "FileExistsError", "OSError"}
    assert str(tmp_path) not in response.content.decode()  # no path in the public answer


@pytest.mark.django_db
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_readyz_is_503_when_the_media_folder_is_read_only(client: Client, settings: Any, tmp_path: Path) -> None:
    media = tmp_path / "read-only"
    media.mkdir()
    media.chmod(0o555)
    settings.MEDIA_ROOT = str(media)
    beat(NOW)
    try:
        with time_machine.travel(NOW, tick=False):
            response = client.get(reverse("ops:readyz"))
    finally:
        media.chmod(0o755)
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["storage"] == {"status": "error", "error": "PermissionError"}


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_fails(client: Client, monkeypatch: Any) -> None:
    class Broken:
        def __enter__(self) -> Broken:
            raise RuntimeError("database is down")

        def __exit__(self, *args: object) -> None:
            return None

    beat(NOW)
    monkeypatch.setattr(health.connection, "cursor", lambda: Broken())
    monkeypatch.setitem(health.CHECKS, "worker", lambda: {"status": "ok"})
    ready, body = health.readiness()
    assert ready is False
    assert body["checks"]["database"] == {"status": "error", "error": "RuntimeError"}


def test_health_routes_are_public_and_post_is_refused(client: Client) -> None:
    assert client.post(reverse("ops:healthz")).status_code == 405


@pytest.mark.django_db
def test_a_killed_workers_old_row_does_not_make_the_deployment_ready(client: Client) -> None:
    beat(NOW - dt.timedelta(hours=2), worker_id="dead")
    beat(NOW - dt.timedelta(seconds=5), worker_id="alive")
    with time_machine.travel(NOW, tick=False):
        body = json.loads(client.get(reverse("ops:readyz")).content)
    assert body["checks"]["worker"]["age_seconds"] == 5
    assert WorkerHeartbeat.objects.count() == 2
