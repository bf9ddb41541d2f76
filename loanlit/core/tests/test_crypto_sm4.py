"""国密 option: SM4-GCM envelopes and HMAC-SM3 search digests, chosen by setting."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.test import override_settings

from loanlit.core import crypto

# GB/T 32907-2016, appendix A example 1.
SM4_VECTOR_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
SM4_VECTOR_CIPHERTEXT = bytes.fromhex("681edf34d206965e86b3e94f536e4246")
# GB/T 32905-2016, appendix A example 1.
SM3_ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
# HMAC-SM3(key="key", "abc"), from OpenSSL 3: `printf abc | openssl dgst -sm3 -hmac key`.
HMAC_SM3_KEY_ABC = "28e63256e7c5a087b1f073265dc53092163f7b82729735d06f28f10af9d52393"

SM4_KEY = base64.b64encode(bytes(range(16))).decode()
AES_KEY = base64.b64encode(bytes(range(32))).decode()
HMAC_KEY = "h" * 40
SM4 = {"ENCRYPTION_CIPHER": "sm4-gcm", "ENCRYPTION_KEYS": f"s1:{SM4_KEY},a1:{AES_KEY}"}


def _sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _rfc2104_hmac_sm3(key: bytes, message: bytes) -> bytes:
    """HMAC by hand (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)), block size 64 bytes."""
    block = 64
    if len(key) > block:
        key = _sm3(key)
    key = key.ljust(block, b"\x00")
    inner = _sm3(bytes(b ^ 0x36 for b in key) + message)
    return _sm3(bytes(b ^ 0x5C for b in key) + inner)


def test_the_sm4_block_cipher_matches_the_gb_t_32907_vector():
    encryptor = Cipher(algorithms.SM4(SM4_VECTOR_KEY), modes.ECB()).encryptor()  # noqa: S305 (known-answer test)
    assert encryptor.update(SM4_VECTOR_KEY) + encryptor.finalize() == SM4_VECTOR_CIPHERTEXT


def test_sm3_matches_the_gb_t_32905_vector():
    assert _sm3(b"abc").hex() == SM3_ABC


def test_the_sm4_gcm_cipher_round_trips_with_the_vector_key_and_authenticates():
    cipher = crypto.ALGORITHMS[crypto.SM4_GCM]
    nonce, sealed = cipher.encrypt(SM4_VECTOR_KEY, b"110105199003078765", b"aad")
    assert (len(nonce), len(sealed)) == (12, 18 + 16)
    assert cipher.decrypt(SM4_VECTOR_KEY, nonce, sealed, b"aad") == b"110105199003078765"
    # GCM is CTR underneath: the body is the plaintext XOR the SM4 keystream from counter block 2.
    stream = Cipher(algorithms.SM4(SM4_VECTOR_KEY), modes.ECB()).encryptor()  # noqa: S305
    counter = nonce + (2).to_bytes(4, "big")
    keystream = stream.update(counter) + stream.finalize()
    assert bytes(a ^ b for a, b in zip(sealed[:16], keystream, strict=True)) == b"110105199003078765"[:16]
    with pytest.raises(crypto.DecryptionError):
        cipher.decrypt(SM4_VECTOR_KEY, nonce, sealed, b"other aad")
    with pytest.raises(crypto.DecryptionError):
        cipher.decrypt(SM4_VECTOR_KEY, nonce, sealed[:10], b"aad")


def test_with_sm4_gcm_set_new_envelopes_name_sm4_and_round_trip():
    with override_settings(**SM4):
        envelope = crypto.encrypt("13812345678", context="pd:mobile")
        version, algorithm, kid, nonce, _ = envelope.split("$")
        assert (version, algorithm, kid) == ("v1", "SM4-GCM", "s1")
        assert len(base64.urlsafe_b64decode(nonce + "==")) == 12
        assert crypto.envelope_algorithm(envelope) == "SM4-GCM"
        assert crypto.decrypt(envelope, context="pd:mobile") == "13812345678"
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(envelope, context="pd:ric")
        assert crypto.envelope_prefix() == "v1$SM4-GCM$s1$"
        assert crypto.envelope_prefix("a1") == "v1$AES-256-GCM$a1$"


def test_decrypt_reads_both_algorithms_whatever_the_setting():
    with override_settings(ENCRYPTION_KEYS=f"a1:{AES_KEY}"):
        aes = crypto.encrypt("old", context="c")
    with override_settings(**SM4):
        sm4 = crypto.encrypt("new", context="c")
        assert crypto.decrypt(aes, context="c") == "old"
        assert crypto.needs_reencryption(aes) is True
        assert crypto.needs_reencryption(sm4) is False
        moved = crypto.reencrypt(aes, context="c")
        assert crypto.envelope_algorithm(moved) == "SM4-GCM"
    with override_settings(ENCRYPTION_CIPHER="aes-256-gcm", ENCRYPTION_KEYS=f"a1:{AES_KEY},s1:{SM4_KEY}"):
        assert crypto.decrypt(sm4, context="c") == "new"
        assert crypto.decrypt(moved, context="c") == "old"
        assert crypto.needs_reencryption(sm4) is True


def test_an_envelope_relabelled_to_the_other_algorithm_does_not_decrypt():
    with override_settings(**SM4):
        envelope = crypto.encrypt("secret", context="c")
        relabelled = envelope.replace("$SM4-GCM$s1$", "$AES-256-GCM$a1$")
        with pytest.raises(crypto.DecryptionError):
            crypto.decrypt(relabelled, context="c")
        # A key id of the other algorithm's length is refused before any cipher runs.
        with pytest.raises(crypto.DecryptionError, match="not a SM4-GCM key"):
            crypto.decrypt(envelope.replace("$s1$", "$a1$"), context="c")


def test_the_first_key_must_fit_the_cipher_and_every_key_must_be_16_or_32_bytes():
    sm4_first_wrong = override_settings(ENCRYPTION_CIPHER="sm4-gcm", ENCRYPTION_KEYS=f"a1:{AES_KEY},s1:{SM4_KEY}")
    with sm4_first_wrong, pytest.raises(crypto.KeyConfigError, match="needs a 16-byte key first"):
        crypto.encrypt("x", context="c")
    aes_first_wrong = override_settings(ENCRYPTION_CIPHER="aes-256-gcm", ENCRYPTION_KEYS=f"s1:{SM4_KEY}")
    with aes_first_wrong, pytest.raises(crypto.KeyConfigError, match="needs a 32-byte key first"):
        crypto.encrypt("x", context="c")
    odd = base64.b64encode(bytes(24)).decode()
    with pytest.raises(crypto.KeyConfigError, match="24 bytes"):
        crypto.KeyRing.parse(f"s1:{SM4_KEY},k24:{odd}", algorithm=crypto.SM4_GCM)
    with override_settings(ENCRYPTION_CIPHER="des"), pytest.raises(crypto.KeyConfigError, match="LOANLIT_CIPHER"):
        crypto.encrypt("x", context="c")


def test_validate_key_settings_names_the_variable():
    good = {"encryption_keys": f"s1:{SM4_KEY}", "cipher": "sm4-gcm", "hmac_key": HMAC_KEY, "hmac_algorithm": ""}
    crypto.validate_key_settings(**good)
    cases = [
        ({"encryption_keys": f"a1:{AES_KEY}"}, "LOANLIT_ENCRYPTION_KEY"),
        ({"cipher": "sm4"}, "LOANLIT_CIPHER"),
        ({"hmac_algorithm": "md5"}, "LOANLIT_HMAC_ALGORITHM"),
        ({"hmac_key": "short"}, "LOANLIT_HMAC_KEY"),
    ]
    for change, variable in cases:
        with pytest.raises(crypto.KeyConfigError, match=variable):
            crypto.validate_key_settings(**{**good, **change})


def test_a_wrong_sm4_key_length_stops_start_up_naming_the_variable():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {
        "PATH": "/usr/bin:/bin",
        "LOANLIT_SECRET_KEY": "x" * 50,
        "LOANLIT_HMAC_KEY": HMAC_KEY,
        "LOANLIT_CIPHER": "sm4-gcm",
        "LOANLIT_ENCRYPTION_KEY": f"a1:{AES_KEY}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "LOANLIT_ENCRYPTION_KEY: the first key 'a1' encrypts and is 32 bytes" in result.stderr
    assert "Configuration error" in result.stderr  # config/settings.py's ConfigError, before any request


def test_hmac_sm3_matches_an_rfc_2104_construction_over_sm3():
    message = b"pd:ric" + b"\x00" + b"110105199003078765"
    expected = _rfc2104_hmac_sm3(HMAC_KEY.encode(), message).hex()
    with override_settings(HMAC_KEY=HMAC_KEY, HMAC_ALGORITHM="sm3"):
        assert crypto.current_hmac_algorithm() == "sm3"
        assert crypto.keyed_hmac("110105199003078765", purpose="pd:ric") == expected
    # Both code paths (OpenSSL's hashlib and the cryptography package) agree.
    assert crypto._hmac_sm3(HMAC_KEY.encode(), message).hex() == expected
    long_key = b"k" * 100
    assert crypto._hmac_sm3(long_key, b"abc").hex() == _rfc2104_hmac_sm3(long_key, b"abc").hex()


def test_hmac_sm3_known_answer():
    digest = _rfc2104_hmac_sm3(b"key", b"abc").hex()
    assert digest == crypto._hmac_sm3(b"key", b"abc").hex()
    assert digest == HMAC_SM3_KEY_ABC


def test_the_hmac_algorithm_follows_the_cipher_unless_set():
    message = b"pd:mobile" + b"\x00" + b"13812345678"
    import hmac as std_hmac

    sha = std_hmac.new(HMAC_KEY.encode(), message, hashlib.sha256).hexdigest()
    sm3 = _rfc2104_hmac_sm3(HMAC_KEY.encode(), message).hex()
    with override_settings(HMAC_KEY=HMAC_KEY):
        assert crypto.current_hmac_algorithm() == "sha256"
        assert crypto.keyed_hmac("13812345678", purpose="pd:mobile") == sha
    with override_settings(HMAC_KEY=HMAC_KEY, **SM4):
        assert crypto.current_hmac_algorithm() == "sm3"
        assert crypto.keyed_hmac("13812345678", purpose="pd:mobile") == sm3
    with override_settings(HMAC_KEY=HMAC_KEY, HMAC_ALGORITHM="sha256", **SM4):
        assert crypto.keyed_hmac("13812345678", purpose="pd:mobile") == sha
    with override_settings(HMAC_KEY=HMAC_KEY, HMAC_ALGORITHM="sm3"):
        assert crypto.keyed_hmac("13812345678", purpose="pd:mobile") == sm3


def test_explicit_key_envelopes_use_the_same_format():
    key = crypto.generate_key(crypto.SM4_GCM)
    assert len(key) == 16
    envelope = crypto.encrypt_with_key("x", context="c", key=key, key_id="subj-7")
    assert envelope.startswith("v1$SM4-GCM$subj-7$")
    assert crypto.decrypt_with_key(envelope, context="c", key=key) == "x"
    with pytest.raises(crypto.UnknownKeyError):
        crypto.decrypt(envelope, context="c")  # not a key of the ring
    with pytest.raises(crypto.CryptoError):
        crypto.encrypt_with_key("x", context="c", key=b"short", key_id="k")
    with override_settings(**SM4):
        assert len(crypto.generate_key()) == 16
    assert len(crypto.generate_key(crypto.AES_256_GCM)) == 32
