from __future__ import annotations

import pytest
from django.core.management import call_command, execute_from_command_line
from django.db import connection

from loanlit import audit
from loanlit.audit.maintenance import append_only_suspended
from loanlit.audit.models import AccessLog, AuditEntry, Checkpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def chains() -> dict[str, list[AuditEntry]]:
    return {
        stream: [audit.record(actor=None, action=f"step.{n}", stream=stream) for n in range(1, 5)]
        for stream in ("case:1", "case:2")
    }


def _tamper(sql: str, params: list) -> None:
    with append_only_suspended(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _run_verify_audit(capsys) -> tuple[int, str, str]:
    try:
        execute_from_command_line(["manage.py", "verify_audit"])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    else:
        code = 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_intact_audit_verifies_and_the_command_exits_zero(chains, capsys):
    audit.checkpoint_create()
    result = audit.verify()
    assert (result.ok, result.streams, result.entries, result.checkpoints) == (True, 2, 8, 1)
    code, out, _err = _run_verify_audit(capsys)
    assert code == 0
    assert "2 streams, 8 entries, 1 checkpoints" in out


@pytest.mark.smoke
def test_a_changed_entry_is_named_as_the_first_broken_link(chains, capsys):
    target = chains["case:2"][2]
    _tamper("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["step.forged", target.pk])

    result = audit.verify()
    assert not result.ok
    first = result.first_break
    assert (first.chain, first.stream, first.seq, first.entry_id) == ("stream", "case:2", 3, target.pk)
    assert first.reason == "the entry's content does not match its hash"
    assert len(result.breaks) == 1

    code, _out, err = _run_verify_audit(capsys)
    assert code == 1
    assert f"stream case:2, sequence 3 (row {target.pk})" in err


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(chains):
    from loanlit.audit.hashing import entry_hash

    victim = chains["case:1"][1]
    forged = entry_hash(
        stream=victim.stream,
        seq=victim.seq,
        created_at=victim.created_at,
        actor_id=None,
        actor_display="",
        action="step.forged",
        target_type="",
        target_id="",
        target_repr="",
        changes=None,
        prev_hash=victim.prev_hash,
    )
    _tamper("UPDATE audit_auditentry SET action = %s, hash = %s WHERE id = %s", ["step.forged", forged, victim.pk])

    first = audit.verify().first_break
    assert (first.stream, first.seq) == ("case:1", 3)
    assert first.reason == "the previous-hash link does not match the previous entry"


def test_a_deleted_entry_is_reported_as_a_sequence_gap(chains):
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [chains["case:1"][1].pk])
    first = audit.verify().first_break
    assert (first.stream, first.seq) == ("case:1", 3)
    assert first.reason == "sequence gap: expected 2, found 3"


def test_a_deleted_tail_entry_is_caught_by_the_stream_head(chains):
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [chains["case:2"][3].pk])
    first = audit.verify().first_break
    assert (first.stream, first.seq) == ("case:2", 4)
    assert first.reason == "entries are missing before the stream head"


def test_truncating_a_stream_and_its_head_is_caught_by_the_checkpoint(chains):
    audit.checkpoint_create()
    _tamper("DELETE FROM audit_auditentry WHERE stream = %s AND seq > 2", ["case:1"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_streamhead SET last_seq = 2, last_hash = %s WHERE stream = %s",
            [chains["case:1"][1].hash, "case:1"],
        )
    result = audit.verify()
    assert [(item.chain, item.seq) for item in result.breaks] == [("checkpoint", 1)]
    assert result.first_break.reason == "stream case:1 entry 4 no longer matches this checkpoint"


def test_verify_can_check_one_stream(chains):
    _tamper("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["forged", chains["case:1"][0].pk])
    assert audit.verify(stream="case:2").ok
    assert audit.verify(stream="case:1").first_break.seq == 1


def test_checkpoints_cover_only_streams_that_moved_and_chain_to_each_other(chains):
    first = audit.checkpoint_create()
    assert first.heads == [["case:1", 4, chains["case:1"][3].hash], ["case:2", 4, chains["case:2"][3].hash]]
    assert audit.checkpoint_create() is None
    moved = audit.record(actor=None, action="step.5", stream="case:2")
    second = audit.checkpoint_create()
    assert (second.seq, second.heads, second.prev_hash) == (2, [["case:2", 5, moved.hash]], first.hash)


def test_a_deleted_checkpoint_is_detected(chains):
    audit.checkpoint_create()
    audit.record(actor=None, action="step.5", stream="case:2")
    last = audit.checkpoint_create()
    _tamper("DELETE FROM audit_checkpoint WHERE id = %s", [last.pk])
    first = audit.verify().first_break
    assert (first.chain, first.seq) == ("checkpoint", 2)
    assert Checkpoint.objects.count() == 1


def test_an_access_log_seal_detects_a_changed_row(clock, capsys):
    rows = [audit.access_log(user=None, action=audit.AccessAction.DOWNLOAD, detail={"n": n}) for n in range(3)]
    clock.shift(120)
    [seal] = audit.access_log_seal()
    assert (seal.seq, seal.first_id, seal.last_id, seal.row_count) == (1, rows[0].pk, rows[2].pk, 3)
    assert audit.verify().ok

    _tamper("UPDATE audit_accesslog SET path = %s WHERE id = %s", ["/elsewhere", rows[1].pk])
    first = audit.verify().first_break
    assert (first.chain, first.seq, first.reason) == ("access_log_seal", 1, "sealed access-log rows were changed")
    code, _out, err = _run_verify_audit(capsys)
    assert code == 1
    assert "access_log_seal #access-log-seal, sequence 1" in err


def test_an_access_log_seal_detects_a_deleted_row(clock):
    rows = [audit.access_log(user=None, action=audit.AccessAction.DOWNLOAD) for _ in range(3)]
    clock.shift(120)
    audit.access_log_seal()
    _tamper("DELETE FROM audit_accesslog WHERE id = %s", [rows[0].pk])
    first = audit.verify().first_break
    assert (first.chain, first.seq) == ("access_log_seal", 1)
    assert first.reason == "the sealed batch had 3 access-log rows, now it has 2"


def test_only_settled_access_log_rows_are_sealed_and_batches_chain(clock):
    old = [audit.access_log(user=None, action=audit.AccessAction.EXPORT) for _ in range(3)]
    clock.shift(120)
    fresh = audit.access_log(user=None, action=audit.AccessAction.EXPORT)
    seals = audit.access_log_seal(batch_size=2)
    assert [(seal.first_id, seal.last_id, seal.row_count) for seal in seals] == [
        (old[0].pk, old[1].pk, 2),
        (old[2].pk, old[2].pk, 1),
    ]
    assert seals[1].prev_hash == seals[0].hash
    assert audit.access_log_seal() == []
    clock.shift(120)
    [later] = audit.access_log_seal()
    assert (later.seq, later.first_id, later.row_count) == (3, fresh.pk, 1)
    assert AccessLog.objects.count() == 4
    assert audit.verify().ok


def test_the_checkpoint_command_seals_and_checkpoints(chains, clock, capsys):
    audit.access_log(user=None, action=audit.AccessAction.EXPORT)
    clock.shift(120)
    call_command("audit_checkpoint")
    assert "checkpoint 1 over 2 stream heads; 1 access-log seals." in capsys.readouterr().out
    result = audit.scheduled_checkpoint()
    assert (result.checkpoint, result.seals) == (None, [])
