"""Audit retention (issue 10): archive before pruning, anchors keep the live chains verifiable."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from loanlit import audit
from loanlit.audit import retention
from loanlit.audit.archive import PARTS, read_part, verify_archive
from loanlit.audit.maintenance import PruneMarkerError, append_only_suspended, prune_marker
from loanlit.audit.models import (
    AccessLog,
    AccessLogSeal,
    AuditArchive,
    AuditEntry,
    AuditPruneToken,
    Checkpoint,
    StreamAnchor,
)

pytestmark = pytest.mark.django_db

START = dt.datetime(2025, 1, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
TODAY = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
CUT = dt.date(2025, 3, 2)  # today - 365 days: the latest allowed cut with the default retention


def _month(index: int) -> dt.datetime:
    year, month = divmod(START.month - 1 + index, 12)
    return START.replace(year=START.year + year, month=month + 1)


@pytest.fixture
def archive_dir(settings, tmp_path) -> Path:
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit-archive"
    return settings.AUDIT_ARCHIVE_DIR


@pytest.fixture
def history(time_machine, archive_dir):
    """14 months (Jan 2025 – Feb 2026): each month an entry in case:1 and case:2, an access-log row,
    then a seal and a checkpoint two minutes later. Today is 2 March 2026."""
    for index in range(14):
        time_machine.move_to(_month(index), tick=False)
        for stream in ("case:1", "case:2"):
            audit.record(actor=None, action=f"step.{index}", stream=stream, changes={"n": {"new": index}})
        audit.access_log(user=None, action=audit.AccessAction.EXPORT, detail={"month": index})
        time_machine.move_to(_month(index) + dt.timedelta(minutes=2), tick=False)
        audit.scheduled_checkpoint()
    time_machine.move_to(TODAY, tick=False)
    return time_machine


def _archive(**options) -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_archive", stdout=out, **options)
    return out.getvalue()


def _verify_audit(capsys, *args: str) -> tuple[int, str, str]:
    """verify_audit's exit code (CommandError → 1), stdout and stderr. (call_command: the command line's
    run_from_argv would close the test's database connection.)"""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def _only_archive(archive_dir: Path) -> Path:
    [path] = [p for p in archive_dir.iterdir() if not p.name.startswith(".")]
    return path


# --- the cut -----------------------------------------------------------------------------------------


