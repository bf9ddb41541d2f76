"""Per-subject data keys (issue 10): seal, reveal, shred, re-wrap after a master-key rotation."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from loanlit.core import crypto, subjects
from loanlit.core.models import SubjectKey

pytestmark = pytest.mark.django_db

ALICE = ("tests.person", "1")
BOB = ("tests.person", "2")


def test_a_sealed_value_is_json_safe_and_reveals_until_its_subject_is_shredded():
    sealed = subjects.seal(ALICE, "张三")
    assert set(sealed) == {"subject", "ct"} and isinstance(sealed["subject"], int)
    assert "张三" not in sealed["ct"] and crypto.envelope_key_id(sealed["ct"]) == f"s{sealed['subject']}"
    assert crypto.envelope_algorithm(sealed["ct"]) == crypto.current_cipher()
    assert subjects.reveal(sealed) == "张三"
    assert subjects.shred(ALICE) == 1
    assert subjects.reveal(sealed) is None
    assert subjects.shred(ALICE) == 0


def test_one_key_per_subject_and_shredding_one_leaves_the_others():
    sealer = subjects.Sealer()
    sealer.prime([ALICE, BOB, ALICE])
    a, b = sealer.seal(ALICE, "a", masked=True), sealer.seal(BOB, "b")
    assert SubjectKey.objects.count() == 2 and a["m"] == 1 and "m" not in b
    subjects.shred(ALICE)
    assert (subjects.reveal(a), subjects.reveal(b)) == (None, "b")


def test_empty_values_are_not_sealed_and_malformed_values_do_not_reveal():
    assert subjects.seal(ALICE, None) is None and subjects.seal(ALICE, "") == ""
    assert SubjectKey.objects.count() == 0
    for bad in ({"subject": "1", "ct": "x"}, {"subject": 1, "ct": "x"}, {"ct": "x"}, "text", None):
        assert subjects.reveal(bad) is None


def test_display_by_permission():
    sealer = subjects.Sealer()
    name, mask = sealer.seal(ALICE, "张三丰"), sealer.seal(ALICE, "138****8000", masked=True)
    show = {"sealer": sealer, "anonymised": "[x]"}
    assert subjects.display(name, may_unmask=True, **show) == "张三丰"
    assert subjects.display(name, may_unmask=False, **show) == "张**"
    assert subjects.display(mask, may_unmask=False, **show) == "138****8000"
    subjects.shred(ALICE)
    assert subjects.display(name, sealer=subjects.Sealer(), may_unmask=True, anonymised="[x]") == "[x]"


def test_subject_keys_are_rewrapped_under_the_new_master_key():
    length = crypto.ALGORITHMS[crypto.current_cipher()].key_length  # AES-256-GCM or SM4-GCM master keys
    key_1, key_2 = (base64.b64encode(digit * length).decode() for digit in (b"1", b"2"))
    with override_settings(ENCRYPTION_KEYS=f"k1:{key_1}"):
        sealed = subjects.seal(ALICE, "secret")
        assert crypto.envelope_key_id(SubjectKey.objects.get().wrapped_key) == "k1"
    with override_settings(ENCRYPTION_KEYS=f"k2:{key_2},k1:{key_1}"):
        assert subjects.rewrap_all() == 1
        assert subjects.rewrap_all() == 0
    with override_settings(ENCRYPTION_KEYS=f"k2:{key_2}"):
        assert crypto.envelope_key_id(SubjectKey.objects.get().wrapped_key) == "k2"
        assert subjects.reveal(sealed) == "secret"
