"""The backups page, "Back up now" as a job, downloads (access-logged) and the daily schedule."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from loanlit.audit.models import AccessLog
from loanlit.backups import services
from loanlit.backups.models import BackupRun
from loanlit.backups.tests.support import world_with_document
from loanlit.jobs import services as job_services
from loanlit.jobs import worker
from loanlit.jobs.models import Job

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def dirs(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.LANGUAGE_CODE = "en"
    settings.BACKUP_KEY = ""
    return tmp_path


def _run_job(job: Job) -> str:
    assert job_services.job_claim(job_id=job.pk, worker_id="w1")
    return worker.run_claimed_job(job_id=job.pk, worker_id="w1")


def test_back_up_now_queues_a_job_whose_run_writes_the_archive(client, personas, dirs):
    world_with_document(personas)
    client.force_login(personas.administrator)
    response = client.post(reverse("backups:backup_now"))
    run = BackupRun.objects.get()
    assert run.kind == BackupRun.Kind.APP and run.created_by == personas.administrator and run.job is not None
    assert response.status_code == 302 and response["Location"] == reverse("jobs:job_detail", args=[run.job.pk])
    assert run.job.kind == "backups.run" and run.job.params == {"run_id": run.pk, "encrypt": False}
    assert _run_job(run.job) == Job.State.SUCCEEDED
    run.refresh_from_db()
    assert run.state == BackupRun.State.SUCCEEDED and Path(run.path).is_file()
    assert Path(run.path).parent == dirs / "backups" and run.counts["cases_case"] == 1
    run.job.refresh_from_db()
    assert run.job.result["backup"] == run.pk and run.job.result["sha256"] == run.sha256
    rows = sum(run.counts.values())
    assert (run.job.progress_done, run.job.progress_total) == (rows, rows)
    from django.utils import translation

    with translation.override(run.job.language or "en"):
        assert run.job.progress_message == translation.gettext("Backup written. Download it from the backups page.")


def test_the_page_lists_runs_and_a_download_is_access_logged(client, personas, dirs):
    run = services.backup_create(output=dirs / "backups" / "one.tar", actor=personas.administrator)
    client.force_login(personas.administrator)
    page = client.get(reverse("backups:backup_list"))
    assert page.status_code == 200
    assert f'id="backup-{run.pk}"' in page.content.decode()
    before = AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD).count()
    response = client.get(reverse("backups:backup_download", args=[run.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Path(run.path).read_bytes()
    assert 'filename="one.tar"' in response["Content-Disposition"]
    logged = AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD).order_by("-pk")
    assert logged.count() == before + 1 and logged[0].user_id == personas.administrator.pk


def test_others_are_refused_and_nothing_is_queued(client, personas, dirs):
    client.force_login(personas.legal_manager)
    assert client.get(reverse("backups:backup_list")).status_code == 403
    assert client.post(reverse("backups:backup_now")).status_code == 403
    assert not BackupRun.objects.exists() and not Job.objects.exists()
    client.logout()
    assert client.get(reverse("backups:backup_list")).status_code == 302


def test_a_pruned_or_missing_archive_is_not_downloadable(client, personas, dirs):
    run = services.backup_create(output=dirs / "backups" / "gone.tar")
    Path(run.path).unlink()
    client.force_login(personas.administrator)
    assert client.get(reverse("backups:backup_download", args=[run.pk])).status_code == 404


def test_the_schedule_queues_one_backup_a_day_after_the_hour(personas, dirs, settings):
    settings.BACKUP_SCHEDULE = True
    settings.BACKUP_HOUR = 2
    settings.TIME_ZONE = "Asia/Shanghai"
    assert services.scheduled_backup_tick(now=datetime(2026, 12, 4, 1, 59, tzinfo=SHANGHAI)) is None
    run = services.scheduled_backup_tick(now=datetime(2026, 12, 4, 2, 0, tzinfo=SHANGHAI))
    assert run is not None and run.kind == BackupRun.Kind.SCHEDULED and run.job.kind == "backups.run"
    assert services.scheduled_backup_tick(now=datetime(2026, 12, 4, 23, 0, tzinfo=SHANGHAI)) is None
    settings.BACKUP_SCHEDULE = False
    assert services.scheduled_backup_tick(now=datetime(2026, 12, 5, 3, 0, tzinfo=SHANGHAI)) is None
    assert BackupRun.objects.count() == 1


def test_pruning_removes_archives_retention_does_not_keep_and_records_it(personas, dirs, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 2, 0, 0
    settings.TIME_ZONE = "Asia/Shanghai"
    runs = []
    for day in (1, 2, 3):
        path = dirs / f"s{day}.tar"
        path.write_bytes(b"x")
        runs.append(
            BackupRun.objects.create(
                kind=BackupRun.Kind.SCHEDULED,
                state=BackupRun.State.SUCCEEDED,
                path=str(path),
                started_at=datetime(2026, 12, day, 2, 0, tzinfo=SHANGHAI),
            )
        )
    manual = dirs / "manual.tar"
    manual.write_bytes(b"m")
    BackupRun.objects.create(
        kind=BackupRun.Kind.MANUAL,
        state=BackupRun.State.SUCCEEDED,
        path=str(manual),
        started_at=datetime(2026, 11, 1, tzinfo=SHANGHAI),
    )
    now = datetime(2026, 12, 4, 2, 30, tzinfo=SHANGHAI)
    pruned = services.backups_prune(now=now)
    assert [r.pk for r in pruned] == [runs[0].pk]
    assert not (dirs / "s1.tar").exists() and (dirs / "s2.tar").exists() and (dirs / "s3.tar").exists()
    assert manual.exists()  # only scheduled backups are pruned
    runs[0].refresh_from_db()
    assert runs[0].pruned_at == now
    assert services.backups_prune(now=now) == []