def test_six_calendar_months_back_clamps_to_the_end_of_a_shorter_month():
    assert retention.months_before(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert retention.months_before(dt.date(2026, 3, 2), 6) == dt.date(2025, 9, 2)
    assert retention.months_before(dt.date(2026, 12, 31), 6) == dt.date(2026, 6, 30)


def test_the_latest_allowed_cut_keeps_the_retention_days_and_six_months(settings):
    assert retention.latest_allowed_cut(dt.date(2026, 3, 2)) == CUT
    settings.AUDIT_RETENTION_DAYS = 184  # the floor: always at least 6 calendar months
    assert retention.latest_allowed_cut(dt.date(2026, 12, 31)) == dt.date(2026, 6, 30)
    assert retention.latest_allowed_cut(dt.date(2026, 3, 2)) == dt.date(2025, 8, 30)


def test_a_cut_inside_the_retention_is_refused_naming_the_latest_allowed_date(history, archive_dir):
    entries = AuditEntry.objects.count()
    with pytest.raises(CommandError) as refused:
        _archive(before="2025-03-03", prune=True)
    assert str(refused.value) == (
        "Audit and access logs are kept 365 days (at least 6 months): the cut must be on or before 2025-03-02, "
        "not 2025-03-03."
    )
    assert AuditEntry.objects.count() == entries
    assert not AuditArchive.objects.exists()
    assert not archive_dir.exists()


def test_a_malformed_cut_date_is_refused(history):
    with pytest.raises(CommandError, match="--before must be a date such as 2025-06-30"):
        _archive(before="last year")


# --- archive and prune -------------------------------------------------------------------------------


@pytest.mark.smoke
def test_archive_and_prune_moves_the_old_rows_out_and_both_sides_verify(history, archive_dir, capsys):
    out = _archive(before="2025-03-02", prune=True)
    path = _only_archive(archive_dir)
    assert f"Archive {path}: 4 entries in 2 streams, 2 checkpoints, 2 access-log rows, 2 seals; verified." in out
    assert "Pruned from the live database." in out

    # The first two months are gone from the live tables; the rest is still there.
    assert list(AuditEntry.objects.filter(stream="case:1").values_list("seq", flat=True)) == list(range(3, 15))
    assert list(Checkpoint.objects.values_list("seq", flat=True)) == list(range(3, 15))
    assert list(AccessLogSeal.objects.values_list("seq", flat=True)) == list(range(3, 15))
    assert AccessLog.objects.count() == 12
    archive = AuditArchive.objects.get()
    assert (archive.cut, archive.entries, archive.streams, archive.checkpoints, archive.access_rows, archive.seals) == (
        CUT,
        4,
        2,
        2,
        2,
        2,
    )
    assert archive.pruned
    anchors = {a.stream: (a.seq, a.last_id) for a in StreamAnchor.objects.filter(archive=archive)}
    first_kept_row = AccessLog.objects.order_by("id").first().pk
    assert anchors == {
        "case:1": (2, None),
        "case:2": (2, None),
        "#checkpoint": (2, None),
        "#access-log-seal": (2, first_kept_row - 1),
    }
    assert list(
        AuditEntry.objects.filter(action="audit.archive_pruned").values_list("stream", "target_type", "target_id")
    ) == [("global", "audit.auditarchive", str(archive.pk))]

    # The archive holds exactly the pruned rows, in key order.
    assert [(row["stream"], row["seq"]) for row in read_part(path, "entries")] == [
        ("case:1", 1),
        ("case:1", 2),
        ("case:2", 1),
        ("case:2", 2),
    ]
    assert [row["detail"] for row in read_part(path, "access_log")] == [{"month": 0}, {"month": 1}]

    live = audit.verify()
    assert (live.ok, live.streams, live.checkpoints, live.seals) == (True, 3, 12, 12)
    checked = verify_archive(path)
    assert (checked.ok, checked.entries, checked.checkpoints, checked.access_rows, checked.seals) == (True, 4, 2, 2, 2)
    assert checked.manifest_sha256 == archive.manifest_sha256

    assert _verify_audit(capsys)[0] == 0
    code, out, _err = _verify_audit(capsys, "--archive", str(path), "--live")
    assert code == 0
    assert f"Archive {path.name} intact: 2 streams, 4 entries, 2 checkpoints, 2 access-log rows, 2 seals." in out
    assert "The archives and the live database form one intact history" in out


def test_the_manifest_records_counts_hashes_cut_anchors_and_the_covering_checkpoint(history, archive_dir):
    _archive(before="2025-03-02", prune=True)
    path = _only_archive(archive_dir)
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["cut"] == "2025-03-02"
    assert manifest["cut_at"] == "2025-03-01T16:00:00.000000+00:00"  # midnight in Shanghai
    assert manifest["counts"] == {"entries": 4, "streams": 2, "checkpoints": 2, "access_log": 2, "seals": 2}
    assert set(manifest["parts"]) == set(PARTS.values())
    assert manifest["start"]["streams"] == {}
    case_1_second = AuditEntry.objects.none()  # pruned: compare with the archived row instead
    archived = {(r["stream"], r["seq"]): r["hash"] for r in read_part(path, "entries")}
    assert manifest["anchors"]["streams"] == {
        "case:1": [2, archived[("case:1", 2)]],
        "case:2": [2, archived[("case:2", 2)]],
    }
    assert not case_1_second.exists()
    latest = Checkpoint.objects.order_by("-seq").first()
    assert manifest["covering_checkpoint"] == {"seq": latest.seq, "hash": latest.hash}


def test_archiving_without_prune_keeps_every_row(history, archive_dir):
    entries, rows = AuditEntry.objects.count(), AccessLog.objects.count()
    out = _archive(before="2025-03-02")
    assert "Nothing pruned (run with --prune to prune)." in out
    assert (AuditEntry.objects.count(), AccessLog.objects.count()) == (entries + 1, rows)  # + the audit.archived entry
    assert not StreamAnchor.objects.exists()
    assert AuditArchive.objects.get().pruned is False
    assert verify_archive(_only_archive(archive_dir)).ok
    assert audit.verify().ok


def test_an_archive_goes_where_output_says(history, tmp_path):
    target = tmp_path / "elsewhere"
    _archive(before="2025-02-01", output=str(target))
    [path] = list(target.iterdir())
    assert path.name.startswith("audit-20250201-")
    assert verify_archive(path).entries == 2


def test_nothing_older_than_the_cut_writes_no_archive(history, archive_dir):
    out = _archive(before="2024-12-01", prune=True)
    assert "Nothing was recorded before 2024-12-01; no archive written" in out
    assert not AuditArchive.objects.exists()


def test_nothing_is_pruned_when_the_archive_does_not_verify(history, archive_dir, monkeypatch):
    from loanlit.audit.verification import Break

    def broken(path):
        result = verify_archive(path)
        result.breaks.append(Break("archive", "entries.jsonl.gz", None, None, "simulated"))
        return result

    monkeypatch.setattr(retention, "verify_archive", broken)
    entries = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="did not verify"):
        _archive(before="2025-03-02", prune=True)
    assert AuditEntry.objects.count() == entries
    assert not AuditArchive.objects.exists()
    assert not StreamAnchor.objects.exists()


