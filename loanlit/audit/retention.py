"""Audit retention (issue 10): archive what is older than a cut, then — only then — prune it.

Audit and access logs are kept at least 6 months (Cybersecurity Law, article 21) and
``AUDIT_RETENTION_DAYS`` (≥ 184, the longest span of 6 calendar months) in this installation. A cut
``--before D`` moves everything created before local midnight starting ``D`` into an archive; ``D``
may be no later than both ``today - AUDIT_RETENTION_DAYS`` and 6 calendar months before today.

``archive_create`` (the ``audit_archive`` command, and the daily task when ``AUDIT_AUTO_PRUNE``)
1. seals settled access-log rows and checkpoints every stream head, so the newest checkpoint covers
   the archive's anchors;
2. writes the archive (``loanlit.audit.archive``): per chain the prefix created before the cut,
   from the current anchor (or genesis) on — a stream's prefix stops at its first entry created at
   or after the cut, so nothing newer than the cut is ever archived or pruned;
3. fsyncs it, reads it back and verifies it; a failure stops here and nothing is pruned;
4. with ``prune``: in one transaction, under the ``#audit-archive`` lock row, checks that no other
   prune moved the anchors meanwhile, sets the prune marker (``maintenance.prune_marker``), deletes
   exactly the archived rows (the counts must match the archive's or everything rolls back), records
   the ``AuditArchive`` and one ``StreamAnchor`` per pruned chain, and an ``audit.archive_pruned`` entry.

Writes here are the audit's own infrastructure (lines marked ``write-ok``), like ``services``.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.audit import services
from loanlit.audit.archive import (
    CHECKPOINT_FIELDS,
    SEAL_FIELDS,
    ArchiveError,
    ArchiveResult,
    ArchiveWriter,
    anchors_to_json,
    verify_archive,
)
from loanlit.audit.hashing import GENESIS_HASH, timestamp
from loanlit.audit.maintenance import prune_marker
from loanlit.audit.models import (
    ACCESS_SEAL_CHAIN,
    CHECKPOINT_CHAIN,
    GLOBAL_STREAM,
    AccessLog,
    AccessLogSeal,
    AuditArchive,
    AuditEntry,
    Checkpoint,
    StreamAnchor,
    StreamHead,
)
from loanlit.audit.services import ACCESS_ROW_FIELDS, access_row_values
from loanlit.audit.verification import (
    ENTRY_FIELDS,
    GENESIS_ANCHOR,
    Anchor,
    Break,
    VerifyResult,
    _chunked,
    live_anchors,
    verify,
)
from loanlit.core.errors import DomainError

logger = logging.getLogger(__name__)

ARCHIVE_LOCK: Final = "#audit-archive"
STREAM_CHUNK: Final = 500
ROW_CHUNK: Final = 2000


class RetentionError(DomainError):
    """A cut inside the retention period, an archive that did not verify, a concurrent prune."""


@dataclass(frozen=True)
class ArchiveOutcome:
    """``archive`` is None when nothing was older than the cut (then nothing was written)."""

    cut: date
    archive: AuditArchive | None = None
    path: Path | None = None


# --- the cut ---------------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` calendar months earlier (the month's last day when shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def latest_allowed_cut(today: date | None = None) -> date:
    """The latest ``--before`` date: everything from it on stays in the live database.

    Both rules must hold: ``AUDIT_RETENTION_DAYS`` days back, and 6 calendar months back (the legal
    minimum; with the 184-day floor the first rule always implies the second).
    """
    today = today or timezone.localdate()
    return min(today - timedelta(days=settings.AUDIT_RETENTION_DAYS), months_before(today, 6))


def check_cut(cut: date, *, today: date | None = None) -> None:
    latest = latest_allowed_cut(today)
    if cut > latest:
        raise RetentionError(
            _(
                "Audit and access logs are kept %(days)s days (at least 6 months): the cut must be on or before "
                "%(latest)s, not %(cut)s."
            )
            % {"days": settings.AUDIT_RETENTION_DAYS, "latest": latest.isoformat(), "cut": cut.isoformat()},
            code="cut_inside_retention",
        )


def cut_instant(cut: date) -> datetime:
    """Local midnight starting ``cut`` (``TIME_ZONE``), as an aware datetime."""
    return timezone.make_aware(datetime.combine(cut, time.min), timezone.get_default_timezone())


# --- archiving -------------------------------------------------------------------------------------


def archive_create(
    *,
    before: date,
    prune: bool = False,
    output_dir: Path | None = None,
    actor: AbstractBaseUser | None = None,
    today: date | None = None,
) -> ArchiveOutcome:
    """Archive every audit entry, checkpoint, access-log row and seal older than ``before``; with
    ``prune`` delete them from the live database once the archive is written and verified."""
    check_cut(before, today=today)
    cut_at = cut_instant(before)
    # The newest checkpoint must cover every anchor this archive ends at.
    services.scheduled_checkpoint()
    start = live_anchors()
    plan = _plan(cut_at=cut_at, start=start)
    if plan.empty:
        return ArchiveOutcome(cut=before)
    now = timezone.now()
    name = f"audit-{before:%Y%m%d}-{now:%Y%m%dT%H%M%S%f}"
    directory = Path(output_dir) if output_dir is not None else Path(settings.AUDIT_ARCHIVE_DIR)
    writer = ArchiveWriter(directory, name)
    try:
        end = _write_parts(writer, plan=plan, start=start, cut_at=cut_at)
        covering = StreamHead.objects.filter(stream=CHECKPOINT_CHAIN).values_list("last_seq", "last_hash").first()
        path, manifest_sha256 = writer.finish(
            {
                "name": name,
                "created_at": timestamp(now),
                "cut": before.isoformat(),
                "cut_at": timestamp(cut_at),
                "retention_days": settings.AUDIT_RETENTION_DAYS,
                "counts": plan.counts,
                "start": anchors_to_json(start),
                "anchors": anchors_to_json(end),
                "covering_checkpoint": {"seq": covering[0], "hash": covering[1]} if covering else None,
            }
        )
    except BaseException:
        writer.abandon()
        raise
    # Read it back from disk and check it before anything is deleted.
    checked = verify_archive(path)
    if not checked.ok or checked.manifest_sha256 != manifest_sha256:
        logger.error("Audit archive %s did not verify: %s", path, checked.first_break)
        raise RetentionError(
            _("The archive %(path)s did not verify (%(reason)s); nothing was pruned.")
            % {"path": path, "reason": checked.first_break},
            code="archive_unverified",
        )
    archive = _record(
        name=name,
        now=now,
        cut=before,
        cut_at=cut_at,
        counts=plan.counts,
        manifest_sha256=manifest_sha256,
        start=start,
        end=end,
        prune=prune,
        actor=actor,
        path=path,
    )
    return ArchiveOutcome(cut=before, archive=archive, path=path)


@dataclass
class _Plan:
    """Per stream the last archived seq; the checkpoint, seal and access-row bounds."""

    stream_ends: dict[str, int]
    checkpoint_end: int
    seal_end: int
    access_after: int
    access_end: int
    counts: dict[str, int]

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())


def _plan(*, cut_at: datetime, start: dict[str, Anchor]) -> _Plan:
    old = dict(
        AuditEntry.objects.filter(created_at__lt=cut_at)
        .values("stream")
        .annotate(last=Max("seq"))
        .values_list("stream", "last")
    )
    stream_ends: dict[str, int] = {}
    names = sorted(old)
    for first in range(0, len(names), STREAM_CHUNK):
        chunk = names[first : first + STREAM_CHUNK]
        newer = dict(
            AuditEntry.objects.filter(stream__in=chunk, created_at__gte=cut_at)
            .values("stream")
            .annotate(first=Min("seq"))
            .values_list("stream", "first")
        )
        for stream in chunk:
            # The prefix stops before the first entry at or after the cut (a clock step backwards
            # could interleave them): nothing newer than the cut is ever archived.
            end = min(old[stream], newer.get(stream, old[stream] + 1) - 1)
            if end > start.get(stream, GENESIS_ANCHOR).seq:
                stream_ends[stream] = end
    checkpoint_start = start.get(CHECKPOINT_CHAIN, GENESIS_ANCHOR).seq
    checkpoint_end = _prefix_end(Checkpoint, after=checkpoint_start, cut_at=cut_at)
    seal_anchor = start.get(ACCESS_SEAL_CHAIN, GENESIS_ANCHOR)
    seal_end = _prefix_end(AccessLogSeal, after=seal_anchor.seq, cut_at=cut_at)
    access_after = seal_anchor.last_id or 0
    access_end = access_after
    if seal_end > seal_anchor.seq:
        access_end = AccessLogSeal.objects.get(seq=seal_end).last_id
    entries = 0
    for first in range(0, len(names), STREAM_CHUNK):
        q = Q()
        for stream in names[first : first + STREAM_CHUNK]:
            if stream in stream_ends:
                q |= Q(stream=stream, seq__gt=start.get(stream, GENESIS_ANCHOR).seq, seq__lte=stream_ends[stream])
        if q:
            entries += AuditEntry.objects.filter(q).count()
    counts = {
        "entries": entries,
        "streams": len(stream_ends),
        "checkpoints": checkpoint_end - checkpoint_start,
        "access_log": AccessLog.objects.filter(id__gt=access_after, id__lte=access_end).count(),
        "seals": seal_end - seal_anchor.seq,
    }
    return _Plan(stream_ends, checkpoint_end, seal_end, access_after, access_end, counts)


def _prefix_end(model: type[Checkpoint] | type[AccessLogSeal], *, after: int, cut_at: datetime) -> int:
    """The last seq of the chain's prefix created before the cut (stopping at the first row after it)."""
    first_newer = model.objects.filter(seq__gt=after, created_at__gte=cut_at).aggregate(first=Min("seq"))["first"]
    qs = model.objects.filter(seq__gt=after, created_at__lt=cut_at)
    if first_newer is not None:
        qs = qs.filter(seq__lt=first_newer)
    last = qs.aggregate(last=Max("seq"))["last"]
    return int(last) if last is not None else after


