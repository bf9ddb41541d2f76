"""Restore an archive into a freshly migrated, unused database.

Two passes over the archive. The first proves it: the manifest (format, this code's migration state,
these tables and columns), then every part in order against the SHA-256 the manifest or the file
index names. Nothing is written before the whole archive has been proved. The second loads it in one
transaction: the rows ``migrate`` seeded are deleted from the archived tables, every table is inserted
in dependency order (foreign keys are deferred to commit), the files are written to MEDIA_ROOT,
sequences are reset, and before commit the row counts, the files' hashes and ``verify_audit`` are
checked — any failure rolls the database back and removes the files written.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from loanlit.audit.maintenance import APPEND_ONLY_TABLES, append_only_suspended
from loanlit.backups import archive, crypto
from loanlit.backups.services import media_root, migration_state
from loanlit.backups.tables import Column, Table, backed_up_tables, importer
from loanlit.core.errors import DomainError

INSERT_BATCH = 1000
Progress = Callable[[int, int | None, str], None]


class ArchiveRefused(DomainError):
    """The archive is damaged, incomplete, from other code or sealed with another key."""


@dataclass
class RestoreResult:
    counts: dict[str, int]
    file_count: int
    audit_report: str
    manifest: dict[str, Any]


def _noop(done: int, total: int | None, message: str) -> None:
    return None


@contextmanager
def _open_stream(path: Path) -> Iterator[IO[bytes]]:
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise ArchiveRefused(_("Cannot open the archive %(path)s: %(error)s") % {"path": path, "error": exc.strerror})
    try:
        head = handle.read(len(crypto.MAGIC))
        handle.seek(0)
        if crypto.is_encrypted(head):
            reader = crypto.DecryptingReader(handle, crypto.configured_key())
            yield reader  # type: ignore[misc]
            _drain(reader)  # type: ignore[arg-type]
        else:
            yield handle
    finally:
        handle.close()


def _drain(reader: IO[bytes]) -> None:
    while reader.read(archive.COPY_CHUNK):
        pass


class _Walk:
    """Members of the tar stream one at a time, naming the last good part when the stream breaks."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.last = ""
        try:
            self._tar = tarfile.open(fileobj=stream, mode="r|")  # noqa: SIM115
        except (tarfile.TarError, EOFError, OSError, crypto.ArchiveDamaged) as exc:
            raise self._damaged(exc) from None

    def _damaged(self, exc: BaseException) -> ArchiveRefused:
        detail = str(exc) or type(exc).__name__
        if self.last:
            return ArchiveRefused(
                _("The archive is damaged or cut off after part “%(part)s”: %(detail)s")
                % {"part": self.last, "detail": detail},
                code="damaged",
            )
        return ArchiveRefused(
            _("The archive is damaged or is not a Loanlit backup: %(detail)s") % {"detail": detail}, code="damaged"
        )

    def next(self) -> tarfile.TarInfo | None:
        try:
            member = self._tar.next()
        except (tarfile.TarError, EOFError, OSError, crypto.ArchiveDamaged) as exc:
            raise self._damaged(exc) from None
        self._tar.members = []  # type: ignore[attr-defined]  # stream mode: do not keep every header in memory
        return member

    def open(self, member: tarfile.TarInfo) -> IO[bytes]:
        handle = self._tar.extractfile(member)
        if handle is None:
            raise ArchiveRefused(_("Part “%(part)s” is not a file.") % {"part": member.name}, code="damaged")
        return _Guarded(handle, self)  # type: ignore[return-value]

    def done(self, name: str) -> None:
        self.last = name

    def expect(self, name: str) -> tarfile.TarInfo:
        member = self.next()
        if member is None:
            raise ArchiveRefused(
                _("Part “%(part)s” is missing: the archive ends after “%(last)s”.")
                % {"part": name, "last": self.last or "-"},
                code="missing_part",
            )
        if member.name != name:
            raise ArchiveRefused(
                _("Part “%(part)s” is missing (found “%(found)s” in its place).")
                % {"part": name, "found": member.name},
                code="missing_part",
            )
        return member

    def end(self) -> None:
        member = self.next()
        if member is not None:
            raise ArchiveRefused(
                _("The archive holds a part its manifest does not list: “%(part)s”.") % {"part": member.name},
                code="extra_part",
            )


