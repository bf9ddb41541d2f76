"""Envelope encryption, the key ring and keyed HMACs."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from loanlit.core import crypto

KEY_1 = base64.b64encode(bytes(range(32))).decode()
KEY_2 = base64.b64encode(bytes(range(100, 132))).decode()


def test_an_envelope_names_version_algorithm_and_key_and_round_trips():
    with override_settings(ENCRYPTION_KEYS=f"k1:{KEY_1}"):
        envelope = crypto.encrypt("110105199003070028", context="pd:ric")
        version, algorithm, kid, _nonce, _ciphertext = envelope.split("$")
        assert (version, algorithm, kid) == ("v1", "AES-256-GCM", "k1")
        assert "110105199003070028" not in envelope
        assert crypto.decrypt(envelope, context="pd:ric") == "110105199003070028"
        assert crypto.envelope_key_id(envelope) == "k1"


def test_encrypting_twice_gives_different_envelopes():
    with override_settings(ENCRYPTION_KEYS=f"k1:{KEY_1}"):
        first = crypto.encrypt("13800138000", context="pd:mobile")
        second = crypto.encrypt("13800138000", context="pd:mobile")
    assert first != second


def test_a_ciphertext_from_another_context_does_not_decrypt():
    with override_settings(ENCRYPTION_KEYS=f"k1:{KEY_1}"):
        envelope = crypto.encrypt("6222020200112233445", context="pd:bank_account")
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(envelope, context="pd:mobile")


def test_a_tampered_envelope_is_refused():
    with override_settings(ENCRYPTION_KEYS=f"k1:{KEY_1},k2:{KEY_2}"):
        envelope = crypto.encrypt("secret", context="pd:text")
        parts = envelope.split("$")
        relabelled = "$".join([*parts[:2], "k2", *parts[3:]])
        flipped_char = "A" if parts[4][0] != "A" else "B"
        flipped = "$".join([*parts[:4], flipped_char + parts[4][1:]])
        for bad in (relabelled, flipped, "v2$" + envelope[3:], "garbage", envelope.replace("AES-256-GCM", "SM4-GCM")):
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt(bad, context="pd:text")


def test_rotation_first_key_encrypts_all_keys_decrypt():
    with override_settings(ENCRYPTION_KEYS=f"k1:{KEY_1}"):
        old = crypto.encrypt("old value", context="c")
    with override_settings(ENCRYPTION_KEYS=f"k2:{KEY_2},k1:{KEY_1}"):
        assert crypto.decrypt(old, context="c") == "old value"
        new = crypto.encrypt("new value", context="c")
        assert crypto.envelope_key_id(new) == "k2"
        assert crypto.needs_reencryption(old) is True
        assert crypto.needs_reencryption(new) is False
        moved = crypto.reencrypt(old, context="c")
        assert crypto.envelope_key_id(moved) == "k2"
        assert crypto.reencrypt(new, context="c") == new
    with override_settings(ENCRYPTION_KEYS=f"k2:{KEY_2}"):
        assert crypto.decrypt(moved, context="c") == "old value"
        with pytest.raises(crypto.UnknownKeyError):
            crypto.decrypt(old, context="c")


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "k1",
        f"k1:{KEY_1},k1:{KEY_2}",
        "k1:not-base64!!",
        "k1:" + base64.b64encode(b"short").decode(),
        f"bad$id:{KEY_1}",
    ],
)
def test_malformed_key_settings_fail_fast(spec):
    with override_settings(ENCRYPTION_KEYS=spec), pytest.raises(crypto.KeyConfigError):
        crypto.encrypt("x", context="c")


def test_key_ring_parses_spaces_and_keeps_order():
    ring = crypto.KeyRing.parse(f" k2:{KEY_2} , k1:{KEY_1} ")
    assert ring.primary == "k2"
    assert list(ring.keys) == ["k2", "k1"]
    assert ring.keys["k1"] == bytes(range(32))


def test_hmac_is_keyed_and_separated_by_purpose():
    with override_settings(HMAC_KEY="a" * 40):
        digest = crypto.keyed_hmac("13800138000", purpose="pd:mobile")
        assert digest == crypto.keyed_hmac("13800138000", purpose="pd:mobile")
        assert len(digest) == 64
        assert digest != crypto.keyed_hmac("13800138000", purpose="pd:bank_account")
    with override_settings(HMAC_KEY="b" * 40):
        assert crypto.keyed_hmac("13800138000", purpose="pd:mobile") != digest


def test_a_short_hmac_key_is_refused():
    with override_settings(HMAC_KEY="short"), pytest.raises(crypto.KeyConfigError):
        crypto.keyed_hmac("x", purpose="p")


def test_check_keys_accepts_the_test_settings():
    crypto.check_keys()
