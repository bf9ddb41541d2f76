"""Concurrent writers never fork a chain (PostgreSQL only: SQLite serialises writers by design)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from loanlit import audit
from loanlit.audit.hashing import GENESIS_HASH
from loanlit.audit.models import AuditEntry, StreamHead

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

WRITERS = 8
ENTRIES_EACH = 15


def _run_writers(stream_for) -> list[BaseException]:
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for n in range(ENTRIES_EACH):
                with transaction.atomic():
                    audit.record(actor=None, action=f"writer.{number}", stream=stream_for(number, n))
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def _assert_linear(stream: str, expected_count: int) -> None:
    rows = list(AuditEntry.objects.filter(stream=stream).order_by("seq").values_list("seq", "prev_hash", "hash"))
    assert [seq for seq, _prev, _hash in rows] == list(range(1, expected_count + 1))
    previous = GENESIS_HASH
    for _seq, prev_hash, digest in rows:
        assert prev_hash == previous
        previous = digest
    head = StreamHead.objects.get(stream=stream)
    assert (head.last_seq, head.last_hash) == (expected_count, previous)


def test_concurrent_writers_to_one_stream_extend_one_linear_chain():
    assert _run_writers(lambda number, n: "case:1") == []
    _assert_linear("case:1", WRITERS * ENTRIES_EACH)
    result = audit.verify()
    assert (result.ok, result.entries) == (True, WRITERS * ENTRIES_EACH)


def test_concurrent_writers_to_different_streams_keep_every_chain_linear():
    # Writers alternate between their own new stream and two shared ones, all created concurrently.
    def stream_for(number: int, n: int) -> str:
        return f"case:{100 + number}" if n % 2 else f"shared:{n % 4}"

    assert _run_writers(stream_for) == []
    own_each = ENTRIES_EACH // 2
    for number in range(WRITERS):
        _assert_linear(f"case:{100 + number}", own_each)
    shared_total = WRITERS * (ENTRIES_EACH - own_each)
    shared = {f"shared:{k}": AuditEntry.objects.filter(stream=f"shared:{k}").count() for k in (0, 2)}
    assert sum(shared.values()) == shared_total
    for stream, count in shared.items():
        _assert_linear(stream, count)
    assert audit.checkpoint_create() is not None
    result = audit.verify()
    assert (result.ok, result.streams, result.entries, result.checkpoints) == (True, WRITERS + 2, 120, 1)
