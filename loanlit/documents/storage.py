"""Files of the document store, through Django's storage API only (local files or an object store).

An upload streams chunk by chunk into ``default_storage`` under a name of ours
(``documents/<yyyy>/<mm>/<uuid>.bin``) while its SHA-256 and size are computed; the type is detected
from the first bytes (magic numbers), never from the name or the browser's claim. Nothing is read
whole into memory.
"""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

CHUNK_SIZE = 64 * 1024
HEAD_SIZE = 8 * 1024

# Types a browser may show inline: they cannot run script in our origin.
INLINE_SAFE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})


class TooLarge(Exception):
    """The stream passed ``limit`` bytes; nothing is left in storage."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str
    content_type: str
    inline_safe: bool


STORE_PREFIX = "documents"


def new_storage_name() -> str:
    now = timezone.now()
    return f"{STORE_PREFIX}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.bin"


def _chunks_of(content: Any) -> Iterator[bytes]:
    """Chunks of bytes, an ``UploadedFile``/``File`` (``chunks()``) or any readable binary file."""
    if isinstance(content, bytes | bytearray | memoryview):
        data = bytes(content)
        for start in range(0, len(data), CHUNK_SIZE):
            yield data[start : start + CHUNK_SIZE]
        return
    if hasattr(content, "chunks"):
        yield from content.chunks(CHUNK_SIZE)
        return
    if hasattr(content, "read"):
        while True:
            chunk = content.read(CHUNK_SIZE)
            if not chunk:
                return
            yield chunk
        return
    raise TypeError(f"cannot store {type(content).__name__}")


class _HashingStream(File):
    """What the storage backend reads: every chunk passes through the hash, the counter and the limit.

    Backends either iterate ``chunks()`` (local files) or call ``read()`` (object stores)."""

    def __init__(self, source: Iterable[bytes], limit: int | None) -> None:
        super().__init__(None, name="upload.bin")
        self._source = iter(source)
        self._limit = limit
        self._buffer = b""
        self.digest = hashlib.sha256()
        self.received = 0
        self.head = b""

    def _next(self) -> bytes:
        for chunk in self._source:
            if not chunk:
                continue
            self.received += len(chunk)
            if self._limit is not None and self.received > self._limit:
                raise TooLarge(self._limit)
            self.digest.update(chunk)
            if len(self.head) < HEAD_SIZE:
                self.head += chunk[: HEAD_SIZE - len(self.head)]
            return chunk
        return b""

    def chunks(self, chunk_size: int | None = None) -> Iterator[bytes]:
        if self._buffer:
            yield self._buffer
            self._buffer = b""
        while chunk := self._next():
            yield chunk

    def multiple_chunks(self, chunk_size: int | None = None) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = self._next()
            if not chunk:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    @property
    def size(self) -> int:  # type: ignore[override]
        # Unknown before the end; object-store backends then stream instead of pre-sizing.
        return self.received

    def close(self) -> None:
        return None


def store(content: Any, *, limit: int | None) -> StoredFile:
    """Stream ``content`` into storage; raises ``TooLarge`` past ``limit`` bytes (nothing left behind)."""
    stream = _HashingStream(_chunks_of(content), limit)
    wanted = new_storage_name()
    name = wanted
    try:
        name = default_storage.save(wanted, stream)
    except BaseException:
        delete_quietly(name)
        raise
    try:
        content_type = detect_type(stream.head, name)
    except BaseException:
        delete_quietly(name)
        raise
    return StoredFile(
        name=name,
        size=stream.received,
        sha256=stream.digest.hexdigest(),
        content_type=content_type,
        inline_safe=content_type in INLINE_SAFE_TYPES,
    )


def delete_quietly(name: str) -> None:
    try:
        if name and default_storage.exists(name):
            default_storage.delete(name)
    except OSError:
        pass


def open_stored(name: str) -> IO[bytes]:
    return default_storage.open(name, "rb")


def exists(name: str) -> bool:
    return default_storage.exists(name)


def iter_stored(prefix: str = STORE_PREFIX) -> Iterator[str]:
    """Every stored file name under ``prefix`` (storage API only, so local files and object stores alike)."""
    if not default_storage.exists(prefix):
        return
    directories, files = default_storage.listdir(prefix)
    for name in sorted(files):
        yield f"{prefix}/{name}"
    for directory in sorted(directories):
        yield from iter_stored(f"{prefix}/{directory}")


def sha256_of_stored(name: str) -> tuple[str, int]:
    """(SHA-256, size) of a stored file, read chunk by chunk."""
    digest = hashlib.sha256()
    size = 0
    with default_storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# --- type detection ------------------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xca\xfe\xba\xbe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"#!", "text/x-script"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
)
_OOXML = (
    ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)
_MARKUP = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<?xml", b"<svg")


def detect_type(head: bytes, stored_name: str | None = None) -> str:
    """The content type from the first bytes; ZIP files are opened (directory only) to tell Office apart."""
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_type(stored_name)
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return _text_type(head)


def _zip_type(stored_name: str | None) -> str:
    if stored_name is None:
        return "application/zip"
    try:
        with default_storage.open(stored_name, "rb") as handle, zipfile.ZipFile(handle) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return declared
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return "application/zip"
    if "[Content_Types].xml" in names:
        for prefix, content_type in _OOXML:
            if any(n.startswith(prefix) for n in names):
                return content_type
    return "application/zip"


def _text_type(head: bytes) -> str:
    sample = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if b"<svg" in sample[:1024]:
        return "image/svg+xml"
    if any(sample.startswith(tag) for tag in _MARKUP) or b"<script" in sample or b"<html" in sample:
        return "text/html"
    if not sample:
        return "application/octet-stream"
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        # A cut in the middle of a character at the end of the sample is still text.
        try:
            text = sample[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "application/octet-stream"
    if any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f"):
        return "application/octet-stream"
    return "text/plain"


def read_all(name: str) -> bytes:
    """The whole stored file (tests and small previews only)."""
    with default_storage.open(name, "rb") as handle:
        return handle.read()


__all__ = [
    "INLINE_SAFE_TYPES",
    "StoredFile",
    "TooLarge",
    "delete_quietly",
    "detect_type",
    "exists",
    "iter_stored",
    "open_stored",
    "read_all",
    "sha256_of_stored",
    "store",
]
