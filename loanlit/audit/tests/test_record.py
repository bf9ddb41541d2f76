from __future__ import annotations

import pytest
from django.db import transaction

from loanlit import audit
from loanlit.audit.hashing import GENESIS_HASH, entry_hash
from loanlit.audit.models import AuditEntry, StreamHead
from loanlit.core.models import OrgUnit

pytestmark = pytest.mark.django_db


def _rehash(entry: AuditEntry) -> str:
    return entry_hash(
        stream=entry.stream,
        seq=entry.seq,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        actor_display=entry.actor_display,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        target_repr=entry.target_repr,
        changes=entry.changes,
        prev_hash=entry.prev_hash,
    )


def test_entries_in_one_stream_form_a_chain_from_the_genesis_hash():
    first = audit.record(actor=None, action="thing.created", stream="case:1", changes={"a": {"old": None, "new": 1}})
    second = audit.record(actor=None, action="thing.changed", stream="case:1")
    other = audit.record(actor=None, action="thing.created", stream="case:2")

    rows = list(AuditEntry.objects.filter(stream="case:1").order_by("seq"))
    assert [(row.seq, row.action) for row in rows] == [(1, "thing.created"), (2, "thing.changed")]
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash == first.hash
    assert rows[1].hash == second.hash
    assert [_rehash(row) for row in rows] == [row.hash for row in rows]
    assert (other.seq, other.prev_hash) == (1, GENESIS_HASH)
    head = StreamHead.objects.get(stream="case:1")
    assert (head.last_seq, head.last_hash) == (2, second.hash)


def test_a_reloaded_entry_hashes_to_its_stored_hash_even_with_decimals_and_dates():
    from datetime import date
    from decimal import Decimal

    entry = audit.record(
        actor=None,
        action="loan.changed",
        changes={"principal": {"old": Decimal("1000.00"), "new": Decimal("1234.56")}, "due": {"new": date(2026, 3, 2)}},
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.changes == {"principal": {"old": "1000.00", "new": "1234.56"}, "due": {"new": "2026-03-02"}}
    assert _rehash(stored) == stored.hash == entry.hash


def test_record_names_the_actor_and_target(personas):
    entry = audit.record(actor=personas.administrator, action="org_unit.renamed", target=personas.beijing)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.actor_display) == (personas.administrator.pk, "administrator")
    assert (stored.target_type, stored.target_id, stored.target_repr) == (
        "core.orgunit",
        str(personas.beijing.pk),
        "Beijing branch",
    )


def test_record_many_extends_each_stream_once_in_item_order(django_assert_num_queries):
    audit.record(actor=None, action="seed", stream="case:7")
    items = [
        audit.AuditItem(action="loan.imported", stream="case:7", target=audit.TargetRef("loans.loan", "1", "L-1")),
        audit.AuditItem(action="loan.imported", stream="case:8", target=audit.TargetRef("loans.loan", "2", "L-2")),
        audit.AuditItem(action="loan.imported", stream="case:7", target=audit.TargetRef("loans.loan", "3", "L-3")),
    ]
    # Lock existing heads, create + lock the new one, one INSERT of entries, one UPDATE of heads.
    with django_assert_num_queries(5, exact=False):
        entries = audit.record_many(actor=None, items=items)
    assert [(entry.stream, entry.seq, entry.target_id) for entry in entries] == [
        ("case:7", 2, "1"),
        ("case:8", 1, "2"),
        ("case:7", 3, "3"),
    ]
    assert entries[2].prev_hash == entries[0].hash
    assert audit.verify().ok


def test_record_refuses_reserved_or_empty_streams_and_unsaved_targets():
    with pytest.raises(ValueError):
        audit.record(actor=None, action="x", stream="#checkpoint")
    with pytest.raises(ValueError):
        audit.record(actor=None, action="x", stream="")
    with pytest.raises(ValueError):
        audit.record(actor=None, action="", stream="global")
    with pytest.raises(ValueError):
        audit.record(actor=None, action="x", target=OrgUnit(code="N", name="n", kind="branch"))
    assert not AuditEntry.objects.exists()


def test_org_unit_creation_is_audited_with_its_values(personas):
    # Personas are built through loanlit.accounts.services (audit may not import accounts itself).
    unit = personas.beijing_chaoyang
    entry = AuditEntry.objects.get(action="org_unit.created", target_id=str(unit.pk))
    assert (entry.stream, entry.actor_id, entry.target_repr) == ("global", None, "Chaoyang sub-branch")
    assert entry.changes["code"] == {"old": None, "new": "BJ-CY"}
    assert entry.changes["parent"] == {"old": None, "new": "BJ"}
    assert entry.changes["path"] == {"old": None, "new": "0001.0001.0001."}
    assert entry.changes["legal_name"] == {"old": None, "new": ""}


def test_creditor_and_user_creation_are_audited(personas):
    creditor = AuditEntry.objects.get(action="creditor.created", target_id=str(personas.creditor.pk))
    assert creditor.changes["code"] == {"old": None, "new": "BANK-A"}
    user = AuditEntry.objects.get(action="user.created", target_id=str(personas.auditor.pk))
    assert user.changes["role"] == {"old": None, "new": "auditor"}
    assert user.changes["creditors"] == {"old": None, "new": ["BANK-A"]}
    assert "password" not in user.changes
    assert audit.verify().ok


def test_an_entry_rolls_back_with_the_change_it_describes():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(actor=None, action="thing.created", stream="case:9")
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.filter(stream="case:9").exists()
    assert not StreamHead.objects.filter(stream="case:9").exists()


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(audit.TransactionRequired):
        audit.record(actor=None, action="thing.created")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_keeps_working_after_audited_writes():
    # Transactional tests end with `flush`; the append-only triggers must not block it.
    with transaction.atomic():
        audit.record(actor=None, action="thing.created")
    audit.access_log(user=None, action=audit.AccessAction.DENIED)
    assert AuditEntry.objects.count() == 1


def test_changes_helpers_never_keep_plain_personal_data():
    changes = audit.diff(
        {"mobile": "13800138000", "name": "Li"}, {"mobile": "13900139000", "name": "Li"}, personal={"mobile"}
    )
    assert set(changes) == {"mobile"}
    assert changes["mobile"]["old"]["masked"] == "*******8000"
    assert changes["mobile"]["new"]["masked"] == "*******9000"
    assert len(changes["mobile"]["new"]["hmac"]) == 64
    assert "13900139000" not in str(changes)
    assert audit.personal_value_from_plain("13900139000") == changes["mobile"]["new"]
    assert audit.mask("110101199001011234", keep_start=3) == "110***********1234"
    assert audit.mask("123") == "***"


def test_a_personal_value_is_recorded_as_its_hmac_and_mask_only():
    from tests.testapp.models import PersonRecord

    person = PersonRecord.objects.create(name="P", id_number="11010519491231002X", mobile="13800138000")
    person.refresh_from_db()
    entry = audit.record(
        actor=None, action="person.changed", target=person, changes={"mobile": {"old": None, "new": person.mobile}}
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.changes == {"mobile": {"old": None, "new": person.mobile.as_audit()}}
    assert "13800138000" not in str(stored.changes)
    assert _rehash(stored) == stored.hash
