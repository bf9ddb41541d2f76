"""Writes to the audit trail and the access log (DESIGN rule 5). The only code that writes audit rows.

``record`` / ``record_many`` run in the caller's transaction: the entry commits or rolls back with
the change it describes. Each stream ("global", "case:123", …) is one hash chain; appending locks
the stream's ``StreamHead`` row (``SELECT … FOR UPDATE`` on PostgreSQL and MySQL; on SQLite the
IMMEDIATE transaction already holds the database write lock), so two writers can never fork it.
Lock order is the sorted stream key, so a batch touching several streams cannot deadlock another.

``access_log`` is the opposite: it must survive the caller's rollback (a 404 after a read). Called
outside a transaction it commits at once in its own short transaction. Called inside one, the row is
held in memory and written, in its own transaction, as soon as the caller's transaction is over —
after commit by ``on_commit``, after rollback when the request finishes (``request_finished``) or
when the caller calls ``flush_pending_access_log()``. This works the same on SQLite (where a second
connection could not write while the caller holds the write lock), PostgreSQL and MySQL.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connections, models, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from loanlit.audit.hashing import (
    access_row_digest,
    canonical_json,
    checkpoint_hash,
    entry_hash,
    json_safe,
    seal_hash,
    timestamp,
)
from loanlit.audit.models import (
    ACCESS_SEAL_CHAIN,
    CHECKPOINT_CHAIN,
    GLOBAL_STREAM,
    AccessLog,
    AccessLogSeal,
    AuditEntry,
    Checkpoint,
    StreamHead,
)
from loanlit.core.net import client_ip

STREAM_MAX_LENGTH: Final = 100
ACTION_MAX_LENGTH: Final = 100
SEAL_BATCH_SIZE: Final = 1000
# An access-log row is sealed only once it is this old, so a row whose short transaction commits
# a moment after a higher id's is not skipped by the seal that covers that higher id.
SEAL_SETTLE: Final = timedelta(seconds=60)
ACCESS_ROW_FIELDS: Final = (
    "id",
    "at",
    "user_id",
    "username",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "ip",
    "user_agent",
    "method",
    "path",
    "detail",
)


class TransactionRequired(RuntimeError):
    """``record`` was called outside ``transaction.atomic()``: the entry would not share the change's fate."""


@dataclass(frozen=True)
class TargetRef:
    """A target named by type and id, for a record that no longer exists (or is not a model)."""

    type: str  # "app_label.model_name"
    id: str
    repr: str = ""


Target = models.Model | TargetRef | None


@dataclass(frozen=True)
class AuditItem:
    """One entry for ``record_many``."""

    action: str
    target: Target = None
    stream: str = GLOBAL_STREAM
    changes: Mapping[str, Any] | None = None


def stream_key(kind: str, pk: object) -> str:
    """The stream of one aggregate: ``stream_key("case", 123)`` → ``"case:123"``."""
    return f"{kind}:{pk}"


# --- audit entries ---------------------------------------------------------------------------------


def record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: Target = None,
    stream: str = GLOBAL_STREAM,
    changes: Mapping[str, Any] | None = None,
    using: str = "default",
) -> AuditEntry:
    """Append one entry to ``stream`` inside the caller's transaction."""
    return record_many(
        actor=actor, items=[AuditItem(action=action, target=target, stream=stream, changes=changes)], using=using
    )[0]