class _Guarded(io.RawIOBase):
    def __init__(self, handle: IO[bytes], walk: _Walk) -> None:
        self._handle = handle
        self._walk = walk

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except (tarfile.TarError, EOFError, OSError, crypto.ArchiveDamaged) as exc:
            raise self._walk._damaged(exc) from None

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _hash_member(walk: _Walk, member: tarfile.TarInfo, *, copy_to: IO[bytes] | None = None) -> str:
    digest = hashlib.sha256()
    handle = walk.open(member)
    while chunk := handle.read(archive.COPY_CHUNK):
        digest.update(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest()


def _check_hash(name: str, actual: str, expected: str) -> None:
    if actual != expected:
        raise ArchiveRefused(
            _("Part “%(part)s” is damaged: its SHA-256 does not match the manifest.") % {"part": name},
            code="bad_hash",
        )


# --- checks before anything is written ---------------------------------------------------------------------


def _read_manifest(walk: _Walk) -> dict[str, Any]:
    member = walk.expect(archive.MANIFEST)
    raw = walk.open(member).read(64 * 1024 * 1024)
    try:
        manifest = json.loads(raw)
    except ValueError:
        raise ArchiveRefused(_("The manifest is damaged (not JSON)."), code="bad_manifest") from None
    if not isinstance(manifest, dict) or manifest.get("format") != archive.FORMAT:
        raise ArchiveRefused(
            _("This is not a Loanlit backup (the manifest has no Loanlit format)."), code="bad_manifest"
        )
    if manifest.get("format_version") != archive.FORMAT_VERSION:
        raise ArchiveRefused(
            _("Backup format version %(found)s is not supported (this version reads %(ours)s).")
            % {"found": manifest.get("format_version"), "ours": archive.FORMAT_VERSION},
            code="bad_manifest",
        )
    try:
        for part in manifest["tables"]:
            str(part["table"]), str(part["part"]), int(part["rows"]), str(part["sha256"]), list(part["columns"])
        files = manifest["files"]
        int(files["count"]), str(files["sha256"])
        dict(manifest["migrations"])
    except (KeyError, TypeError, ValueError):
        raise ArchiveRefused(_("The manifest is damaged (a required entry is missing)."), code="bad_manifest") from None
    walk.done(archive.MANIFEST)
    return manifest


def _check_code(manifest: dict[str, Any], tables: list[Table]) -> None:
    ours = migration_state()
    theirs = {str(k): str(v) for k, v in manifest["migrations"].items()}
    differences = []
    for app in sorted(set(ours) | set(theirs)):
        if ours.get(app) != theirs.get(app):
            differences.append(
                _("%(app)s: archive %(archive)s, this database %(ours)s")
                % {"app": app, "archive": theirs.get(app, "-"), "ours": ours.get(app, "-")}
            )
    if differences:
        raise ArchiveRefused(
            _("The archive was made by another version of Loanlit (migration state differs: %(diff)s).")
            % {"diff": "; ".join(differences[:10])},
            code="migrations",
        )
    by_name = {t.name: t for t in tables}
    listed = {p["table"] for p in manifest["tables"]}
    for part in manifest["tables"]:
        table = by_name.get(part["table"])
        if table is None:
            raise ArchiveRefused(
                _("The archive holds table %(table)s, which this version does not have.") % {"table": part["table"]},
                code="tables",
            )
        if [c[0] for c in part["columns"]] != table.column_names:
            raise ArchiveRefused(
                _("The columns of table %(table)s differ between the archive and this version.")
                % {"table": part["table"]},
                code="tables",
            )
    absent = sorted(set(by_name) - listed)
    if absent:
        raise ArchiveRefused(
            _("The archive lacks tables this version has: %(tables)s.") % {"tables": ", ".join(absent[:10])},
            code="tables",
        )


def _check_target_unused() -> None:
    """Only a never-used database is restored into: no users, no audit entries, no access-log rows
    (``migrate`` seeds roles, stages, courts and templates, but it creates no user and audits nothing)."""
    from loanlit.audit.models import AccessLog, AuditEntry

    if get_user_model().objects.exists() or AuditEntry.objects.exists() or AccessLog.objects.exists():
        raise DomainError(
            _(
                "The database is not empty (it has users or audit entries). Restore only into a freshly migrated, "
                "unused database."
            ),
            code="not_empty",
        )
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise DomainError(_("The database has unapplied migrations: run “manage.py migrate” first."), code="unmigrated")


def _index_entries(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                entry = json.loads(line)
                if not archive.safe_relative(str(entry["path"])):
                    raise ArchiveRefused(
                        _("The file index names a path outside the media directory: %(path)s")
                        % {"path": entry["path"]},
                        code="bad_index",
                    )
                yield entry
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        raise ArchiveRefused(_("The file index is damaged."), code="bad_index") from None


def verify_archive(path: Path, *, workdir: Path, progress: Progress = _noop) -> tuple[dict[str, Any], Path]:
    """Pass 1: prove every part; returns the manifest and the saved file index."""
    tables = backed_up_tables(connection)
    index_path = workdir / "files.gz"
    with _open_stream(path) as stream:
        walk = _Walk(stream)
        manifest = _read_manifest(walk)
        _check_code(manifest, tables)
        for part in manifest["tables"]:
            member = walk.expect(part["part"])
            _check_hash(part["part"], _hash_member(walk, member), part["sha256"])
            walk.done(part["part"])
        files = manifest["files"]
        member = walk.expect(archive.FILE_INDEX)
        with open(index_path, "wb") as saved:
            _check_hash(archive.FILE_INDEX, _hash_member(walk, member, copy_to=saved), files["sha256"])
        walk.done(archive.FILE_INDEX)
        count = 0
        for entry in _index_entries(index_path):
            name = archive.media_part(entry["path"])
            member = walk.expect(name)
            _check_hash(name, _hash_member(walk, member), entry["sha256"])
            walk.done(name)
            count += 1
            if count % 200 == 0:
                progress(count, int(files["count"]), _("Checking files"))
        if count != int(files["count"]):
            raise ArchiveRefused(_("The file index does not match the manifest's file count."), code="bad_index")
        walk.end()
    return manifest, index_path


# --- loading -----------------------------------------------------------------------------------------------------


def _defer_constraints() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA defer_foreign_keys = ON")
        elif connection.vendor == "mysql":
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")


def _clear(tables: list[Table]) -> None:
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in reversed(tables):
            cursor.execute(f"DELETE FROM {q(table.name)}")  # noqa: S608


def _insert_rows(table: Table, columns: list[Column], rows: Iterator[list[Any]]) -> int:
    q = connection.ops.quote_name
    convert = importer(columns, connection)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {q(table.name)} ({', '.join(q(c.name) for c in columns)}) VALUES ({placeholders})"  # noqa: S608
    total = 0
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(convert(row))
            if len(batch) >= INSERT_BATCH:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
    return total


def _rows_of(handle: IO[bytes], table: str, width: int) -> Iterator[list[Any]]:
    with gzip.GzipFile(fileobj=handle, mode="rb") as gz:
        for number, line in enumerate(io.TextIOWrapper(gz, encoding="utf-8"), start=1):
            try:
                row = json.loads(line)
            except ValueError:
                raise ArchiveRefused(
                    _("Row %(row)s of table %(table)s is damaged.") % {"row": number, "table": table}, code="bad_row"
                ) from None
            if not isinstance(row, list) or len(row) != width:
                raise ArchiveRefused(
                    _("Row %(row)s of table %(table)s is damaged.") % {"row": number, "table": table}, code="bad_row"
                )
            yield row


def _reset_sequences(tables: list[Table]) -> None:
    models = [t.model for t in tables]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return int(cursor.fetchone()[0])


def _write_file(walk: _Walk, member: tarfile.TarInfo, target: Path, written: list[Path]) -> str:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".restoring")
    digest = hashlib.sha256()
    handle = walk.open(member)
    with open(temporary, "wb") as out:
        written.append(temporary)
        while chunk := handle.read(archive.COPY_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    os.replace(temporary, target)
    written.append(target)
    return digest.hexdigest()


def restore_archive(*, path: Path, progress: Progress = _noop) -> RestoreResult:
    """Check, then load ``path``; raises DomainError (translated) naming what is wrong."""
    path = Path(path)
    root = media_root()
    existing_before: set[Path] = set()
    with tempfile.TemporaryDirectory(prefix="loanlit-restore-") as tmp:
        manifest, index_path = verify_archive(path, workdir=Path(tmp), progress=progress)
        _check_target_unused()
        tables = {t.name: t for t in backed_up_tables(connection)}
        ordered = [tables[p["table"]] for p in manifest["tables"]]
        total_rows = sum(int(p["rows"]) for p in manifest["tables"])
        written: list[Path] = []
        try:
            with transaction.atomic(), append_only_suspended():
                _defer_constraints()
                _clear(ordered)
                done = 0
                with _open_stream(path) as stream:
                    walk = _Walk(stream)
                    walk.expect(archive.MANIFEST)
                    walk.done(archive.MANIFEST)
                    for part in manifest["tables"]:
                        member = walk.expect(part["part"])
                        table = tables[part["table"]]
                        hashing = archive.HashingReader(walk.open(member))
                        try:
                            inserted = _insert_rows(
                                table,
                                list(table.columns),
                                _rows_of(hashing, table.name, len(table.columns)),  # type: ignore[arg-type]
                            )
                        except (DatabaseError, ValueError, TypeError) as exc:
                            raise ArchiveRefused(
                                _("Table %(table)s could not be loaded: %(error)s")
                                % {"table": table.name, "error": exc},
                                code="load",
                            ) from None
                        _drain(hashing)  # type: ignore[arg-type]
                        _check_hash(part["part"], hashing.hexdigest(), part["sha256"])
                        if inserted != int(part["rows"]):
                            raise ArchiveRefused(
                                _("Table %(table)s: the archive holds %(found)s rows, the manifest %(listed)s.")
                                % {"table": table.name, "found": inserted, "listed": part["rows"]},
                                code="count",
                            )
                        walk.done(part["part"])
                        done += inserted
                        progress(done, total_rows, _("Loading tables"))
                    walk.expect(archive.FILE_INDEX)
                    walk.done(archive.FILE_INDEX)
                    file_count = 0
                    for entry in _index_entries(index_path):
                        name = archive.media_part(entry["path"])
                        member = walk.expect(name)
                        target = root / entry["path"]
                        if target.exists():
                            existing_before.add(target)
                        _check_hash(name, _write_file(walk, member, target, written), entry["sha256"])
                        walk.done(name)
                        file_count += 1
                    walk.end()
                _reset_sequences(ordered)
                # Verify before commit: a failure below rolls everything back.
                counts = {}
                for part in manifest["tables"]:
                    counts[part["table"]] = _count(part["table"])
                    if counts[part["table"]] != int(part["rows"]):
                        raise ArchiveRefused(
                            _("Table %(table)s has %(found)s rows after the restore, the archive %(listed)s.")
                            % {"table": part["table"], "found": counts[part["table"]], "listed": part["rows"]},
                            code="count",
                        )
                for entry in _index_entries(index_path):
                    target = root / entry["path"]
                    digest = hashlib.sha256()
                    with open(target, "rb") as handle:
                        while chunk := handle.read(archive.COPY_CHUNK):
                            digest.update(chunk)
                    if digest.hexdigest() != entry["sha256"]:
                        raise ArchiveRefused(
                            _("File %(path)s differs from the archive after the restore.") % {"path": entry["path"]},
                            code="file_hash",
                        )
                report = io.StringIO()
                try:
                    call_command("verify_audit", stdout=report, stderr=io.StringIO())
                except CommandError as exc:
                    raise ArchiveRefused(
                        _("The restored audit trail does not verify: %(error)s") % {"error": exc}, code="audit"
                    ) from None
        except IntegrityError as exc:
            _remove(written, existing_before)
            raise ArchiveRefused(
                _("The restored rows break a database constraint: %(error)s") % {"error": exc}, code="integrity"
            ) from None
        except BaseException:
            _remove(written, existing_before)
            raise
    return RestoreResult(
        counts=counts, file_count=file_count, audit_report=report.getvalue().strip(), manifest=manifest
    )


def _remove(written: list[Path], keep: set[Path]) -> None:
    for target in written:
        if target in keep:
            continue
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)


__all__ = ["APPEND_ONLY_TABLES", "ArchiveRefused", "RestoreResult", "restore_archive", "verify_archive"]
