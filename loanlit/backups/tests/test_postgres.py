"""PostgreSQL: a SQLite backup restores into PostgreSQL (in a subprocess, on a database created for the
test), and a backup taken while another thread writes is one consistent snapshot."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest
from django.db import connection

from loanlit.backups import archive, services
from loanlit.backups.tests.support import table_counts, world_with_document

ROOT = Path(__file__).resolve().parents[3]
PG_SERVER = os.environ.get("LOANLIT_BACKUP_TEST_PG", "postgres://postgres@127.0.0.1:5432")
RESTORE_DB = "loanlit_t_bk_restore"


def _pg_admin():
    try:
        import psycopg

        return psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3, autocommit=True)
    except Exception as exc:  # unreachable server, missing driver
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER}: {exc}")


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--skip-checks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
@pytest.mark.django_db
def test_a_sqlite_backup_restores_into_postgresql_with_equal_counts(personas, settings, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the source of this test is SQLite")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_DIR = tmp_path / "backups"
    world_with_document(personas)
    before = table_counts()
    before.pop("backups_backuprun", None)
    run = services.backup_create(output=tmp_path / "portable.tar")
    admin = _pg_admin()
    admin.execute(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{RESTORE_DB}"')
    try:
        env = {
            **os.environ,
            "LOANLIT_TESTING": "true",
            "LOANLIT_DATABASE_URL": f"{PG_SERVER}/{RESTORE_DB}",
            "LOANLIT_MEDIA_ROOT": str(tmp_path / "pg-media"),
            "LOANLIT_BACKUP_DIR": str(tmp_path / "pg-backups"),
            "LOANLIT_LANGUAGE_CODE": "en",
        }
        migrated = _manage("migrate", "-v0", env=env)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        restored = _manage("restore", run.path, env=env)
        assert restored.returncode == 0, restored.stderr[-3000:]
        assert "Row counts and file hashes match the archive." in restored.stdout
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/{RESTORE_DB}") as pg:
            after = {table: pg.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in before}
            # The sequences were reset: the next case id follows the restored ones.
            next_id = pg.execute("SELECT nextval(pg_get_serial_sequence('cases_case', 'id'))").fetchone()[0]
            principal = pg.execute("SELECT principal FROM loans_loancontract").fetchone()[0]
        assert after == before
        assert next_id == world_case_max(before) + 1
        assert principal == 1_200_000  # 12,000.00 yuan in fen, unchanged
        assert sorted(p.name for p in (tmp_path / "pg-media").rglob("*") if p.is_file()) == sorted(
            p.name for p in (tmp_path / "media").rglob("*") if p.is_file()
        )
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)')
        admin.close()


@pytest.mark.slow
@pytest.mark.django_db
def test_a_postgresql_backup_restores_into_sqlite_with_equal_counts(personas, settings, tmp_path):
    """And back: the archive taken on PostgreSQL loads into a fresh SQLite database with the same rows."""
    if connection.vendor != "postgresql":
        pytest.skip("the source of this test is PostgreSQL (runs in the PostgreSQL stage)")
    import sqlite3

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_DIR = tmp_path / "backups"
    world_with_document(personas)
    before = table_counts()
    before.pop("backups_backuprun", None)
    run = services.backup_create(output=tmp_path / "portable.tar")
    target = tmp_path / "restored.sqlite3"
    env = {
        **os.environ,
        "LOANLIT_TESTING": "true",
        "LOANLIT_DATABASE_URL": f"sqlite:///{target}",
        "LOANLIT_MEDIA_ROOT": str(tmp_path / "sqlite-media"),
        "LOANLIT_BACKUP_DIR": str(tmp_path / "sqlite-backups"),
        "LOANLIT_LANGUAGE_CODE": "en",
    }
    migrated = _manage("migrate", "-v0", env=env)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    restored = _manage("restore", run.path, env=env)
    assert restored.returncode == 0, restored.stderr[-3000:]
    assert "Row counts and file hashes match the archive." in restored.stdout
    with sqlite3.connect(target) as db:
        after = {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in before}
        principal = db.execute("SELECT principal FROM loans_loancontract").fetchone()[0]
    assert after == before
    assert principal == 1_200_000  # 12,000.00 yuan in fen, unchanged


def world_case_max(counts: dict[str, int]) -> int:
    from loanlit.cases.models import Case

    return max(Case.objects.values_list("pk", flat=True))


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_backup_while_another_thread_writes_is_one_consistent_snapshot(settings, tmp_path):
    from django.db import connections, transaction

    from loanlit import audit

    settings.MEDIA_ROOT = str(tmp_path / "media")
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        try:
            while not stop.is_set():
                with transaction.atomic():
                    audit.record(actor=None, action="backup.test_write", stream=f"bk:{written[0] % 3}")
                written[0] += 1
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 20:
            threading.Event().wait(0.01)
        run = services.backup_create(output=tmp_path / "live.tar")
    finally:
        stop.set()
        thread.join()
    assert written[0] > 20
    with tarfile.open(run.path) as tar:
        manifest = json.loads(tar.extractfile(archive.MANIFEST).read())
        parts = {p["table"]: p for p in manifest["tables"]}

        def rows(table: str) -> list[dict]:
            part = parts[table]
            names = [c[0] for c in part["columns"]]
            data = gzip.decompress(tar.extractfile(part["part"]).read()).decode()
            return [dict(zip(names, json.loads(line), strict=True)) for line in io.StringIO(data)]

        entries, heads = rows("audit_auditentry"), rows("audit_streamhead")
    assert (
        len(entries) == manifest["tables"][[p["table"] for p in manifest["tables"]].index("audit_auditentry")]["rows"]
    )
    last_seq = {}
    for entry in entries:
        last_seq[entry["stream"]] = max(last_seq.get(entry["stream"], 0), entry["seq"])
    # Every chain head in the archive matches the entries in the archive: no write fell between tables.
    assert {h["stream"]: h["last_seq"] for h in heads if h["stream"].startswith("bk:")} == {
        s: n for s, n in last_seq.items() if s.startswith("bk:")
    }
    assert sum(n for s, n in last_seq.items() if s.startswith("bk:")) < written[0] + 1