def record_many(
    *, actor: AbstractBaseUser | None, items: Iterable[AuditItem], using: str = "default"
) -> list[AuditEntry]:
    """Append many entries (a bulk import) with one lock per stream and one INSERT.

    Entries keep the order of ``items`` within each stream. Returns them in that order (their ids
    are set where the backend returns ids from a bulk insert: SQLite, PostgreSQL, MariaDB).
    """
    if not connections[using].in_atomic_block:
        raise TransactionRequired("audit.record() must run inside transaction.atomic() with the change it records.")
    items = list(items)
    if not items:
        return []
    for item in items:
        _check_item(item)
    actor_id, actor_display = _actor_fields(actor)
    now = timezone.now()
    heads = _lock_heads(sorted({item.stream for item in items}), using=using)
    entries: list[AuditEntry] = []
    texts: list[str | None] = []  # each entry's changes as canonical JSON, for the column
    for item in items:
        head = heads[item.stream]
        target_type, target_id, target_repr = _target_fields(item.target)
        changes_json = canonical_json(dict(item.changes)) if item.changes is not None else None
        changes = json.loads(changes_json) if changes_json is not None else None  # the JSON-safe form
        seq = head.last_seq + 1
        digest = entry_hash(
            stream=item.stream,
            seq=seq,
            created_at=now,
            actor_id=actor_id,
            actor_display=actor_display,
            action=item.action,
            target_type=target_type,
            target_id=target_id,
            target_repr=target_repr,
            changes=changes,
            prev_hash=head.last_hash,
            changes_json=changes_json,
        )
        # Positional construction (what from_db uses): keyword construction of a hundred thousand
        # entries cost more than hashing them. The order is _ENTRY_ARGS, checked once below.
        values: list[Any] = [
            None,
            item.stream,
            seq,
            now,
            actor_id,
            actor_display,
            item.action,
            target_type,
            target_id,
            target_repr,
            changes,
            head.last_hash,
            digest,
        ]
        entries.append(AuditEntry(*values))  # type: ignore[misc]  # positional: the stubs see only the first
        texts.append(changes_json)
        head.last_seq, head.last_hash = seq, digest
    _insert_entries(entries, texts, now=now, using=using)
    touched = list(heads.values())
    for head in touched:
        head.updated_at = now
    _update_heads(touched, now=now, using=using)
    return entries


_ENTRY_ARGS: Final = (
    "id",
    "stream",
    "seq",
    "created_at",
    "actor_id",
    "actor_display",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "changes",
    "prev_hash",
    "hash",
)
assert tuple(f.attname for f in AuditEntry._meta.concrete_fields) == _ENTRY_ARGS, "AuditEntry columns changed"


# Rows per INSERT: PostgreSQL allows 65,535 parameters per statement, SQLite (3.32+) 32,766.
INSERT_ROWS: Final = 1000
LOCK_CHUNK: Final = 2000
_ENTRY_COLUMNS: Final = (
    "stream",
    "seq",
    "created_at",
    "actor_id",
    "actor_display",
    "action",
    "target_type",
    "target_id",
    "target_repr",
    "changes",
    "prev_hash",
    "hash",
)


def _insert_entries(entries: list[AuditEntry], texts: list[str | None], *, now: Any, using: str) -> None:
    """INSERT the entries in large multi-row statements and set their ids (what ``bulk_create``
    does, without its per-value overhead and the SQLite 999-parameter batches, which dominated
    bulk imports). PostgreSQL and backends that cannot return ids from a bulk insert (MySQL) use
    ``bulk_create``. ``texts``: each entry's changes as JSON already (written as they are)."""
    connection = connections[using]
    if not connection.features.can_return_rows_from_bulk_insert or connection.vendor == "postgresql":
        # PostgreSQL: bulk_create's UNNEST insert is already cheap there, while a statement with
        # thousands of placeholders is parsed again by the driver on every execution.
        AuditEntry.objects.using(using).bulk_create(entries)
        return
    meta = AuditEntry._meta
    qn = connection.ops.quote_name
    column_of = {f.attname: f.column for f in meta.concrete_fields}
    columns = [column_of[name] for name in _ENTRY_COLUMNS]
    changes_field = meta.get_field("changes")
    created_at = meta.get_field("created_at").get_db_prep_save(now, connection)
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Names from the model's meta, quoted; every value is a parameter.
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608
    tail = f" RETURNING {qn(str(meta.pk.column))}"
    with connection.cursor() as cursor:
        for start in range(0, len(entries), INSERT_ROWS):
            chunk = entries[start : start + INSERT_ROWS]
            params: list[Any] = []
            for e, text in zip(chunk, texts[start : start + INSERT_ROWS], strict=True):
                params += (
                    e.stream,
                    e.seq,
                    created_at,
                    e.actor_id,
                    e.actor_display,
                    e.action,
                    e.target_type,
                    e.target_id,
                    e.target_repr,
                    text if text is not None else changes_field.get_db_prep_save(e.changes, connection),
                    e.prev_hash,
                    e.hash,
                )
            cursor.execute(head + ", ".join([row_sql] * len(chunk)) + tail, params)
            for entry, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                entry.pk = pk
                entry._state.adding = False
                entry._state.db = using


