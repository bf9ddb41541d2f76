"""Key rotation (also AES → SM4) and HMAC-key re-indexing of every PersonalDataField, in batches."""

from __future__ import annotations

import base64
import json
from io import StringIO
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from loanlit.core import crypto
from loanlit.core.fields import models_with_personal_data, pd_exact, pd_tail, personal_data_reencrypt
from loanlit.core.fields.personal import PersonalDataField
from loanlit.core.models import Creditor
from loanlit.law.identifiers import ric_check_digit
from tests.testapp.models import PersonRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


AES_1 = "a1:" + base64.b64encode(bytes(range(32))).decode()
AES_2 = "a2:" + base64.b64encode(bytes(range(100, 132))).decode()
SM4_1 = "s1:" + base64.b64encode(bytes(range(16))).decode()
HMAC_1 = "first-hmac-key-for-personal-data-0123456789"
HMAC_2 = "second-hmac-key-for-personal-data-987654321"
AES = {"ENCRYPTION_CIPHER": "aes-256-gcm", "ENCRYPTION_KEYS": AES_1, "HMAC_KEY": HMAC_1, "HMAC_ALGORITHM": ""}
# Looked up through the app registry, as the commands find them (core sits below parties and audit).
Party = apps.get_model("parties", "Party")
AuditEntry = apps.get_model("audit", "AuditEntry")


def make_ric(seq: int) -> str:
    body = f"11010519900307{seq:03d}"
    return body + ric_check_digit(body)


RIC = make_ric(7)


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def make_party(ric: str = RIC) -> Party:
    creditor, _ = Creditor.objects.get_or_create(
        code="BANK", defaults={"name": "Bank", "legal_name": "Bank Ltd", "kind": Creditor.Kind.values[0]}
    )
    return Party.objects.create(creditor=creditor, name="Zhang San", name_normalized="zhang san", id_number=ric)


def make_people(count: int) -> list[PersonRecord]:
    return [PersonRecord.objects.create(id_number=make_ric(seq)) for seq in range(1, count + 1)]


def key_ids(model=PersonRecord, field="id_number") -> list[str]:
    return [getattr(obj, field).key_id for obj in model.objects.order_by("pk")]


def test_every_model_with_personal_data_is_found_through_the_app_registry():
    labels = {model._meta.label for model in models_with_personal_data()}
    assert {"parties.Party", "parties.PartyContact", "enforcement.Asset", "testapp.PersonRecord"} <= labels
    assert all(
        any(isinstance(f, PersonalDataField) for f in m._meta.private_fields) for m in models_with_personal_data()
    )


def test_a_party_saved_under_aes_is_read_after_the_switch_to_sm4_and_rotation_converts_it():
    with override_settings(**AES):
        party = make_party()
        assert crypto.envelope_algorithm(party.id_number.cipher) == "AES-256-GCM"
    sm4 = {**AES, "ENCRYPTION_CIPHER": "sm4-gcm", "ENCRYPTION_KEYS": f"{SM4_1},{AES_1}", "HMAC_ALGORITHM": "sha256"}
    with override_settings(**sm4):
        stored = Party.objects.get(pk=party.pk)
        assert stored.id_number.reveal() == RIC  # the old AES envelope still reads
        assert Party.objects.filter(**pd_exact(Party, "id_number", RIC)).get() == party  # index unchanged (sha256)
        out, _ = run("rotate_personal_data_keys")
        assert "parties.Party.id_number: batch 1, 1 values (1 of 1)" in out
        assert "parties.Party: 1 values re-encrypted, 0 unreadable" in out
    with override_settings(**{**sm4, "ENCRYPTION_KEYS": SM4_1}):  # the AES key is gone
        stored = Party.objects.get(pk=party.pk)
        assert stored.id_number.cipher.startswith("v1$SM4-GCM$s1$")
        assert stored.id_number.reveal() == RIC
        assert Party.objects.filter(**pd_exact(Party, "id_number", RIC)).get() == party
        assert Party.objects.filter(**pd_tail(Party, "id_number", RIC[-6:])).get() == party
        again, _ = run("rotate_personal_data_keys")
        assert again.count(": 0 values re-encrypted, 0 unreadable\n") == len(models_with_personal_data())
        assert "Total: 0 values re-encrypted in 0 batches." in again


