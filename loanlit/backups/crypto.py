"""Streamed AES-256-GCM for backup archives (``LOANLIT_BACKUP_KEY`` = ``"kid:base64 of 32 bytes"``).

Layout of an encrypted archive::

    b"LLBKENC1\\n"  header-json  b"\\n"          # {"alg": "AES-256-GCM", "kid": "…", "chunk": n, "nonce": "hex 4"}
    repeated: 4-byte big-endian length, ciphertext+tag of one chunk

Each chunk is sealed on its own with the nonce ``prefix(4) || counter(8)`` and the associated data
``header || counter || final-flag``: a flipped byte fails that chunk's tag, a reordered or dropped chunk
fails the counter, and a cut-off archive lacks the chunk marked final. The key id is in the clear so a
restore can refuse an archive sealed with another key before trying to decrypt anything.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from dataclasses import dataclass
from typing import IO, Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

from loanlit.core.errors import DomainError

MAGIC: Final = b"LLBKENC1\n"
CHUNK_SIZE: Final = 1024 * 1024
ALGORITHM: Final = "AES-256-GCM"
TAG_SIZE: Final = 16
_LENGTH = struct.Struct(">I")


@dataclass(frozen=True)
class BackupKey:
    kid: str
    key: bytes


def configured_key() -> BackupKey | None:
    """The key from settings, or None when LOANLIT_BACKUP_KEY is not set; a malformed key is refused."""
    raw = str(getattr(settings, "BACKUP_KEY", "") or "").strip()
    if not raw:
        return None
    kid, sep, encoded = raw.partition(":")
    try:
        key = base64.b64decode(encoded, validate=True) if sep else b""
    except (binascii.Error, ValueError):
        key = b""
    if not kid or len(key) != 32:
        raise DomainError(_("LOANLIT_BACKUP_KEY must be “key-id:base64 of 32 bytes”."), code="bad_key")
    return BackupKey(kid=kid, key=key)


def is_encrypted(head: bytes) -> bool:
    return head.startswith(MAGIC)


class EncryptingWriter:
    """A write-only binary file: everything written is sealed chunk by chunk into ``sink``."""

    def __init__(self, sink: IO[bytes], key: BackupKey, *, chunk_size: int = CHUNK_SIZE) -> None:
        self._sink = sink
        self._aead = AESGCM(key.key)
        self._chunk_size = chunk_size
        prefix = os.urandom(4)
        header = {"alg": ALGORITHM, "kid": key.kid, "chunk": chunk_size, "nonce": prefix.hex()}
        self._header = json.dumps(header, sort_keys=True).encode()
        self._prefix = prefix
        self._counter = 0
        self._buffer = bytearray()
        self._closed = False
        sink.write(MAGIC + self._header + b"\n")

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        while len(self._buffer) > self._chunk_size:  # keep at least one byte back: the last chunk is "final"
            self._seal(bytes(self._buffer[: self._chunk_size]), final=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def flush(self) -> None:
        self._sink.flush()

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True

    def _seal(self, plain: bytes, *, final: bool) -> None:
        nonce = self._prefix + self._counter.to_bytes(8, "big")
        aad = self._header + self._counter.to_bytes(8, "big") + (b"\x01" if final else b"\x00")
        sealed = self._aead.encrypt(nonce, plain, aad)
        self._sink.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1


class ArchiveDamaged(DomainError):
    """Raised while reading an encrypted archive: a chunk fails its tag, is missing or is cut off."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="damaged")


class DecryptingReader:
    """A read-only binary file over an encrypted archive; refuses another key id up front."""

    def __init__(self, source: IO[bytes], key: BackupKey | None) -> None:
        magic = source.read(len(MAGIC))
        if magic != MAGIC:
            raise ArchiveDamaged(_("The archive does not start with the encrypted-backup header."))
        line = source.readline(4096)
        try:
            header: dict[str, Any] = json.loads(line)
            prefix = bytes.fromhex(header["nonce"])
            kid = str(header["kid"])
            chunk_size = int(header["chunk"])
        except (ValueError, KeyError, TypeError):
            raise ArchiveDamaged(_("The encrypted archive's header is damaged.")) from None
        if header.get("alg") != ALGORITHM or len(prefix) != 4 or chunk_size <= 0:
            raise ArchiveDamaged(_("The encrypted archive's header is damaged."))
        if key is None:
            raise DomainError(
                _("The archive is encrypted with key “%(kid)s”, but LOANLIT_BACKUP_KEY is not set.") % {"kid": kid},
                code="no_key",
            )
        if key.kid != kid:
            raise DomainError(
                _("The archive is encrypted with key “%(archive)s”; this installation has key “%(ours)s”.")
                % {"archive": kid, "ours": key.kid},
                code="wrong_key",
            )
        self.kid = kid
        self._source = source
        self._aead = AESGCM(key.key)
        self._header = line.rstrip(b"\n")
        self._prefix = prefix
        self._max_sealed = chunk_size + TAG_SIZE
        self._counter = 0
        self._buffer = b""
        self._offset = 0
        self._done = False
        self.position = 0  # plaintext bytes handed out so far

    def _next_chunk(self) -> None:
        head = self._source.read(_LENGTH.size)
        if not head:
            raise ArchiveDamaged(
                _("The archive is cut off after %(count)s encrypted chunks.") % {"count": self._counter}
            )
        if len(head) != _LENGTH.size:
            raise ArchiveDamaged(_("The archive is cut off inside chunk %(n)s.") % {"n": self._counter})
        (length,) = _LENGTH.unpack(head)
        if length < TAG_SIZE or length > self._max_sealed:
            raise ArchiveDamaged(_("Encrypted chunk %(n)s is damaged.") % {"n": self._counter})
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise ArchiveDamaged(_("The archive is cut off inside chunk %(n)s.") % {"n": self._counter})
        nonce = self._prefix + self._counter.to_bytes(8, "big")
        base = self._header + self._counter.to_bytes(8, "big")
        try:
            plain = self._aead.decrypt(nonce, sealed, base + b"\x00")
        except InvalidTag:
            try:
                plain = self._aead.decrypt(nonce, sealed, base + b"\x01")
            except InvalidTag:
                raise ArchiveDamaged(
                    _("Encrypted chunk %(n)s fails its integrity check (damaged or altered).") % {"n": self._counter}
                ) from None
            self._done = True
            if self._source.read(1):
                raise ArchiveDamaged(_("There is data after the archive's final chunk."))
        self._counter += 1
        self._buffer = plain
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size is not None and size >= 0 else None
        got = 0
        while wanted is None or got < wanted:
            if self._offset >= len(self._buffer):
                if self._done:
                    break
                self._next_chunk()
                continue
            take = (
                len(self._buffer) - self._offset
                if wanted is None
                else min(wanted - got, len(self._buffer) - self._offset)
            )
            parts.append(self._buffer[self._offset : self._offset + take])
            self._offset += take
            got += take
        data = b"".join(parts)
        self.position += len(data)
        return data

    def close(self) -> None:
        self._source.close()
