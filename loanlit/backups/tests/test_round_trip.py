"""Backup, then restore into a freshly migrated database of its own: every row, file and audit chain comes back
(from SQLite in the SQLite stage, from PostgreSQL in the PostgreSQL stage)."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from loanlit.backups import archive
from loanlit.backups.models import BackupRun
from loanlit.backups.tests.support import key, media_hashes, table_counts, world_with_document
from loanlit.cases.models import Case
from loanlit.documents.models import DocumentVersion
from tests.support.personas import build_personas

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def dirs(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.LANGUAGE_CODE = "en"
    return tmp_path


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A freshly migrated, empty SQLite database file (migrated once; each test restores into a copy)."""
    path = tmp_path_factory.mktemp("fresh") / "fresh.sqlite3"
    result = _manage("migrate", "-v0", env=_env(path, path.parent))
    assert result.returncode == 0, result.stderr[-3000:]
    return path


def _env(database: Path, base: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LOANLIT_TESTING": "true",
        "LOANLIT_DATABASE_URL": f"sqlite:///{database}",
        "LOANLIT_MEDIA_ROOT": str(base / "restored-media"),
        "LOANLIT_BACKUP_DIR": str(base / "restored-backups"),
        "LOANLIT_LANGUAGE_CODE": "en",
    }


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_restore_brings_back_every_row_file_and_audit_chain(dirs, settings, encrypted, migrated_sqlite):
    """Backup here; restore into a freshly migrated database of its own, as an operator would; compare."""
    settings.BACKUP_KEY = key("k1", 7)
    world = world_with_document(build_personas())
    media = Path(settings.MEDIA_ROOT)
    version = DocumentVersion.objects.get(document=world.document)
    assert (media / version.storage_name).is_file()
    before, files_before = table_counts(), media_hashes(media)  # (the backup's own audit entry comes after)
    before.pop("backups_backuprun", None)
    out = io.StringIO()
    args = ["--output", str(dirs / "out" / "b.tar")] + (["--encrypt"] if encrypted else [])
    call_command("backup", *args, stdout=out)
    run = BackupRun.objects.get()
    assert run.state == BackupRun.State.SUCCEEDED and run.kind == BackupRun.Kind.MANUAL
    assert run.encrypted_key_id == ("k1" if encrypted else "")
    assert before["cases_case"] == 1 and before["documents_documentversion"] == 1
    assert run.counts["cases_case"] == 1 and run.file_count == len(files_before) >= 1

    target = dirs / "restored.sqlite3"
    shutil.copyfile(migrated_sqlite, target)
    env = {**_env(target, dirs), "LOANLIT_BACKUP_KEY": settings.BACKUP_KEY}
    restored = _manage("restore", run.path, env=env)
    assert restored.returncode == 0, restored.stdout[-2000:] + restored.stderr[-3000:]
    assert "Row counts and file hashes match the archive." in restored.stdout
    audit = _manage("verify_audit", env=env)
    assert audit.returncode == 0, audit.stdout[-2000:] + audit.stderr[-2000:]

    with sqlite3.connect(target) as db:
        after = {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in before}
        case_ids = [row[0] for row in db.execute("SELECT id FROM cases_case")]
        principal = db.execute("SELECT principal FROM loans_loancontract").fetchone()[0]
        sha = db.execute("SELECT sha256 FROM documents_documentversion").fetchone()[0]
        party_columns = [c[1] for c in db.execute("PRAGMA table_info(parties_party)")]
        party_row = db.execute("SELECT * FROM parties_party WHERE id = ?", [world.borrower.pk]).fetchone()
        restored_party = dict(zip(party_columns, party_row, strict=True))
    assert after == before
    assert media_hashes(dirs / "restored-media") == files_before
    assert case_ids == [world.case.pk]
    assert principal == 1_200_000  # 12,000.00 yuan as integer fen, unchanged
    assert sha == version.sha256
    with connection.cursor() as cursor:  # the ciphertext of the ID number comes back byte for byte
        cursor.execute("SELECT * FROM parties_party WHERE id = %s", [world.borrower.pk])
        source_party = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    cipher_columns = [name for name in source_party if "id_number" in name]
    assert cipher_columns and {c: restored_party[c] for c in cipher_columns} == {
        c: source_party[c] for c in cipher_columns
    }
    assert world.borrower.id_number.reveal() != ""


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_in_use(dirs, settings):
    from django.core.management.base import CommandError

    world_with_document(build_personas())
    call_command("backup", "--output", str(dirs / "a.tar"), stdout=io.StringIO())
    cases_before = Case.objects.count()
    with pytest.raises(CommandError, match="The database is not empty"):
        call_command("restore", str(dirs / "a.tar"), stdout=io.StringIO())
    assert Case.objects.count() == cases_before


def test_manifest_lists_every_part_with_its_hash_in_primary_key_order(dirs, personas):
    world_with_document(personas)
    from loanlit.backups import services

    run = services.backup_create(output=dirs / "m.tar")
    with tarfile.open(run.path) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile(archive.MANIFEST).read())
        assert names[0] == archive.MANIFEST
        assert manifest["format"] == "loanlit-backup" and manifest["format_version"] == 1
        assert manifest["vendor"] == connection.vendor and manifest["migrations"]["backups"] == "0001_initial"
        tables = {p["table"]: p for p in manifest["tables"]}
        assert "django_session" not in tables and "backups_backuprun" not in tables
        assert tables["cases_case"]["rows"] == 1
        for part in manifest["tables"]:
            import gzip
            import hashlib

            data = tar.extractfile(part["part"]).read()
            assert hashlib.sha256(data).hexdigest() == part["sha256"]
            rows = [json.loads(line) for line in gzip.decompress(data).decode().splitlines()]
            assert len(rows) == part["rows"]
            pk = [c[0] for c in part["columns"]].index(part["pk"])
            assert [r[pk] for r in rows] == sorted(r[pk] for r in rows)
        assert manifest["files"]["count"] == len([n for n in names if n.startswith("media/")]) >= 1
