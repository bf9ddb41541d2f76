"""Canonical JSON and the hashes that chain audit rows (pure functions, no database).

A hash covers a canonical rendering of the row — sorted keys, no whitespace, UTF-8 — so the same
fields hash the same on SQLite, PostgreSQL (jsonb reorders keys) and MySQL. Timestamps are rendered
in UTC with microseconds, which every supported backend stores exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH: Final = "0" * 64
HASH_VERSION: Final = 1


class AuditJSONEncoder(DjangoJSONEncoder):
    """Django's encoder, plus any value that says how it is audited (``PersonalValue.as_audit()``)."""

    def default(self, o: Any) -> Any:
        as_audit = getattr(o, "as_audit", None)
        if callable(as_audit):
            return as_audit()
        return super().default(o)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=AuditJSONEncoder)


def json_safe(value: Any) -> Any:
    """What a JSON column will give back: Decimals, dates and UUIDs become strings, tuples lists.

    Entries hash the JSON-safe form so a row reloaded from the database hashes to the same value.
    """
    return json.loads(canonical_json(value))


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(
    *,
    stream: str,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_display: str,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    changes: Mapping[str, Any] | None,
    prev_hash: str,
    changes_json: str | None = None,
) -> str:
    """``changes_json``: ``canonical_json(changes)`` when the caller has it already (a bulk append
    renders each entry's changes once, for the column and for the hash)."""
    text = canonical_json(
        {
            "v": HASH_VERSION,
            "stream": stream,
            "seq": seq,
            "created_at": timestamp(created_at),
            "actor_id": actor_id,
            "actor_display": actor_display,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "target_repr": target_repr,
            "changes": None if changes_json is not None else changes,
            "prev_hash": prev_hash,
        }
    )
    if changes_json is not None:
        # The one top-level "changes" key (inside a JSON string a quote is always escaped, so this
        # exact text cannot occur earlier): the same text as rendering the changes in place.
        text = text.replace('"changes":null', '"changes":' + changes_json, 1)
    return sha256_hex(text)


def checkpoint_hash(*, seq: int, created_at: datetime, heads: list[list[Any]], prev_hash: str) -> str:
    return sha256_hex(
        canonical_json(
            {"v": HASH_VERSION, "seq": seq, "created_at": timestamp(created_at), "heads": heads, "prev_hash": prev_hash}
        )
    )


def access_row_digest(rows: Sequence[Mapping[str, Any]]) -> str:
    """One digest over a batch of access-log rows, in id order."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(canonical_json(row).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def seal_hash(
    *, seq: int, created_at: datetime, first_id: int, last_id: int, row_count: int, digest: str, prev_hash: str
) -> str:
    return sha256_hex(
        canonical_json(
            {
                "v": HASH_VERSION,
                "seq": seq,
                "created_at": timestamp(created_at),
                "first_id": first_id,
                "last_id": last_id,
                "row_count": row_count,
                "digest": digest,
                "prev_hash": prev_hash,
            }
        )
    )