def test_a_new_hmac_key_misses_until_reindex_personal_data_has_run():
    with override_settings(**AES):
        party = make_party()
    with override_settings(**{**AES, "HMAC_KEY": HMAC_2}):
        assert not Party.objects.filter(**pd_exact(Party, "id_number", RIC)).exists()
        assert not Party.objects.filter(**pd_tail(Party, "id_number", RIC[-6:])).exists()
        out, _ = run("reindex_personal_data")
        assert "parties.Party.id_number: batch 1, 1 values (1 of 1)" in out
        assert Party.objects.filter(**pd_exact(Party, "id_number", RIC)).get() == party
        assert Party.objects.filter(**pd_tail(Party, "id_number", RIC[-6:])).get() == party
        assert Party.objects.get(pk=party.pk).id_number.reveal() == RIC  # verify=True: digest matches again
        again, _ = run("reindex_personal_data")
        assert "parties.Party: 0 values re-indexed, 1 already current, 0 unreadable" in again
    with override_settings(**AES):
        assert not Party.objects.filter(**pd_exact(Party, "id_number", RIC)).exists()


def test_switching_to_sm4_with_the_default_index_algorithm_moves_the_index_to_hmac_sm3():
    with override_settings(**AES):
        person = PersonRecord.objects.create(id_number=RIC)
        sha256_digest = person.id_number.hmac
    with override_settings(**{**AES, "ENCRYPTION_CIPHER": "sm4-gcm", "ENCRYPTION_KEYS": f"{SM4_1},{AES_1}"}):
        assert crypto.current_hmac_algorithm() == "sm3"
        assert not PersonRecord.objects.filter(**pd_exact(PersonRecord, "id_number", RIC)).exists()
        run("reindex_personal_data")
        stored = PersonRecord.objects.get(**pd_exact(PersonRecord, "id_number", RIC))
        assert stored.id_number.hmac != sha256_digest
        assert stored.id_number.key_id == "a1"  # re-indexing leaves the ciphertext alone


def test_rotation_runs_in_batches_and_prints_progress():
    with override_settings(**AES):
        make_people(5)
    with override_settings(**{**AES, "ENCRYPTION_KEYS": f"{AES_2},{AES_1}"}):
        out, err = run("rotate_personal_data_keys", "--batch-size", "2")
        assert [line for line in out.splitlines() if line.startswith("testapp.PersonRecord.")] == [
            "testapp.PersonRecord.id_number: batch 1, 2 values (2 of 5)",
            "testapp.PersonRecord.id_number: batch 2, 2 values (4 of 5)",
            "testapp.PersonRecord.id_number: batch 3, 1 values (5 of 5)",
        ]
        assert "Total: 5 values re-encrypted in 3 batches." in out
        assert err == ""
        assert key_ids() == ["a2"] * 5
        assert "testapp.PersonRecord: 0 values re-encrypted, 0 unreadable" in run("rotate_personal_data_keys")[0]


def test_an_interrupted_rotation_resumes_where_it_stopped():
    with override_settings(**AES):
        make_people(5)
    with override_settings(**{**AES, "ENCRYPTION_KEYS": f"{AES_2},{AES_1}"}):
        out, _ = run("rotate_personal_data_keys", "--batch-size", "2", "--limit", "3")
        assert "Total: 3 values re-encrypted in 2 batches." in out
        assert "Stopped at --limit 3; run the command again to continue." in out
        assert key_ids() == ["a2", "a2", "a2", "a1", "a1"]
        out, _ = run("rotate_personal_data_keys", "--batch-size", "2")
        assert "testapp.PersonRecord.id_number: batch 1, 2 values (2 of 2)" in out
        assert key_ids() == ["a2"] * 5


def test_a_failing_batch_rolls_back_alone_and_a_rerun_finishes():
    with override_settings(**AES):
        make_people(5)
    field = PersonRecord._meta.get_field("id_number")
    real_encode = field.encode
    calls = {"n": 0}

    def encode_failing_on_the_third(normalised):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_encode(normalised)

    with override_settings(**{**AES, "ENCRYPTION_KEYS": f"{AES_2},{AES_1}"}):
        with mock.patch.object(field, "encode", side_effect=encode_failing_on_the_third), pytest.raises(RuntimeError):
            personal_data_reencrypt(PersonRecord, batch_size=2)
        assert key_ids() == ["a2", "a2", "a1", "a1", "a1"]  # batch 1 committed, batch 2 rolled back whole
        assert personal_data_reencrypt(PersonRecord, batch_size=2).rewritten == 3
        assert key_ids() == ["a2"] * 5
        assert [p.id_number.reveal() for p in PersonRecord.objects.order_by("pk")] == [make_ric(s) for s in range(1, 6)]