def _write_parts(
    writer: ArchiveWriter, *, plan: _Plan, start: dict[str, Anchor], cut_at: datetime
) -> dict[str, Anchor]:
    """Write the rows in key order; returns the anchors the archive ends at."""
    end = dict(start)
    entries = AuditEntry.objects.filter(created_at__lt=cut_at, stream__in=list(plan.stream_ends))
    if len(plan.stream_ends) > STREAM_CHUNK:
        entries = AuditEntry.objects.filter(created_at__lt=cut_at)
    for row in _chunked(entries.order_by("stream", "seq").values(*ENTRY_FIELDS)):
        stream, seq = row["stream"], row["seq"]
        last = plan.stream_ends.get(stream)
        if last is None or seq > last or seq <= start.get(stream, GENESIS_ANCHOR).seq:
            continue
        writer.write("entries", {**row, "created_at": timestamp(row["created_at"])})
        if seq == last:
            end[stream] = Anchor(seq, row["hash"])
    checkpoint_start = start.get(CHECKPOINT_CHAIN, GENESIS_ANCHOR).seq
    for checkpoint in _by_seq(Checkpoint, after=checkpoint_start, last=plan.checkpoint_end):
        writer.write("checkpoints", {**checkpoint, "created_at": timestamp(checkpoint["created_at"])})
        end[CHECKPOINT_CHAIN] = Anchor(checkpoint["seq"], checkpoint["hash"])
    seal_start = start.get(ACCESS_SEAL_CHAIN, GENESIS_ANCHOR).seq
    for seal in _by_seq(AccessLogSeal, after=seal_start, last=plan.seal_end):
        writer.write("seals", {**seal, "created_at": timestamp(seal["created_at"])})
        end[ACCESS_SEAL_CHAIN] = Anchor(seal["seq"], seal["hash"], seal["last_id"])
    after = plan.access_after
    while after < plan.access_end:
        rows = list(
            AccessLog.objects.filter(id__gt=after, id__lte=plan.access_end)
            .order_by("id")
            .values(*ACCESS_ROW_FIELDS)[:ROW_CHUNK]
        )
        if not rows:
            break
        for row in access_row_values(rows):
            writer.write("access_log", row)
        after = rows[-1]["id"]
    return end


