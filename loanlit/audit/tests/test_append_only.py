from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from loanlit import audit
from loanlit.audit.maintenance import append_only_suspended
from loanlit.audit.models import AccessLog, AccessLogSeal, AuditEntry, Checkpoint, StreamHead

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> AuditEntry:
    return audit.record(actor=None, action="thing.created", stream="case:1", changes={"name": {"new": "A"}})


def _refused(statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        statement()


def test_updating_an_entry_through_the_orm_is_refused(entry):
    entry.action = "thing.deleted"
    _refused(entry.save)
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="thing.deleted"))
    assert AuditEntry.objects.get(pk=entry.pk).action == "thing.created"


@pytest.mark.smoke
def test_updating_an_entry_with_raw_sql_is_refused(entry):
    def raw_update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["thing.deleted", entry.pk])

    _refused(raw_update)
    assert AuditEntry.objects.get(pk=entry.pk).action == "thing.created"


def test_deleting_an_entry_is_refused(entry):
    _refused(entry.delete)

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")

    _refused(raw_delete)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_access_log_checkpoints_and_seals_are_append_only(entry, clock):
    row = audit.access_log(user=None, action=audit.AccessAction.EXPORT)
    checkpoint = audit.checkpoint_create()
    clock.shift(120)
    [seal] = audit.access_log_seal()
    for model, pk, field in (
        (AccessLog, row.pk, "path"),
        (Checkpoint, checkpoint.pk, "prev_hash"),
        (AccessLogSeal, seal.pk, "digest"),
    ):
        _refused(lambda model=model, pk=pk, field=field: model.objects.filter(pk=pk).update(**{field: "x"}))
        _refused(lambda model=model, pk=pk: model.objects.filter(pk=pk).delete())
    assert AccessLog.objects.get(pk=row.pk).path == ""
    assert Checkpoint.objects.count() == AccessLogSeal.objects.count() == 1


def test_the_stream_head_stays_updatable_because_it_is_the_lock_row(entry):
    assert StreamHead.objects.filter(stream="case:1").update(checkpointed_seq=1) == 1


def test_suspending_the_triggers_is_scoped_to_the_block(entry):
    with append_only_suspended():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="again"))
    assert AuditEntry.objects.get(pk=entry.pk).action == "tampered"