def test_an_interrupted_reindex_finds_only_the_rows_done_and_resumes():
    with override_settings(**AES):
        people = make_people(5)
    with override_settings(**{**AES, "HMAC_KEY": HMAC_2}):
        out, _ = run("reindex_personal_data", "--batch-size", "2", "--limit", "2")
        assert "Stopped at --limit 2" in out

        def found(seq: int) -> bool:
            return PersonRecord.objects.filter(**pd_exact(PersonRecord, "id_number", make_ric(seq))).exists()

        assert [found(seq) for seq in range(1, 6)] == [True, True, False, False, False]
        out, _ = run("reindex_personal_data", "--batch-size", "2")
        assert "testapp.PersonRecord: 3 values re-indexed, 2 already current, 0 unreadable" in out
        assert [found(seq) for seq in range(1, 6)] == [True] * 5
        assert PersonRecord.objects.get(**pd_tail(PersonRecord, "id_number", make_ric(5)[-6:])) == people[4]


def test_a_value_no_key_decrypts_is_counted_and_left_alone():
    with override_settings(**AES):
        make_people(2)
    with override_settings(**{**AES, "ENCRYPTION_KEYS": AES_2}):
        PersonRecord.objects.create(id_number=make_ric(9))
    with override_settings(**{**AES, "ENCRYPTION_KEYS": f"{AES_2.replace('a2:', 'a3:')},{AES_1}"}):
        out, err = run("rotate_personal_data_keys")
        assert "testapp.PersonRecord: 2 values re-encrypted, 1 unreadable" in out
        assert "1 values could not be decrypted with any key in LOANLIT_ENCRYPTION_KEY" in err
        assert key_ids() == ["a3", "a3", "a2"]


def test_each_command_writes_one_global_audit_record_with_counts_and_no_personal_data():
    with override_settings(**AES):
        make_party()
        make_people(2)
    before = AuditEntry.objects.count()
    with override_settings(**{**AES, "ENCRYPTION_CIPHER": "sm4-gcm", "ENCRYPTION_KEYS": f"{SM4_1},{AES_1}"}):
        run("rotate_personal_data_keys", "--batch-size", "10")
        run("reindex_personal_data")
    entries = list(AuditEntry.objects.order_by("pk")[before:])
    assert [(e.action, e.stream, e.actor_id) for e in entries] == [
        ("personal_data.keys_rotated", "global", None),
        ("personal_data.reindexed", "global", None),
    ]
    rotated, reindexed = entries[0].changes, entries[1].changes
    assert rotated["rewritten"] == 3
    assert rotated["models"]["parties.Party"] == {"rewritten": 1, "unreadable": 0}
    assert rotated["models"]["testapp.PersonRecord"] == {"rewritten": 2, "unreadable": 0}
    assert (rotated["key_id"], rotated["algorithm"], rotated["batch_size"]) == ("s1", "SM4-GCM", 10)
    assert reindexed["rewritten"] == 0  # rotation already wrote HMAC-SM3 digests
    assert reindexed["hmac_algorithm"] == "sm3"
    text = json.dumps([rotated, reindexed])
    for plain in (RIC, make_ric(1), RIC[-6:]):
        assert plain not in text


def test_bad_batch_size_or_limit_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="at least 1"):
        run("rotate_personal_data_keys", "--batch-size", "0")
    with pytest.raises(CommandError, match="at least 1"):
        run("reindex_personal_data", "--limit", "0")
    assert not AuditEntry.objects.filter(action__startswith="personal_data.").exists()


def test_rotation_rewraps_the_per_party_subject_keys_under_the_first_key():
    from loanlit.core import subjects
    from loanlit.core.models import SubjectKey

    with override_settings(**AES):
        sealed = subjects.seal(("parties.party", 41), "Zhang San")
        assert crypto.envelope_key_id(SubjectKey.objects.get().wrapped_key) == "a1"
    with override_settings(**{**AES, "ENCRYPTION_KEYS": f"{AES_2},{AES_1}"}):
        out, _ = run("rotate_personal_data_keys")
        assert "Subject keys re-wrapped under the first key: 1" in out
        entry = AuditEntry.objects.filter(action="personal_data.keys_rotated").latest("pk")
        assert entry.changes["subject_keys_rewrapped"] == 1
    with override_settings(**{**AES, "ENCRYPTION_KEYS": AES_2}):  # the old key is gone
        assert crypto.envelope_key_id(SubjectKey.objects.get().wrapped_key) == "a2"
        assert subjects.reveal(sealed) == "Zhang San"