def _by_seq(model: type[Checkpoint] | type[AccessLogSeal], *, after: int, last: int) -> Any:
    fields = CHECKPOINT_FIELDS if model is Checkpoint else SEAL_FIELDS
    qs: Any = model.objects.filter(seq__gt=after, seq__lte=last).order_by("seq")
    return qs.values(*fields).iterator(chunk_size=200)


# --- recording and pruning -------------------------------------------------------------------------


@transaction.atomic
def _record(
    *,
    name: str,
    now: datetime,
    cut: date,
    cut_at: datetime,
    counts: dict[str, int],
    manifest_sha256: str,
    start: dict[str, Anchor],
    end: dict[str, Anchor],
    prune: bool,
    actor: AbstractBaseUser | None,
    path: Path,
) -> AuditArchive:
    services._lock_heads([ARCHIVE_LOCK], using="default")  # one archiver at a time
    if prune and live_anchors() != start:
        raise RetentionError(
            _("Another archive was pruned while this one was written; run the archive again."),
            code="concurrent_prune",
        )
    archive = AuditArchive.objects.create(  # write-ok: the audit's own archive record
        name=name,
        created_at=now,
        cut=cut,
        cut_at=cut_at,
        retention_days=settings.AUDIT_RETENTION_DAYS,
        entries=counts["entries"],
        streams=counts["streams"],
        checkpoints=counts["checkpoints"],
        access_rows=counts["access_log"],
        seals=counts["seals"],
        manifest_sha256=manifest_sha256,
        pruned=prune,
        created_by=str(actor)[:150] if actor is not None else "",
    )
    if prune:
        _prune(start=start, end=end, counts=counts)
        StreamAnchor.objects.bulk_create(  # write-ok: the audit's own anchors
            [
                StreamAnchor(archive=archive, stream=stream, seq=anchor.seq, hash=anchor.hash, last_id=anchor.last_id)
                for stream, anchor in sorted(end.items())
                if start.get(stream) != anchor
            ],
            batch_size=1000,
        )
    services.record(
        actor=actor,
        action="audit.archive_pruned" if prune else "audit.archived",
        target=archive,
        stream=GLOBAL_STREAM,
        changes={
            "archive": {"new": name},
            "cut": {"new": cut.isoformat()},
            "manifest_sha256": {"new": manifest_sha256},
            "counts": {"new": counts},
            "path": {"new": str(path)},
        },
    )
    return archive


