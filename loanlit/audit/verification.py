"""Checking the audit: every stream chain, the checkpoints and the access-log seals.

Reads are taken head-first: a stream's head is read before its entries and entries past it are
ignored, so entries committed while the check runs are not mistaken for a break.

After a prune (``loanlit.audit.retention``) a chain starts at its newest ``StreamAnchor`` — the last
link moved into an archive — instead of genesis: the missing prefix below an anchor is not a break,
a gap above it is. ``verify_archive`` in ``loanlit.audit.archive`` checks the archived part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Q
from django.utils.translation import gettext as _

from loanlit.audit.hashing import GENESIS_HASH, access_row_digest, checkpoint_hash, entry_hash, seal_hash
from loanlit.audit.models import (
    ACCESS_SEAL_CHAIN,
    CHECKPOINT_CHAIN,
    AccessLog,
    AccessLogSeal,
    AuditEntry,
    AuditPruneToken,
    Checkpoint,
    StreamAnchor,
    StreamHead,
)
from loanlit.audit.services import ACCESS_ROW_FIELDS, access_row_values

CHUNK: Final = 2000
ENTRY_FIELDS: Final = (
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


@dataclass(frozen=True)
class Anchor:
    """Where a pruned chain continues: its last archived link (``last_id``: the seal chain's last row)."""

    seq: int
    hash: str
    last_id: int | None = None


GENESIS_ANCHOR: Final = Anchor(0, GENESIS_HASH, 0)


def live_anchors(stream: str | None = None) -> dict[str, Anchor]:
    """The newest anchor of every pruned chain (or of ``stream``), from the live database."""
    qs = StreamAnchor.objects.order_by("stream", "seq")
    if stream is not None:
        qs = qs.filter(stream=stream)
    return {
        name: Anchor(seq, digest, last_id)
        for name, seq, digest, last_id in qs.values_list("stream", "seq", "hash", "last_id")
    }


@dataclass(frozen=True)
class Break:
    """One broken link. ``chain`` is "stream", "checkpoint" or "access_log_seal"."""

    chain: str
    stream: str
    seq: int | None
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        return _("%(chain)s %(stream)s, sequence %(seq)s (row %(id)s): %(reason)s") % {
            "chain": self.chain,
            "stream": self.stream,
            "seq": "-" if self.seq is None else self.seq,
            "id": "-" if self.entry_id is None else self.entry_id,
            "reason": self.reason,
        }


@dataclass
class VerifyResult:
    streams: int = 0
    entries: int = 0
    checkpoints: int = 0
    seals: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        return self.breaks[0] if self.breaks else None


def verify(stream: str | None = None) -> VerifyResult:
    """Check one stream, or (``stream=None``) every stream, then the checkpoints and the seals.

    Each stream reports its first break only (later links would repeat it); ``first_break`` is the
    first break of the first broken stream in stream order.
    """
    anchors = live_anchors(stream)
    result = _verify_from(anchors, stream)
    if not result.ok:
        newer = live_anchors(stream)
        if newer != anchors:  # a prune committed while this ran: check again from its anchors
            result = _verify_from(newer, stream)
    return result


def _verify_from(anchors: dict[str, Anchor], stream: str | None) -> VerifyResult:
    result = VerifyResult()
    _verify_streams(result, only=stream, anchors=anchors)
    if stream is None:
        _verify_checkpoints(result, anchors=anchors)
        _verify_seals(result, anchors=anchors)
        if AuditPruneToken.objects.exists():
            result.breaks.append(
                Break("prune_token", "#prune", None, None, _("a prune marker was committed: deletes are not refused"))
            )
    return result


def _verify_streams(result: VerifyResult, *, only: str | None, anchors: dict[str, Anchor]) -> None:
    heads_qs = StreamHead.objects.exclude(stream__startswith="#")
    entries_qs = AuditEntry.objects.all()
    if only is not None:
        heads_qs, entries_qs = heads_qs.filter(stream=only), entries_qs.filter(stream=only)
    heads = {stream: (seq, digest) for stream, seq, digest in heads_qs.values_list("stream", "last_seq", "last_hash")}
    current: str | None = None
    expected_seq, prev_hash, broken = 1, GENESIS_HASH, False
    seen: set[str] = set()

    def start(stream: str) -> tuple[int, str]:
        anchor = anchors.get(stream, GENESIS_ANCHOR)
        return anchor.seq + 1, anchor.hash

    def close_stream() -> None:
        if current is None or broken:
            return
        head_seq, head_hash = heads[current]
        if expected_seq - 1 != head_seq or prev_hash != head_hash:
            result.breaks.append(
                Break("stream", current, expected_seq, None, _("entries are missing before the stream head"))
            )

    for row in _chunked(entries_qs.order_by("stream", "seq").values(*ENTRY_FIELDS)):
        stream = row["stream"]
        if stream != current:
            close_stream()
            current, broken = stream, False
            expected_seq, prev_hash = start(stream)
            seen.add(stream)
            result.streams += 1
            if stream not in heads:
                broken = True
                result.breaks.append(Break("stream", stream, row["seq"], row["id"], _("the stream has no head row")))
        if broken or row["seq"] > heads[stream][0]:
            continue  # committed after the head was read, or the stream is already reported
        if row["seq"] < expected_seq and stream in anchors:
            continue  # below the anchor: archived (a prune that failed half-way cannot leave these)
        result.entries += 1
        reason = _entry_problem(row, expected_seq=expected_seq, prev_hash=prev_hash)
        if reason:
            broken = True
            result.breaks.append(Break("stream", stream, row["seq"], row["id"], reason))
            continue
        expected_seq, prev_hash = row["seq"] + 1, row["hash"]
    close_stream()
    for stream in sorted(set(heads) - seen):
        anchor = anchors.get(stream)
        if anchor is not None and (anchor.seq, anchor.hash) == heads[stream]:
            result.streams += 1  # every entry is archived; the head is the anchor
            continue
        if heads[stream][0] > 0:
            result.streams += 1
            result.breaks.append(Break("stream", stream, 1, None, _("the stream head points at entries that are gone")))
    result.breaks.sort(key=lambda item: (item.stream, item.seq or 0))


def _entry_problem(row: dict[str, Any], *, expected_seq: int, prev_hash: str) -> str:
    if row["seq"] != expected_seq:
        return _("sequence gap: expected %(expected)s, found %(found)s") % {
            "expected": expected_seq,
            "found": row["seq"],
        }
    if row["prev_hash"] != prev_hash:
        return _("the previous-hash link does not match the previous entry")
    recomputed = entry_hash(**{name: row[name] for name in ENTRY_FIELDS if name not in ("id", "hash")})
    if recomputed != row["hash"]:
        return _("the entry's content does not match its hash")
    return ""


def _verify_checkpoints(result: VerifyResult, *, anchors: dict[str, Anchor]) -> None:
    head = StreamHead.objects.filter(stream=CHECKPOINT_CHAIN).values_list("last_seq", "last_hash").first()
    head_seq, head_hash = head or (0, GENESIS_HASH)
    anchor = anchors.get(CHECKPOINT_CHAIN, GENESIS_ANCHOR)
    expected_seq, prev_hash = anchor.seq + 1, anchor.hash
    checkpoints = Checkpoint.objects.filter(seq__lte=head_seq, seq__gt=anchor.seq).order_by("seq")
    for checkpoint in checkpoints.iterator(chunk_size=100):
        result.checkpoints += 1
        reason = ""
        if checkpoint.seq != expected_seq:
            reason = _("sequence gap: expected %(expected)s, found %(found)s") % {
                "expected": expected_seq,
                "found": checkpoint.seq,
            }
        elif checkpoint.prev_hash != prev_hash:
            reason = _("the previous-hash link does not match the previous checkpoint")
        elif checkpoint.hash != checkpoint_hash(
            seq=checkpoint.seq, created_at=checkpoint.created_at, heads=checkpoint.heads, prev_hash=checkpoint.prev_hash
        ):
            reason = _("the checkpoint's content does not match its hash")
        else:
            reason = _checkpointed_heads_problem(checkpoint.heads, anchors=anchors)
        if reason:
            result.breaks.append(Break("checkpoint", CHECKPOINT_CHAIN, checkpoint.seq, checkpoint.pk, reason))
            return
        expected_seq, prev_hash = checkpoint.seq + 1, checkpoint.hash
    if (expected_seq - 1, prev_hash) != (head_seq, head_hash):
        result.breaks.append(
            Break("checkpoint", CHECKPOINT_CHAIN, expected_seq, None, _("checkpoints are missing before the head"))
        )


def _checkpointed_heads_problem(heads: list[list[Any]], *, anchors: dict[str, Anchor]) -> str:
    """Each head a checkpoint recorded must still be the entry with that hash (or, once archived, the
    anchor with that hash; an entry below the anchor is checked by the archive's verification)."""
    for start in range(0, len(heads), 500):
        chunk = []
        for stream, seq, digest in heads[start : start + 500]:
            anchor = anchors.get(stream)
            if anchor is None or seq > anchor.seq:
                chunk.append([stream, seq, digest])
            elif seq == anchor.seq and digest != anchor.hash:
                return _("stream %(stream)s entry %(seq)s no longer matches this checkpoint") % {
                    "stream": stream,
                    "seq": seq,
                }
        wanted = {(stream, seq): digest for stream, seq, digest in chunk}
        found = {
            (stream, seq): digest
            for stream, seq, digest in AuditEntry.objects.filter(
                stream__in={stream for stream, _seq, _digest in chunk}, seq__in={seq for _stream, seq, _d in chunk}
            ).values_list("stream", "seq", "hash")
            if (stream, seq) in wanted
        }
        for key, digest in wanted.items():
            if found.get(key) != digest:
                return _("stream %(stream)s entry %(seq)s no longer matches this checkpoint") % {
                    "stream": key[0],
                    "seq": key[1],
                }
    return ""


def _verify_seals(result: VerifyResult, *, anchors: dict[str, Anchor]) -> None:
    head = StreamHead.objects.filter(stream=ACCESS_SEAL_CHAIN).values_list("last_seq", "last_hash").first()
    head_seq, head_hash = head or (0, GENESIS_HASH)
    anchor = anchors.get(ACCESS_SEAL_CHAIN, GENESIS_ANCHOR)
    expected_seq, prev_hash, after_id = anchor.seq + 1, anchor.hash, anchor.last_id or 0
    seals = AccessLogSeal.objects.filter(seq__lte=head_seq, seq__gt=anchor.seq).order_by("seq")
    for seal in seals.iterator(chunk_size=100):
        result.seals += 1
        reason = ""
        if seal.seq != expected_seq:
            reason = _("sequence gap: expected %(expected)s, found %(found)s") % {
                "expected": expected_seq,
                "found": seal.seq,
            }
        elif seal.prev_hash != prev_hash:
            reason = _("the previous-hash link does not match the previous seal")
        elif seal.hash != seal_hash(
            seq=seal.seq,
            created_at=seal.created_at,
            first_id=seal.first_id,
            last_id=seal.last_id,
            row_count=seal.row_count,
            digest=seal.digest,
            prev_hash=seal.prev_hash,
        ):
            reason = _("the seal's content does not match its hash")
        else:
            # Every row between the previous seal and this one's last row: an inserted row counts too.
            rows = access_row_values(
                AccessLog.objects.filter(id__gt=after_id, id__lte=seal.last_id)
                .order_by("id")
                .values(*ACCESS_ROW_FIELDS)
            )
            if len(rows) != seal.row_count:
                reason = _("the sealed batch had %(sealed)s access-log rows, now it has %(found)s") % {
                    "sealed": seal.row_count,
                    "found": len(rows),
                }
            elif access_row_digest(rows) != seal.digest:
                reason = _("sealed access-log rows were changed")
        if reason:
            result.breaks.append(Break("access_log_seal", ACCESS_SEAL_CHAIN, seal.seq, seal.pk, reason))
            return
        expected_seq, prev_hash, after_id = seal.seq + 1, seal.hash, seal.last_id
    if (expected_seq - 1, prev_hash) != (head_seq, head_hash):
        result.breaks.append(
            Break("access_log_seal", ACCESS_SEAL_CHAIN, expected_seq, None, _("seals are missing before the head"))
        )


def _chunked(queryset: Any) -> Iterator[dict[str, Any]]:
    """Keyset pagination over (stream, seq): steady memory, no server-side cursor needed."""
    last: tuple[str, int] | None = None
    while True:
        qs = queryset
        if last is not None:
            qs = qs.filter(Q(stream__gt=last[0]) | Q(stream=last[0], seq__gt=last[1]))
        rows = list(qs[:CHUNK])
        yield from rows
        if len(rows) < CHUNK:
            return
        last = (rows[-1]["stream"], rows[-1]["seq"])
