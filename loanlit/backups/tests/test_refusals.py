"""A damaged, incomplete or foreign archive is refused before anything is written, naming what is wrong;
a backup with a referenced file missing fails naming the file."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loanlit.backups import archive, services
from loanlit.backups.models import BackupRun
from loanlit.backups.tests.support import key, table_counts, world_with_document
from loanlit.documents.models import DocumentVersion

pytestmark = pytest.mark.django_db

CASE_PART = "tables/cases_case.jsonl.gz"


@pytest.fixture
def dirs(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.LANGUAGE_CODE = "en"
    return tmp_path


@pytest.fixture
def backup(dirs, personas):
    world_with_document(personas)
    return Path(services.backup_create(output=dirs / "good.tar").path)


def _restore_fails(path: Path) -> str:
    before = table_counts()
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(path), stdout=io.StringIO())
    assert table_counts() == before  # refused before anything was written
    return str(refused.value)


def _offset_of(path: Path, name: str) -> int:
    with tarfile.open(path) as tar:
        return tar.getmember(name).offset_data


def test_a_flipped_byte_in_a_table_part_is_refused_naming_the_part(backup):
    data = bytearray(backup.read_bytes())
    data[_offset_of(backup, CASE_PART) + 12] ^= 0x01
    backup.write_bytes(bytes(data))
    message = _restore_fails(backup)
    assert f"Part “{CASE_PART}” is damaged: its SHA-256 does not match the manifest." in message


def test_a_flipped_byte_in_a_media_file_is_refused_naming_the_file(backup):
    with tarfile.open(backup) as tar:
        media = next(m for m in tar.getmembers() if m.name.startswith(archive.MEDIA_PREFIX))
    data = bytearray(backup.read_bytes())
    data[media.offset_data] ^= 0xFF
    backup.write_bytes(bytes(data))
    assert f"Part “{media.name}” is damaged" in _restore_fails(backup)


def test_a_missing_part_is_refused_naming_it(backup, dirs):
    holed = dirs / "holed.tar"
    with tarfile.open(backup) as source, tarfile.open(holed, "w", format=tarfile.PAX_FORMAT) as target:
        for member in source.getmembers():
            if member.name != CASE_PART:
                target.addfile(member, source.extractfile(member))
    assert f"Part “{CASE_PART}” is missing" in _restore_fails(holed)


def test_a_truncated_archive_is_refused(backup):
    data = backup.read_bytes()
    cut = _offset_of(backup, CASE_PART) + 3
    backup.write_bytes(data[:cut])
    message = _restore_fails(backup)
    assert "cut off" in message or "is missing" in message
    assert "tables/" in message


def test_an_archive_that_is_not_a_backup_is_refused(dirs):
    junk = dirs / "junk.tar"
    junk.write_bytes(b"this is not a tar file at all" * 100)
    assert "damaged or is not a Loanlit backup" in _restore_fails(junk)
    assert "There is no archive at" in _restore_fails(dirs / "nowhere.tar")


def test_an_archive_from_another_migration_state_is_refused_naming_the_app(backup, dirs):
    import json

    other = dirs / "other.tar"
    with tarfile.open(backup) as source, tarfile.open(other, "w", format=tarfile.PAX_FORMAT) as target:
        for member in source.getmembers():
            handle = source.extractfile(member)
            if member.name == archive.MANIFEST:
                manifest = json.loads(handle.read())
                manifest["migrations"]["cases"] = "9999_future"
                data = json.dumps(manifest).encode()
                member.size = len(data)
                target.addfile(member, io.BytesIO(data))
            else:
                target.addfile(member, handle)
    assert "cases: archive 9999_future, this database" in _restore_fails(other)


def test_an_archive_sealed_with_another_key_id_is_refused_with_both_ids(dirs, personas, settings):
    world_with_document(personas)
    settings.BACKUP_KEY = key("k1", 1)
    path = Path(services.backup_create(output=dirs / "sealed.tar.enc", encrypt=True).path)
    assert path.read_bytes().startswith(b"LLBKENC1\n")
    settings.BACKUP_KEY = key("k2", 2)
    assert "The archive is encrypted with key “k1”; this installation has key “k2”." in _restore_fails(path)
    settings.BACKUP_KEY = ""
    assert "LOANLIT_BACKUP_KEY is not set" in _restore_fails(path)


def test_a_flipped_or_cut_encrypted_archive_is_refused(dirs, personas, settings):
    world_with_document(personas)
    settings.BACKUP_KEY = key("k1", 1)
    path = Path(services.backup_create(output=dirs / "sealed.tar.enc", encrypt=True).path)
    data = path.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(flipped))
    assert "fails its integrity check" in _restore_fails(path)
    path.write_bytes(data[: len(data) - 40])
    assert "cut off" in _restore_fails(path)
    path.write_bytes(data[: data.index(b"\n", len(b"LLBKENC1\n")) + 1])  # the header, no chunk at all
    assert "cut off after 0 encrypted chunks" in _restore_fails(path)


def test_encrypting_without_a_key_is_refused(dirs, settings):
    settings.BACKUP_KEY = ""
    with pytest.raises(CommandError, match="LOANLIT_BACKUP_KEY is not set"):
        call_command("backup", "--encrypt", "--output", str(dirs / "x.tar.enc"), stdout=io.StringIO())
    settings.BACKUP_KEY = "k1:not-base64"
    with pytest.raises(CommandError, match="must be"):
        call_command("backup", "--encrypt", "--output", str(dirs / "x.tar.enc"), stdout=io.StringIO())


def test_a_missing_document_file_fails_the_backup_naming_it(dirs, personas, settings):
    world = world_with_document(personas)
    version = DocumentVersion.objects.get(document=world.document)
    (Path(settings.MEDIA_ROOT) / version.storage_name).unlink()
    with pytest.raises(CommandError) as failed:
        call_command("backup", "--output", str(dirs / "x.tar"), stdout=io.StringIO())
    assert f"file “{version.storage_name}” (table documents_documentversion, row {version.pk})" in str(failed.value)
    assert not (dirs / "x.tar").exists() and not (dirs / "x.tar.partial").exists()
    run = BackupRun.objects.get()
    assert run.state == BackupRun.State.FAILED and version.storage_name in run.error


def test_a_backup_inside_the_media_directory_is_refused(dirs, settings):
    with pytest.raises(CommandError, match="must not be written inside the media directory"):
        call_command("backup", "--output", str(Path(settings.MEDIA_ROOT) / "b.tar"), stdout=io.StringIO())