def _prune(*, start: dict[str, Anchor], end: dict[str, Anchor], counts: dict[str, int]) -> None:
    """Delete exactly the archived rows; any count that differs from the archive's rolls it all back."""
    streams = [name for name, anchor in sorted(end.items()) if not name.startswith("#") and start.get(name) != anchor]
    deleted = {"entries": 0, "checkpoints": 0, "seals": 0, "access_log": 0}
    with prune_marker():
        for first in range(0, len(streams), STREAM_CHUNK):
            q = Q()
            for stream in streams[first : first + STREAM_CHUNK]:
                q |= Q(stream=stream, seq__gt=start.get(stream, GENESIS_ANCHOR).seq, seq__lte=end[stream].seq)
            deleted["entries"] += AuditEntry.objects.filter(q)._raw_delete("default")  # write-ok: archived first
        for key, model, chain in (
            ("checkpoints", Checkpoint, CHECKPOINT_CHAIN),
            ("seals", AccessLogSeal, ACCESS_SEAL_CHAIN),
        ):
            low, high = start.get(chain, GENESIS_ANCHOR).seq, end.get(chain, GENESIS_ANCHOR).seq
            deleted[key] = model.objects.filter(seq__gt=low, seq__lte=high)._raw_delete("default")  # write-ok
        low_id = start.get(ACCESS_SEAL_CHAIN, GENESIS_ANCHOR).last_id or 0
        high_id = end.get(ACCESS_SEAL_CHAIN, GENESIS_ANCHOR).last_id or 0
        deleted["access_log"] = AccessLog.objects.filter(id__gt=low_id, id__lte=high_id)._raw_delete(
            "default"
        )  # write-ok
    expected = {key: counts[key] for key in deleted}
    if deleted != expected:
        raise RetentionError(
            _("The rows to prune do not match the archive (%(deleted)s, archived %(archived)s); nothing was pruned.")
            % {"deleted": deleted, "archived": expected},
            code="prune_mismatch",
        )


# --- the daily task --------------------------------------------------------------------------------