def test_a_second_archive_continues_from_the_first_and_the_history_verifies_end_to_end(history, archive_dir, capsys):
    history.move_to(START - dt.timedelta(days=1), tick=False)
    audit.record(actor=None, action="once", stream="case:9")  # archived by the first archive only
    history.move_to(TODAY, tick=False)
    _archive(before="2025-03-02", prune=True)
    first = _only_archive(archive_dir)
    history.move_to(TODAY + dt.timedelta(days=61), tick=False)
    audit.record(actor=None, action="later", stream="case:3")
    _archive(before="2025-05-01", prune=True)
    second = next(p for p in archive_dir.iterdir() if p != first and not p.name.startswith("."))
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["start"]["streams"]["case:1"][0] == 2
    assert manifest["anchors"]["streams"]["case:1"][0] == 4
    assert manifest["start"]["streams"]["case:9"] == manifest["anchors"]["streams"]["case:9"]
    assert verify_archive(second).ok
    assert AuditEntry.objects.filter(stream="case:2").order_by("seq").values_list("seq", flat=True).first() == 5
    assert audit.verify().ok

    code, _out, _err = _verify_audit(capsys, "--archive", str(second), "--archive", str(first), "--live")
    assert code == 0
    code, _out, err = _verify_audit(capsys, "--archive", str(second), "--live")
    assert code == 1
    assert f"archive {first.name}, sequence - (row -): this pruned archive was not given" in err


# --- tampering ---------------------------------------------------------------------------------------


def test_one_changed_byte_in_an_archive_part_is_named(history, archive_dir, capsys):
    _archive(before="2025-03-02", prune=True)
    path = _only_archive(archive_dir)
    part = path / "access_log.jsonl.gz"
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x01
    part.write_bytes(bytes(data))

    first = verify_archive(path).first_break
    assert (first.chain, first.stream, first.reason) == (
        "archive",
        "access_log.jsonl.gz",
        "the part's SHA-256 does not match the manifest",
    )
    code, _out, err = _verify_audit(capsys, "--archive", str(path))
    assert code == 1
    assert "archive access_log.jsonl.gz" in err