def _insert_heads(streams: list[str], *, using: str) -> None:
    """``bulk_create([StreamHead(stream=…)], ignore_conflicts=True)`` as one executemany of the
    backend's insert-or-ignore (a batch of cases opens thousands of new streams)."""
    from django.db.models.constants import OnConflict

    connection = connections[using]
    meta = StreamHead._meta
    qn = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    now = timezone.now()
    template = StreamHead(stream="")
    values = []
    for f in fields:
        if f.name == "updated_at":
            values.append(f.get_db_prep_save(now, connection))  # auto_now
        elif f.name != "stream":
            values.append(f.get_db_prep_save(getattr(template, f.attname), connection))
    position = [f.name for f in fields].index("stream")
    rows = [(*values[:position], stream, *values[position:]) for stream in streams]
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)
    sql = (  # names from the model's meta, quoted; values are parameters
        f"{insert} {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) {suffix}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _update_heads(heads: list[StreamHead], *, now: Any, using: str) -> None:
    """One UPDATE per head, sent as a single executemany (``bulk_update`` builds a CASE per column
    over every row, which took seconds for the thousands of new streams of a batch of cases)."""
    connection = connections[using]
    meta = StreamHead._meta
    qn = connection.ops.quote_name
    updated_at = meta.get_field("updated_at").get_db_prep_save(now, connection)
    # Names from the model's meta, quoted; every value is a parameter.
    sql = (
        f"UPDATE {qn(meta.db_table)} SET {qn('last_seq')} = %s, {qn('last_hash')} = %s, "  # noqa: S608
        f"{qn('updated_at')} = %s WHERE {qn(meta.pk.column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(head.last_seq, head.last_hash, updated_at, head.pk) for head in heads])


def _check_item(item: AuditItem) -> None:
    # Programming errors, not user input: they fail loudly in development and tests.
    if not isinstance(item.stream, str) or not item.stream or len(item.stream) > STREAM_MAX_LENGTH:
        raise ValueError(f"An audit stream is a non-empty string of at most {STREAM_MAX_LENGTH} characters.")
    if item.stream.startswith("#"):
        raise ValueError("Stream names starting with '#' are reserved for the audit's own chains.")
    if not item.action or len(item.action) > ACTION_MAX_LENGTH:
        raise ValueError(f"An audit action is a non-empty code of at most {ACTION_MAX_LENGTH} characters.")
    if item.changes is not None and not isinstance(item.changes, Mapping):
        raise ValueError("Audit changes are a mapping of field → {'old': …, 'new': …}.")


def _actor_fields(actor: AbstractBaseUser | AnonymousUser | None) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor.pk, str(actor)[:150]


def _target_fields(target: Target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, TargetRef):
        return target.type, str(target.id), target.repr[:200]
    if target.pk is None:
        raise ValueError("Audit a model instance after it is saved: it has no primary key yet.")
    meta = target._meta
    # A model whose str() shows personal data (a party's name, a phone number) names itself for the audit
    # trail and access log with ``audit_repr`` instead: those rows are kept for years and never rewritten,
    # so an anonymised person must not stay readable in them.
    shown = getattr(target, "audit_repr", None)
    text = shown if isinstance(shown, str) else str(target)
    return f"{meta.app_label}.{meta.model_name}", str(target.pk), text[:200]


def _lock_heads(streams: list[str], *, using: str) -> dict[str, StreamHead]:
    """Lock (creating when new) the head rows of ``streams``, in sorted order."""
    manager = StreamHead.objects.using(using)
    locked = manager.select_for_update().order_by("stream")
    heads: dict[str, StreamHead] = {}
    # Chunks in sorted order keep the lock order (and the parameter count under every backend's limit).
    for start in range(0, len(streams), LOCK_CHUNK):
        heads.update((head.stream, head) for head in locked.filter(stream__in=streams[start : start + LOCK_CHUNK]))
    missing = [stream for stream in streams if stream not in heads]
    if missing:
        # ON CONFLICT DO NOTHING / INSERT OR IGNORE / INSERT IGNORE: a concurrent first writer of the
        # same stream makes this wait for its commit, after which the row below is visible and locked.
        _insert_heads(missing, using=using)
        for start in range(0, len(missing), LOCK_CHUNK):
            heads.update((head.stream, head) for head in locked.filter(stream__in=missing[start : start + LOCK_CHUNK]))
    return heads


# --- access log ------------------------------------------------------------------------------------

_pending = threading.local()


def access_log(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    action: str,
    target: Target = None,
    request: HttpRequest | None = None,
    detail: Mapping[str, Any] | None = None,
    using: str = "default",
) -> AccessLog | None:
    """Log a read of personal data, a download, an export or a refusal (``AccessLog.Action``).

    Returns the saved row, or ``None`` when it was deferred until the caller's transaction is over.
    """
    if action not in AccessLog.Action.values:
        raise ValueError(f"Unknown access-log action {action!r}; use AccessLog.Action.")
    user_id, username = _actor_fields(user)
    target_type, target_id, target_repr = _target_fields(target)
    row = AccessLog(
        at=timezone.now(),
        user_id=user_id,
        username=username,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        detail=json_safe(dict(detail)) if detail is not None else None,
        **_request_fields(request),
    )
    if _in_callers_transaction(using):
        _pending_rows(using).append(row)
        transaction.on_commit(lambda: flush_pending_access_log(using=using), using=using)
        return None
    flush_pending_access_log(using=using)
    with transaction.atomic(using=using):
        row.save(using=using)
    return row


def flush_pending_access_log(sender: object = None, *, using: str | None = None, **kwargs: Any) -> int:
    """Write access-log rows held back by a transaction that has since ended; returns how many.

    Connected to ``request_finished``; a worker or command that logs inside transactions calls it
    when its unit of work is done.
    """
    written = 0
    for alias in [using] if using else list(getattr(_pending, "rows", {})):
        rows = getattr(_pending, "rows", {}).get(alias)
        if not rows or _in_callers_transaction(alias):
            continue
        _pending.rows[alias] = []
        with transaction.atomic(using=alias):
            AccessLog.objects.using(alias).bulk_create(rows)
        written += len(rows)
        if sender is not None:
            # From request_finished, which has already closed the request's connection: do not
            # leave the one reopened here idle until the next request.
            connections[alias].close_if_unusable_or_obsolete()
    return written


def _pending_rows(using: str) -> list[AccessLog]:
    if not hasattr(_pending, "rows"):
        _pending.rows = {}
    return _pending.rows.setdefault(using, [])


def _in_callers_transaction(using: str) -> bool:
    """Inside an ``atomic()`` of the caller's, not counting the transaction a test case wraps around it."""
    return any(not getattr(block, "_from_testcase", False) for block in connections[using].atomic_blocks)


def _request_fields(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {"ip": None, "user_agent": "", "method": "", "path": ""}
    # REMOTE_ADDR, or X-Forwarded-For only as far as settings.TRUSTED_PROXIES vouch for it (core.net).
    ip: str | None = client_ip(request)
    return {
        "ip": ip,
        "user_agent": str(request.META.get("HTTP_USER_AGENT", ""))[:300],
        "method": (request.method or "")[:10],
        "path": request.get_full_path()[:500],
    }


# --- checkpoints and seals -------------------------------------------------------------------------


@transaction.atomic
def checkpoint_create() -> Checkpoint | None:
    """Hash the heads of every stream that moved since the last checkpoint; ``None`` if none moved."""
    chain = _lock_heads([CHECKPOINT_CHAIN], using="default")[CHECKPOINT_CHAIN]
    moved = list(
        StreamHead.objects.select_for_update()
        .filter(last_seq__gt=F("checkpointed_seq"))
        .exclude(stream__startswith="#")
        .order_by("stream")
    )
    if not moved:
        return None
    now = timezone.now()
    heads = [[head.stream, head.last_seq, head.last_hash] for head in moved]
    seq = chain.last_seq + 1
    digest = checkpoint_hash(seq=seq, created_at=now, heads=heads, prev_hash=chain.last_hash)
    checkpoint = Checkpoint.objects.create(seq=seq, created_at=now, heads=heads, prev_hash=chain.last_hash, hash=digest)
    chain.last_seq, chain.last_hash, chain.updated_at = seq, digest, now
    chain.save(update_fields=["last_seq", "last_hash", "updated_at"])
    for head in moved:
        head.checkpointed_seq = head.last_seq
    StreamHead.objects.bulk_update(moved, ["checkpointed_seq"])
    return checkpoint


def access_row_values(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The canonical form of access-log rows (as read back from the database) that seals hash."""
    return [json_safe({**row, "at": timestamp(row["at"])}) for row in rows]


@transaction.atomic
def access_log_seal(*, batch_size: int = SEAL_BATCH_SIZE, max_batches: int = 100) -> list[AccessLogSeal]:
    """Seal settled, unsealed access-log rows in batches of ``batch_size``, each chained to the last."""
    chain = _lock_heads([ACCESS_SEAL_CHAIN], using="default")[ACCESS_SEAL_CHAIN]
    last = AccessLogSeal.objects.order_by("-seq").first()
    after_id = last.last_id if last else 0
    cutoff = timezone.now() - SEAL_SETTLE
    seals: list[AccessLogSeal] = []
    for _batch in range(max_batches):
        rows = list(AccessLog.objects.filter(id__gt=after_id).order_by("id").values(*ACCESS_ROW_FIELDS)[:batch_size])
        settled = []
        for row in rows:
            if row["at"] > cutoff:
                break
            settled.append(row)
        if not settled:
            break
        now = timezone.now()
        seq = chain.last_seq + 1
        digest = access_row_digest(access_row_values(settled))
        first_id, last_id = settled[0]["id"], settled[-1]["id"]
        chained = seal_hash(
            seq=seq,
            created_at=now,
            first_id=first_id,
            last_id=last_id,
            row_count=len(settled),
            digest=digest,
            prev_hash=chain.last_hash,
        )
        seals.append(
            AccessLogSeal.objects.create(
                seq=seq,
                created_at=now,
                first_id=first_id,
                last_id=last_id,
                row_count=len(settled),
                digest=digest,
                prev_hash=chain.last_hash,
                hash=chained,
            )
        )
        chain.last_seq, chain.last_hash, chain.updated_at = seq, chained, now
        after_id = last_id
        if len(settled) < len(rows) or len(rows) < batch_size:
            break
    if seals:
        chain.save(update_fields=["last_seq", "last_hash", "updated_at"])
    return seals


@dataclass(frozen=True)
class ScheduledCheckpointResult:
    checkpoint: Checkpoint | None
    seals: list[AccessLogSeal] = field(default_factory=list)


def scheduled_checkpoint() -> ScheduledCheckpointResult:
    """The periodic job (``scheduler_tick`` calls it): seal the access log, then checkpoint the heads.

    Idempotent: with nothing new it writes nothing.
    """
    seals = access_log_seal()
    return ScheduledCheckpointResult(checkpoint=checkpoint_create(), seals=seals)