def retention_auto_prune(*, today: date | None = None) -> ArchiveOutcome | None:
    """Archive and prune what is older than the retention (``AUDIT_AUTO_PRUNE``; else does nothing).

    Never prunes without a written, re-read and verified archive: ``archive_create`` raises first.
    """
    if not settings.AUDIT_AUTO_PRUNE:
        return None
    cut = latest_allowed_cut(today)
    outcome = archive_create(before=cut, prune=True, today=today)
    if outcome.archive is not None:
        logger.info("Audit archive %s written and pruned (cut %s).", outcome.path, cut)
    return outcome


# --- verifying archives with the live database ------------------------------------------------------


@dataclass
class HistoryResult:
    archives: list[ArchiveResult]
    live: VerifyResult | None = None
    breaks: list[Break] = field(default_factory=list)

    @property
    def all_breaks(self) -> list[Break]:
        found = [item for result in self.archives for item in result.breaks] + self.breaks
        return found + (self.live.breaks if self.live is not None else [])

    @property
    def ok(self) -> bool:
        return not self.all_breaks


def verify_history(paths: list[Path], *, live: bool) -> HistoryResult:
    """Verify each archive on its own, then that they follow on from each other (each one's start is
    the previous one's anchors); with ``live``, also that the database recorded each archive with
    this manifest, that no pruned archive is missing (the first starts at genesis), that the live
    anchors are the last archive's, that each covering checkpoint is still in the live chain, and
    the live audit itself (``verify``)."""
    results = sorted((verify_archive(Path(path)) for path in paths), key=lambda r: r.manifest.get("created_at", ""))
    history = HistoryResult(archives=results)
    chain = results
    if live:
        recorded = {row.name: row for row in AuditArchive.objects.all()}
        for result in results:
            name = result.manifest.get("name", result.path.name)
            row = recorded.get(name)
            if row is None:
                history.breaks.append(_archive_break(name, _("the database has no record of this archive")))
            elif row.manifest_sha256 != result.manifest_sha256:
                history.breaks.append(
                    _archive_break(name, _("the manifest is not the one the database recorded for this archive"))
                )
        given = {result.manifest.get("name", result.path.name) for result in results}
        for row in recorded.values():
            if row.pruned and row.name not in given:
                history.breaks.append(_archive_break(row.name, _("this pruned archive was not given")))
        chain = [r for r in results if (row := recorded.get(r.manifest.get("name", ""))) is not None and row.pruned]
    reached: dict[str, Anchor] = {}
    for index, result in enumerate(chain):
        if (index > 0 or live) and result.start != reached:
            history.breaks.append(
                _archive_break(
                    result.manifest.get("name", result.path.name),
                    _("the archive does not continue from the previous archive's anchors"),
                )
            )
        reached = result.anchors
    if live:
        if reached != live_anchors():
            history.breaks.append(_archive_break("-", _("the live anchors are not those of the last pruned archive")))
        history.live = verify()
        for result in chain:
            covering = result.manifest.get("covering_checkpoint")
            if covering and not _checkpoint_still_there(covering["seq"], covering["hash"]):
                history.breaks.append(
                    _archive_break(
                        result.manifest.get("name", result.path.name),
                        _("the checkpoint covering the archive's anchors is not in the live checkpoint chain"),
                    )
                )
    return history


def _checkpoint_still_there(seq: int, digest: str) -> bool:
    row = Checkpoint.objects.filter(seq=seq).values_list("hash", flat=True).first()
    if row is not None:
        return bool(row == digest)
    anchor = live_anchors(CHECKPOINT_CHAIN).get(CHECKPOINT_CHAIN)
    # Pruned by a later archive: that archive's own verification checked the chain through it.
    return anchor is not None and (seq < anchor.seq or (seq == anchor.seq and digest == anchor.hash))


def _archive_break(name: str, reason: str) -> Break:
    return Break("archive", name, None, None, reason)


def archives_for_display(limit: int = 50) -> list[AuditArchive]:
    return list(AuditArchive.objects.order_by("-created_at", "-id")[:limit])


__all__ = [
    "GENESIS_HASH",
    "ArchiveError",
    "ArchiveOutcome",
    "RetentionError",
    "archive_create",
    "check_cut",
    "latest_allowed_cut",
    "months_before",
    "retention_auto_prune",
    "verify_history",
]
