"""The archive format shared by backup and restore.

An archive is one tar file (PAX headers, so Chinese file names survive), optionally sealed as a whole by
:mod:`loanlit.backups.crypto`. Members, in this order::

    manifest.json                     format, created_at, vendor, migration state, tables, SHA-256 of parts
    tables/<db_table>.jsonl.gz        one JSON array per row, primary-key order, columns as in the manifest
    files.jsonl.gz                    one {"path", "size", "sha256"} per file, in the order of the media parts
    media/<path under MEDIA_ROOT>     the files themselves, as stored

The manifest comes first so a restore can refuse a wrong archive before reading anything else; it
names the SHA-256 of every table part and of the file index, and the index names the SHA-256 of
every file, so one pass proves every byte.
"""

from __future__ import annotations

import hashlib
from typing import IO, Final

FORMAT: Final = "loanlit-backup"
FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
FILE_INDEX: Final = "files.jsonl.gz"
TABLES_PREFIX: Final = "tables/"
MEDIA_PREFIX: Final = "media/"
COPY_CHUNK: Final = 1024 * 1024


def table_part(table: str) -> str:
    return f"{TABLES_PREFIX}{table}.jsonl.gz"


def media_part(path: str) -> str:
    return f"{MEDIA_PREFIX}{path}"


class HashingWriter:
    """A write-through file that hashes and counts what passes (the archive's own SHA-256 and size)."""

    def __init__(self, sink: IO[bytes]) -> None:
        self._sink = sink
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._sink.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self._sink.flush()


class HashingReader:
    """A read-through file that hashes and counts what passes."""

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def safe_relative(path: str) -> bool:
    """A media path that stays inside MEDIA_ROOT once joined to it (no absolute path, no ``..``)."""
    if not path or path.startswith(("/", "\\")) or "\x00" in path:
        return False
    parts = path.replace("\\", "/").split("/")
    return all(part not in ("", ".", "..") for part in parts) and ":" not in parts[0]