def test_a_rewritten_part_with_a_matching_manifest_still_breaks_the_chain(history, archive_dir):
    """Somebody who recomputes the part's SHA-256 in the manifest is caught by the chain (and, with the
    live database, by the manifest hash the database recorded)."""
    from loanlit.audit.archive import file_sha256

    _archive(before="2025-03-02", prune=True)
    path = _only_archive(archive_dir)
    rows = list(read_part(path, "entries"))
    rows[1]["action"] = "step.forged"
    part = path / "entries.jsonl.gz"
    part.write_bytes(gzip.compress("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows).encode()))
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["parts"]["entries.jsonl.gz"]["sha256"] = file_sha256(part)
    (path / "manifest.json").write_text(json.dumps(manifest))

    first = verify_archive(path).first_break
    assert (first.chain, first.stream, first.seq, first.reason) == (
        "stream",
        "case:1",
        2,
        "the entry's content does not match its hash",
    )
    history_result = retention.verify_history([path], live=True)
    assert "the manifest is not the one the database recorded for this archive" in [
        item.reason for item in history_result.all_breaks
    ]


def test_a_changed_live_row_above_the_anchor_is_reported(history, archive_dir):
    _archive(before="2025-03-02", prune=True)
    victim = AuditEntry.objects.get(stream="case:2", seq=3)  # the first entry after the anchor
    with append_only_suspended(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET prev_hash = %s WHERE id = %s", ["0" * 64, victim.pk])
    first = audit.verify().first_break
    assert (first.chain, first.stream, first.seq) == ("stream", "case:2", 3)
    assert first.reason == "the previous-hash link does not match the previous entry"


def test_a_deleted_live_row_right_above_the_anchor_is_a_gap(history, archive_dir):
    _archive(before="2025-03-02", prune=True)
    with append_only_suspended(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE stream = %s AND seq = 3", ["case:1"])
    first = audit.verify().first_break
    assert (first.stream, first.seq, first.reason) == ("case:1", 4, "sequence gap: expected 3, found 4")


# --- the triggers --------------------------------------------------------------------------------------


def _refused(statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        statement()


@pytest.mark.smoke
def test_a_delete_without_the_prune_marker_is_still_refused(history, archive_dir):
    _archive(before="2025-03-02", prune=True)

    def raw(sql):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql)

        return run

    for table in ("audit_auditentry", "audit_checkpoint", "audit_accesslog", "audit_accesslogseal"):
        _refused(raw(f"DELETE FROM {table}"))
    _refused(raw("DELETE FROM audit_streamanchor"))
    _refused(raw("DELETE FROM audit_auditarchive"))
    _refused(lambda: AuditArchive.objects.update(pruned=False))
    _refused(lambda: StreamAnchor.objects.update(seq=1))
    assert AuditEntry.objects.filter(stream="case:1").count() == 12
    assert not AuditPruneToken.objects.exists()


class _Undo(Exception):
    pass


def _sql(statement: str, params=()):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    return run


@pytest.mark.smoke
def test_the_prune_marker_allows_deletes_on_the_logs_only_and_never_updates(history, archive_dir):
    _archive(before="2025-03-02")  # an AuditArchive row, not pruned
    entry = AuditEntry.objects.get(stream="case:1", seq=1)
    with pytest.raises(PruneMarkerError), prune_marker():
        pass
    with pytest.raises(_Undo), transaction.atomic():
        with prune_marker():
            _refused(_sql("UPDATE audit_auditentry SET action = 'forged' WHERE id = %s", [entry.pk]))
            _refused(_sql("DELETE FROM audit_auditarchive"))
            _sql("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])()
            assert not AuditEntry.objects.filter(pk=entry.pk).exists()
        raise _Undo  # roll the delete back
    # The marker ended with its block: the same delete is refused again.
    _refused(_sql("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk]))
    assert AuditEntry.objects.get(pk=entry.pk).action == "step.0"
    assert not AuditPruneToken.objects.exists()


def test_a_committed_prune_token_is_reported_by_verify(history):
    AuditPruneToken.objects.create(created_at=dt.datetime.now(dt.UTC))
    result = audit.verify()
    assert [(item.chain, item.reason) for item in result.breaks] == [
        ("prune_token", "a prune marker was committed: deletes are not refused")
    ]


# --- the daily task ----------------------------------------------------------------------------------


def test_the_daily_prune_does_nothing_unless_auto_prune_is_on(history, archive_dir, settings):
    """``retention_auto_prune`` is what the daily task ``audit.retention`` runs (loanlit/jobs/tasks.py)."""
    settings.AUDIT_AUTO_PRUNE = False
    assert retention.retention_auto_prune() is None
    assert not AuditArchive.objects.exists()

    settings.AUDIT_AUTO_PRUNE = True
    outcome = retention.retention_auto_prune()
    archive = AuditArchive.objects.get()
    assert (outcome.cut, archive.cut, archive.pruned, archive.entries) == (CUT, CUT, True, 4)
    assert audit.verify().ok
    assert retention.retention_auto_prune().archive is None  # nothing new past the retention: no second archive
    assert AuditArchive.objects.count() == 1


def test_the_daily_prune_never_prunes_when_the_archive_cannot_be_written(history, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.AUDIT_ARCHIVE_DIR = blocker
    settings.AUDIT_AUTO_PRUNE = True
    entries = AuditEntry.objects.count()
    with pytest.raises(OSError):
        retention.retention_auto_prune()
    assert AuditEntry.objects.count() == entries
    assert not AuditArchive.objects.exists()


# --- settings ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"LOANLIT_AUDIT_RETENTION_DAYS": "183"},
            "LOANLIT_AUDIT_RETENTION_DAYS must be at least 184, not 183: audit and access logs are kept at least "
            "6 months (Cybersecurity Law, article 21).",
        ),
        (
            {"LOANLIT_MEDIA_ROOT": "/tmp/loanlit-media", "LOANLIT_AUDIT_ARCHIVE_DIR": "/tmp/loanlit-media/audit"},
            "LOANLIT_AUDIT_ARCHIVE_DIR (/tmp/loanlit-media/audit) must be outside LOANLIT_MEDIA_ROOT.",
        ),
    ],
)
def test_a_retention_setting_that_breaks_the_rules_stops_start_up(variables, message):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    env = {"PATH": "/usr/bin:/bin", "LOANLIT_DEBUG": "true", **variables}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert message in result.stderr
