"""Per-subject data keys: personal data in the append-only audit, erasable by crypto-shredding (issue 10).

The audit trail can never be rewritten (database triggers refuse it, and its hash chain would break),
yet an archived case's parties must be anonymised after the retention period. So audit entries hold a
party's name, address and masked numbers *sealed* with a random data key of that party::

    {"subject": 17, "ct": "v1$AES-256-GCM$s17$<nonce>$<ciphertext>"}        (JSON-safe)

``subject`` is the ``SubjectKey`` id; ``ct`` is a ``loanlit.core.crypto`` envelope written with the
subject's key (SM4-GCM where the deployment's cipher is SM4), bound to that key id. The data key
itself is stored wrapped by the master key (``crypto.encrypt``), so a database dump alone reveals
nothing. ``shred(subject)`` deletes the key row: every sealed value of the subject becomes
unreadable at once, while the stored ciphertext — what the audit hash chain covers — is unchanged,
so ``verify_audit`` still passes.

A sealed *mask* (``masked=True``: "110105********1234") is marked ``"m": 1``; it is shown as it is to
anyone who may read the audit. Other sealed text (names, addresses) is shown in full only to users
with ``personal_data.unmask``, reduced to its first character for the others.

Unwrapped keys live only in a ``Sealer`` (one per service call or page render), never in a
process-wide cache: a shred takes effect in every process immediately.

HMACs recorded next to a sealed mask stay in clear: they are keyed and one-way, link records only
for someone holding HMAC_KEY, and after anonymisation no searchable column holds a matching digest.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any, Final

from django.db import models

from loanlit.core import crypto
from loanlit.core.models import SubjectKey

CHUNK: Final = 500  # under SQLite's 999 parameters per statement
_WRAP_CONTEXT: Final = "subject-key"
_SEALED_KEYS: Final = frozenset({"subject", "ct"})

SubjectRef = tuple[str, str]
Subject = models.Model | SubjectRef


def subject_ref(subject: Subject) -> SubjectRef:
    """``("parties.party", "12")`` for a saved model instance (or a ref given as a pair)."""
    if isinstance(subject, models.Model):
        if subject.pk is None:
            raise ValueError("A data subject must be saved before its data can be sealed.")
        return subject._meta.label_lower, str(subject.pk)
    kind, pk = subject
    return str(kind), str(pk)


def is_sealed(value: Any) -> bool:
    """True for a value written by ``seal`` (a dict with ``subject`` and ``ct``, optionally ``m``)."""
    return (
        isinstance(value, Mapping)
        and set(value) >= _SEALED_KEYS
        and set(value) <= _SEALED_KEYS | {"m"}
        and isinstance(value.get("ct"), str)
    )


def _context(key_pk: int) -> str:
    return f"subject:{key_pk}"


def _key_id(key_pk: int) -> str:
    return f"s{key_pk}"


def _wrap_context(ref: SubjectRef) -> str:
    return f"{_WRAP_CONTEXT}:{ref[0]}:{ref[1]}"


def _unwrap(row: SubjectKey) -> bytes:
    text = crypto.decrypt(row.wrapped_key, context=_wrap_context((row.subject_type, row.subject_id)))
    return base64.b64decode(text)


class Sealer:
    """Seals and reveals values for one unit of work, loading each subject key at most once."""

    def __init__(self) -> None:
        self._by_subject: dict[SubjectRef, tuple[int, bytes]] = {}
        self._by_id: dict[int, bytes | None] = {}

    def _remember(self, row: SubjectKey) -> tuple[int, bytes]:
        entry = (row.pk, _unwrap(row))
        self._by_subject[(row.subject_type, row.subject_id)] = entry
        self._by_id[row.pk] = entry[1]
        return entry

    def prime(self, subjects: Iterable[Subject]) -> None:
        """Load (creating where missing) the keys of many subjects: a few queries for the whole batch."""
        wanted = sorted({subject_ref(s) for s in subjects} - set(self._by_subject))
        by_type: dict[str, list[str]] = {}
        for kind, pk in wanted:
            by_type.setdefault(kind, []).append(pk)
        for kind, pks in by_type.items():
            for start in range(0, len(pks), CHUNK):
                chunk = pks[start : start + CHUNK]
                self._load(kind, chunk)
                missing = [pk for pk in chunk if (kind, pk) not in self._by_subject]
                if missing:
                    rows = [
                        SubjectKey(
                            subject_type=kind,
                            subject_id=pk,
                            wrapped_key=crypto.encrypt(
                                base64.b64encode(crypto.generate_key()).decode("ascii"),
                                context=_wrap_context((kind, pk)),
                            ),
                        )
                        for pk in missing
                    ]
                    # A concurrent writer may create the same subject's key first: keep whichever won.
                    SubjectKey.objects.bulk_create(rows, ignore_conflicts=True)  # write-ok: key store
                    self._load(kind, missing)

    def _load(self, kind: str, pks: list[str]) -> None:
        for row in SubjectKey.objects.filter(subject_type=kind, subject_id__in=pks):
            self._remember(row)

    def seal(self, subject: Subject, value: str | None, *, masked: bool = False) -> dict[str, Any] | str | None:
        """``value`` sealed with the subject's key (created on first use); ``None`` and "" stay as they are."""
        if value is None or value == "":
            return value
        ref = subject_ref(subject)
        if ref not in self._by_subject:
            self.prime([ref])
        key_pk, key = self._by_subject[ref]
        sealed: dict[str, Any] = {
            "subject": key_pk,
            "ct": crypto.encrypt_with_key(str(value), context=_context(key_pk), key=key, key_id=_key_id(key_pk)),
        }
        if masked:
            sealed["m"] = 1
        return sealed

    def _key(self, key_pk: int) -> bytes | None:
        if key_pk not in self._by_id:
            row = SubjectKey.objects.filter(pk=key_pk).first()
            if row is None:
                self._by_id[key_pk] = None
            else:
                self._remember(row)
        return self._by_id[key_pk]

    def reveal(self, sealed: Any) -> str | None:
        """The plaintext of a sealed value; ``None`` once its subject was shredded (or if malformed)."""
        if not is_sealed(sealed):
            return None
        key_pk = sealed["subject"]
        if not isinstance(key_pk, int):
            return None
        key = self._key(key_pk)
        if key is None:
            return None
        try:
            return crypto.decrypt_with_key(sealed["ct"], context=_context(key_pk), key=key)
        except crypto.CryptoError:
            return None

    def forget(self, refs: Iterable[SubjectRef]) -> None:
        for ref in refs:
            entry = self._by_subject.pop(ref, None)
            if entry is not None:
                self._by_id[entry[0]] = None


