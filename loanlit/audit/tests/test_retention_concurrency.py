"""A prune while writers append keeps every chain linear and verifiable (PostgreSQL only, as the other
audit concurrency tests: SQLite serialises writers by design)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from loanlit import audit
from loanlit.audit import retention
from loanlit.audit.models import AuditEntry, StreamAnchor, StreamHead

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

WRITERS = 4
ENTRIES_EACH = 10


def test_writers_appending_during_a_prune_keep_every_chain_linear(time_machine, settings, tmp_path):
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "archive"
    time_machine.move_to(dt.datetime(2025, 1, 10, 2, 0, tzinfo=dt.UTC), tick=False)
    with transaction.atomic():
        for n in range(5):
            for stream in ("case:1", "case:2"):
                audit.record(actor=None, action=f"old.{n}", stream=stream)
    audit.scheduled_checkpoint()
    time_machine.move_to(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC), tick=True)

    start = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        try:
            start.wait()
            for n in range(ENTRIES_EACH):
                with transaction.atomic():
                    audit.record(actor=None, action=f"new.{number}.{n}", stream=f"case:{1 + n % 2}")
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(WRITERS)]
    for thread in threads:
        thread.start()
    start.wait()
    outcome = retention.archive_create(before=dt.date(2025, 3, 2), prune=True)
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert outcome.archive.entries == 10
    assert dict(StreamAnchor.objects.filter(stream__startswith="case:").values_list("stream", "seq")) == {
        "case:1": 5,
        "case:2": 5,
    }
    for stream in ("case:1", "case:2"):
        seqs = list(AuditEntry.objects.filter(stream=stream).order_by("seq").values_list("seq", flat=True))
        head = StreamHead.objects.get(stream=stream)
        assert seqs == list(range(6, head.last_seq + 1))
    assert AuditEntry.objects.filter(action__startswith="new.").count() == WRITERS * ENTRIES_EACH
    result = audit.verify()
    assert result.ok, result.first_break
    assert retention.verify_history([outcome.path], live=True).ok
