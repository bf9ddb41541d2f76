"""The audit archive format, and verifying an archive on its own (issue 10: audit retention).

An archive is one directory ``audit-<cut>-<timestamp>/`` holding gzip'd JSON Lines parts and a
manifest::

    manifest.json            what the parts hold, their SHA-256, the cut, the anchors
    entries.jsonl.gz         audit entries, in (stream, seq) order
    checkpoints.jsonl.gz     checkpoints, in seq order
    access_log.jsonl.gz      access-log rows, in id order, in the canonical form the seals hash
    seals.jsonl.gz           access-log seals, in seq order

Each line is the canonical JSON of one row (``hashing.canonical_json``), so the hash of an entry,
checkpoint or seal can be recomputed from the archive alone. The manifest's ``start`` is where each
chain stood before this archive (genesis, or the previous archive's anchors) and ``anchors`` where
it stands after it: the last archived link of each chain. ``verify_archive`` walks every chain from
its start to its anchor. The SHA-256 of ``manifest.json`` is kept in the live database
(``AuditArchive.manifest_sha256``), so the database vouches for the archive and vice versa.

No database access here: an archive verifies on a machine without the application's database.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Final

from django.utils.translation import gettext as _

from loanlit.audit.hashing import GENESIS_HASH, access_row_digest, canonical_json, checkpoint_hash, seal_hash
from loanlit.audit.models import ACCESS_SEAL_CHAIN, CHECKPOINT_CHAIN
from loanlit.audit.verification import Anchor, Break, _entry_problem

FORMAT: Final = "loanlit-audit-archive"
FORMAT_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
PARTS: Final = {
    "entries": "entries.jsonl.gz",
    "checkpoints": "checkpoints.jsonl.gz",
    "access_log": "access_log.jsonl.gz",
    "seals": "seals.jsonl.gz",
}
CHECKPOINT_FIELDS: Final = ("id", "seq", "created_at", "heads", "prev_hash", "hash")
SEAL_FIELDS: Final = ("id", "seq", "created_at", "first_id", "last_id", "row_count", "digest", "prev_hash", "hash")


class ArchiveError(Exception):
    """An archive could not be written or read."""


# --- anchors in a manifest -------------------------------------------------------------------------


def anchors_to_json(anchors: dict[str, Anchor]) -> dict[str, Any]:
    """``{"streams": {stream: [seq, hash]}, "checkpoint": [seq, hash], "access_log_seal": [seq, hash, last_id]}``."""
    get = anchors.get
    checkpoint = get(CHECKPOINT_CHAIN, Anchor(0, GENESIS_HASH))
    seal = get(ACCESS_SEAL_CHAIN, Anchor(0, GENESIS_HASH, 0))
    return {
        "streams": {
            name: [anchor.seq, anchor.hash] for name, anchor in sorted(anchors.items()) if not name.startswith("#")
        },
        "checkpoint": [checkpoint.seq, checkpoint.hash],
        "access_log_seal": [seal.seq, seal.hash, seal.last_id or 0],
    }


def anchors_from_json(data: dict[str, Any]) -> dict[str, Anchor]:
    anchors = {name: Anchor(int(seq), str(digest)) for name, (seq, digest) in data.get("streams", {}).items()}
    seq, digest = data.get("checkpoint", [0, GENESIS_HASH])
    if seq:
        anchors[CHECKPOINT_CHAIN] = Anchor(int(seq), str(digest))
    seq, digest, last_id = data.get("access_log_seal", [0, GENESIS_HASH, 0])
    if seq:
        anchors[ACCESS_SEAL_CHAIN] = Anchor(int(seq), str(digest), int(last_id))
    return anchors


# --- writing ---------------------------------------------------------------------------------------


class _Part:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._raw: IO[bytes] = path.open("xb")
        # mtime=0 and no file name: the same rows always give the same bytes.
        self._gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0)

    def write(self, row: dict[str, Any]) -> None:
        self._gzip.write((canonical_json(row) + "\n").encode("utf-8"))
        self.rows += 1

    def close(self) -> None:
        self._gzip.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()


class ArchiveWriter:
    """Writes the parts into ``<directory>/.<name>.partial`` and, on ``finish``, the manifest; then
    fsyncs and renames the directory into place, so a half-written archive never has the final name."""

    def __init__(self, directory: Path, name: str) -> None:
        self.final = directory / name
        if self.final.exists():
            raise ArchiveError(_("An archive named %(name)s exists already.") % {"name": name})
        directory.mkdir(parents=True, exist_ok=True)
        self.partial = directory / f".{name}.partial"
        self.partial.mkdir(mode=0o700)
        self.parts = {key: _Part(self.partial / filename) for key, filename in PARTS.items()}

    def write(self, part: str, row: dict[str, Any]) -> None:
        self.parts[part].write(row)

    def finish(self, manifest: dict[str, Any]) -> tuple[Path, str]:
        """Close the parts, write the manifest; returns the archive's path and the manifest's SHA-256."""
        files: dict[str, Any] = {}
        for key, part in self.parts.items():
            part.close()
            files[PARTS[key]] = {"rows": part.rows, "bytes": part.path.stat().st_size, "sha256": file_sha256(part.path)}
        manifest = {**manifest, "format": FORMAT, "version": FORMAT_VERSION, "parts": files}
        text = json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        with (self.partial / MANIFEST).open("x", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _fsync_directory(self.partial)
        self.partial.rename(self.final)
        _fsync_directory(self.final.parent)
        return self.final, hashlib.sha256(text.encode("utf-8")).hexdigest()

    def abandon(self) -> None:
        for part in self.parts.values():
            with contextlib.suppress(OSError, ValueError):
                part.close()
        for path in self.partial.glob("*"):
            path.unlink(missing_ok=True)
        self.partial.rmdir()


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- reading and verifying -------------------------------------------------------------------------


def read_manifest(path: Path) -> tuple[dict[str, Any], str]:
    """The manifest and its SHA-256; ``ArchiveError`` when it is missing or not an archive's manifest."""
    try:
        raw = (path / MANIFEST).read_bytes()
        manifest = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ArchiveError(
            _("%(path)s is not a readable audit archive: %(error)s") % {"path": path, "error": error}
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(_("%(path)s is not a readable audit archive: %(error)s") % {"path": path, "error": MANIFEST})
    return manifest, hashlib.sha256(raw).hexdigest()


def read_part(path: Path, part: str) -> Iterator[dict[str, Any]]:
    with gzip.open(path / PARTS[part], "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


@dataclass
class ArchiveResult:
    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    manifest_sha256: str = ""
    streams: int = 0
    entries: int = 0
    checkpoints: int = 0
    access_rows: int = 0
    seals: int = 0
    breaks: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_break(self) -> Break | None:
        return self.breaks[0] if self.breaks else None

    @property
    def start(self) -> dict[str, Anchor]:
        return anchors_from_json(self.manifest.get("start", {}))

    @property
    def anchors(self) -> dict[str, Anchor]:
        return anchors_from_json(self.manifest.get("anchors", {}))


def verify_archive(path: Path) -> ArchiveResult:
    """Check one archive on its own: each part's SHA-256, then every chain from the manifest's start
    (genesis or the previous archive's anchors) to its anchors, the checkpoints' heads against the
    archived entries and the seals over the archived access-log rows."""
    result = ArchiveResult(path=path)
    try:
        result.manifest, result.manifest_sha256 = read_manifest(path)
    except ArchiveError as error:
        result.breaks.append(Break("archive", MANIFEST, None, None, str(error)))
        return result
    intact = _check_parts(result)
    start, end = result.start, result.anchors
    try:
        wanted: dict[tuple[str, int], str] = {}
        if "checkpoints" in intact:
            wanted = _verify_archived_checkpoints(result, start=start, end=end)
        if "entries" in intact:
            _verify_archived_entries(result, start=start, end=end, wanted=wanted)
        if "seals" in intact and "access_log" in intact:
            _verify_archived_seals(result, start=start, end=end)
    except (OSError, EOFError, ValueError, KeyError, TypeError) as error:  # a part that is not what it claims
        result.breaks.append(Break("archive", str(path.name), None, None, str(error)))
    counts = result.manifest.get("counts", {})
    found = {
        "entries": result.entries,
        "checkpoints": result.checkpoints,
        "access_log": result.access_rows,
        "seals": result.seals,
    }
    for key, value in found.items():
        if key in intact and counts.get(key) != value:
            result.breaks.append(
                Break(
                    "archive",
                    PARTS[key],
                    None,
                    None,
                    _("the manifest counts %(counted)s rows, the part holds %(found)s")
                    % {"counted": counts.get(key), "found": value},
                )
            )
    return result


def _check_parts(result: ArchiveResult) -> set[str]:
    intact: set[str] = set()
    parts = result.manifest.get("parts", {})
    for key, filename in PARTS.items():
        expected = parts.get(filename, {}).get("sha256")
        path = result.path / filename
        if not path.is_file():
            result.breaks.append(Break("archive", filename, None, None, _("the part is missing")))
        elif expected != file_sha256(path):
            result.breaks.append(
                Break("archive", filename, None, None, _("the part's SHA-256 does not match the manifest"))
            )
        else:
            intact.add(key)
    return intact


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _verify_archived_entries(
    result: ArchiveResult, *, start: dict[str, Anchor], end: dict[str, Anchor], wanted: dict[tuple[str, int], str]
) -> None:
    streams_end = {name: anchor for name, anchor in end.items() if not name.startswith("#")}
    current: str | None = None
    expected_seq, prev_hash, broken = 1, GENESIS_HASH, False
    seen: set[str] = set()

    def close_stream() -> None:
        if current is None or broken:
            return
        anchor = streams_end.get(current)
        if anchor is None or (expected_seq - 1, prev_hash) != (anchor.seq, anchor.hash):
            result.breaks.append(
                Break("stream", current, expected_seq, None, _("the archived entries do not end at the anchor"))
            )

    previous_key: tuple[str, int] | None = None
    for row in read_part(result.path, "entries"):
        stream, seq = row["stream"], row["seq"]
        if previous_key is not None and (stream, seq) <= previous_key:
            result.breaks.append(Break("stream", stream, seq, row.get("id"), _("the entries are out of order")))
            return
        previous_key = (stream, seq)
        if stream != current:
            close_stream()
            anchor = start.get(stream, Anchor(0, GENESIS_HASH))
            current, expected_seq, prev_hash, broken = stream, anchor.seq + 1, anchor.hash, False
            seen.add(stream)
            result.streams += 1
        result.entries += 1
        if (stream, seq) in wanted and wanted[(stream, seq)] != row["hash"]:
            result.breaks.append(
                Break(
                    "checkpoint",
                    CHECKPOINT_CHAIN,
                    None,
                    None,
                    _("stream %(stream)s entry %(seq)s no longer matches this checkpoint")
                    % {"stream": stream, "seq": seq},
                )
            )
        if broken:
            continue
        values = {**row, "created_at": _parse_time(row["created_at"])}
        reason = _entry_problem(values, expected_seq=expected_seq, prev_hash=prev_hash)
        if reason:
            broken = True
            result.breaks.append(Break("stream", stream, seq, row.get("id"), reason))
            continue
        expected_seq, prev_hash = seq + 1, row["hash"]
    close_stream()
    for stream in sorted(set(streams_end) - seen):
        if start.get(stream) == streams_end[stream]:
            continue  # archived earlier and nothing of it in this archive
        result.breaks.append(Break("stream", stream, None, None, _("the anchor's entries are not in the archive")))


def _verify_archived_checkpoints(
    result: ArchiveResult, *, start: dict[str, Anchor], end: dict[str, Anchor]
) -> dict[tuple[str, int], str]:
    """Walk the checkpoint chain; returns the heads it recorded, for the entries pass to compare."""
    anchor = start.get(CHECKPOINT_CHAIN, Anchor(0, GENESIS_HASH))
    target = end.get(CHECKPOINT_CHAIN, Anchor(0, GENESIS_HASH))
    expected_seq, prev_hash = anchor.seq + 1, anchor.hash
    wanted: dict[tuple[str, int], str] = {}
    for row in read_part(result.path, "checkpoints"):
        result.checkpoints += 1
        reason = ""
        if row["seq"] != expected_seq:
            reason = _("sequence gap: expected %(expected)s, found %(found)s") % {
                "expected": expected_seq,
                "found": row["seq"],
            }
        elif row["prev_hash"] != prev_hash:
            reason = _("the previous-hash link does not match the previous checkpoint")
        elif row["hash"] != checkpoint_hash(
            seq=row["seq"], created_at=_parse_time(row["created_at"]), heads=row["heads"], prev_hash=row["prev_hash"]
        ):
            reason = _("the checkpoint's content does not match its hash")
        if reason:
            result.breaks.append(Break("checkpoint", CHECKPOINT_CHAIN, row["seq"], row.get("id"), reason))
            return wanted
        for stream, seq, digest in row["heads"]:
            wanted[(stream, seq)] = digest
        expected_seq, prev_hash = row["seq"] + 1, row["hash"]
    if (expected_seq - 1, prev_hash) != (target.seq, target.hash):
        result.breaks.append(
            Break(
                "checkpoint",
                CHECKPOINT_CHAIN,
                expected_seq,
                None,
                _("the archived checkpoints do not end at the anchor"),
            )
        )
    return wanted


def _verify_archived_seals(result: ArchiveResult, *, start: dict[str, Anchor], end: dict[str, Anchor]) -> None:
    anchor = start.get(ACCESS_SEAL_CHAIN, Anchor(0, GENESIS_HASH, 0))
    target = end.get(ACCESS_SEAL_CHAIN, Anchor(0, GENESIS_HASH, 0))
    expected_seq, prev_hash, after_id = anchor.seq + 1, anchor.hash, anchor.last_id or 0
    rows = read_part(result.path, "access_log")
    pending: dict[str, Any] | None = next(rows, None)

    def take_until(last_id: int) -> list[dict[str, Any]]:
        nonlocal pending
        batch = []
        while pending is not None and pending["id"] <= last_id:
            batch.append(pending)
            pending = next(rows, None)
        return batch

    for seal in read_part(result.path, "seals"):
        result.seals += 1
        batch = take_until(seal["last_id"])
        result.access_rows += len(batch)
        reason = ""
        if seal["seq"] != expected_seq:
            reason = _("sequence gap: expected %(expected)s, found %(found)s") % {
                "expected": expected_seq,
                "found": seal["seq"],
            }
        elif seal["prev_hash"] != prev_hash:
            reason = _("the previous-hash link does not match the previous seal")
        elif seal["hash"] != seal_hash(
            seq=seal["seq"],
            created_at=_parse_time(seal["created_at"]),
            first_id=seal["first_id"],
            last_id=seal["last_id"],
            row_count=seal["row_count"],
            digest=seal["digest"],
            prev_hash=seal["prev_hash"],
        ):
            reason = _("the seal's content does not match its hash")
        elif any(row["id"] <= after_id for row in batch) or len(batch) != seal["row_count"]:
            reason = _("the sealed batch had %(sealed)s access-log rows, now it has %(found)s") % {
                "sealed": seal["row_count"],
                "found": len(batch),
            }
        elif access_row_digest(batch) != seal["digest"]:
            reason = _("sealed access-log rows were changed")
        if reason:
            result.breaks.append(Break("access_log_seal", ACCESS_SEAL_CHAIN, seal["seq"], seal.get("id"), reason))
            return
        expected_seq, prev_hash, after_id = seal["seq"] + 1, seal["hash"], seal["last_id"]
    leftover = 0
    while pending is not None:
        leftover += 1
        pending = next(rows, None)
    if leftover:
        result.access_rows += leftover
        result.breaks.append(
            Break(
                "access_log_seal",
                ACCESS_SEAL_CHAIN,
                None,
                None,
                _("%(count)s archived access-log rows are not covered by a seal") % {"count": leftover},
            )
        )
    elif (expected_seq - 1, prev_hash, after_id) != (target.seq, target.hash, target.last_id or 0):
        result.breaks.append(
            Break(
                "access_log_seal",
                ACCESS_SEAL_CHAIN,
                expected_seq,
                None,
                _("the archived seals do not end at the anchor"),
            )
        )