def seal(subject: Subject, value: str | None, *, masked: bool = False) -> dict[str, Any] | str | None:
    """One value sealed with ``subject``'s key (batch callers use a ``Sealer``)."""
    return Sealer().seal(subject, value, masked=masked)


def reveal(sealed: Any) -> str | None:
    """The plaintext of one sealed value, ``None`` once shredded."""
    return Sealer().reveal(sealed)


def shred(subject: Subject) -> int:
    """Delete the subject's key: its sealed values can never be read again. Returns rows deleted (0 or 1)."""
    return shred_many([subject])


def shred_many(subjects: Iterable[Subject]) -> int:
    refs = sorted({subject_ref(s) for s in subjects})
    deleted = 0
    by_type: dict[str, list[str]] = {}
    for kind, pk in refs:
        by_type.setdefault(kind, []).append(pk)
    for kind, pks in by_type.items():
        for start in range(0, len(pks), CHUNK):
            rows = SubjectKey.objects.filter(subject_type=kind, subject_id__in=pks[start : start + CHUNK])
            deleted += rows.delete()[0]  # write-ok: crypto-shredding, the only delete of a subject key
    return deleted


def has_key(subject: Subject) -> bool:
    kind, pk = subject_ref(subject)
    return SubjectKey.objects.filter(subject_type=kind, subject_id=pk).exists()


def rewrap_all() -> int:
    """Re-wrap every subject key under the current primary master key (after a master-key rotation)."""
    changed = 0
    for row in SubjectKey.objects.order_by("pk").iterator(chunk_size=CHUNK):
        context = _wrap_context((row.subject_type, row.subject_id))
        if crypto.needs_reencryption(row.wrapped_key):
            rewrapped = crypto.reencrypt(row.wrapped_key, context=context)
            SubjectKey.objects.filter(pk=row.pk).update(wrapped_key=rewrapped)  # write-ok: key store
            changed += 1
    return changed


def display(sealed: Any, *, sealer: Sealer, may_unmask: bool, anonymised: str) -> str:
    """What a person sees for a sealed value: ``anonymised`` once shredded; a sealed mask as it is; other
    text in full with ``may_unmask``, else only its first character."""
    plaintext = sealer.reveal(sealed)
    if plaintext is None:
        return anonymised
    if may_unmask or sealed.get("m") or not plaintext:
        return plaintext
    return plaintext[0] + "*" * min(max(len(plaintext) - 1, 1), 8)
