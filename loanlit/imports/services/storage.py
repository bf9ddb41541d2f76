"""The uploaded file at rest: encrypted bytes under ``imports/<yyyy>/<batch id>.bin`` in the default storage.

``core.crypto`` encrypts text; an upload is bytes of up to ``MAX_UPLOAD_BYTES``, so base64 inside a text
envelope would nearly double it. This module uses the same key ring and cipher with a binary layout::

    v1$<algorithm>$<kid>$<nonce, base64url>\\n<ciphertext + tag>

The header and the context ``imports.file`` are the associated data, as in a text envelope, so a file
moved to another batch (the context names the batch) or a tampered header fails to decrypt.
"""

from __future__ import annotations

import base64
import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from loanlit.core import crypto

FILE_CONTEXT = "imports.file"


def _context(batch_id: int) -> str:
    return f"{FILE_CONTEXT}:{batch_id}"


def encrypt_bytes(content: bytes, *, context: str) -> bytes:
    ring = crypto.get_keyring()
    cipher = crypto.ALGORITHMS[ring.algorithm]
    header = crypto.SEPARATOR.join((crypto.ENVELOPE_VERSION, cipher.name, ring.primary))
    aad = crypto.SEPARATOR.join((header, context)).encode("utf-8")
    nonce, ciphertext = cipher.encrypt(ring.key(ring.primary), content, aad)
    nonce_text = base64.urlsafe_b64encode(nonce).rstrip(b"=")
    return header.encode("ascii") + crypto.SEPARATOR.encode("ascii") + nonce_text + b"\n" + ciphertext


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    first, newline, ciphertext = blob.partition(b"\n")
    parts = first.decode("ascii", "replace").split(crypto.SEPARATOR)
    if not newline or len(parts) != 4 or parts[0] != crypto.ENVELOPE_VERSION or parts[1] not in crypto.ALGORITHMS:
        raise crypto.DecryptionError("Not an encrypted import file.")
    version, algorithm, kid, nonce_text = parts
    nonce = base64.urlsafe_b64decode(nonce_text + "=" * (-len(nonce_text) % 4))
    header = crypto.SEPARATOR.join((version, algorithm, kid))
    aad = crypto.SEPARATOR.join((header, context)).encode("utf-8")
    return crypto.ALGORITHMS[algorithm].decrypt(crypto.get_keyring().key(kid), nonce, ciphertext, aad)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def store_file(*, batch_id: int, content: bytes) -> str:
    """Write the encrypted file; returns its storage name (a retry with the same id replaces it)."""
    name = f"imports/{timezone.localdate():%Y}/{batch_id}.bin"
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(encrypt_bytes(content, context=_context(batch_id))))


def load_file(*, batch_id: int, name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        blob = handle.read()
    return decrypt_bytes(blob, context=_context(batch_id))


def delete_file(name: str) -> None:
    if name and default_storage.exists(name):
        default_storage.delete(name)
