"""Personal-data crypto per value: AES-256-GCM next to SM4-GCM, HMAC-SHA256 next to HMAC-SM3 (issue 10).

Floors: for the AES and SHA-256 lines, the bare library call (``AESGCM.encrypt/decrypt``, one-shot
``hmac.digest``); for the SM4 and SM3 lines, the product's AES / SHA-256 path, so the ratio printed is
what the 国密 setting costs against the default.
"""

from __future__ import annotations

import base64
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import override_settings

from bench.common import Figure, timed
from loanlit.core import crypto

FULL = 100_000
SMOKE = 200
AES_KEY = bytes(range(32))
SM4_KEY = bytes(range(16))
HMAC_KEY = "bench-hmac-key-for-personal-data-0123456789"
VALUES = [f"1101051990{i:08d}" for i in range(1000)]


def _round_trips(count: int) -> None:
    for i in range(count):
        value = VALUES[i % len(VALUES)]
        crypto.decrypt(crypto.encrypt(value, context="pd:ric"), context="pd:ric")


def _raw_aes(count: int) -> None:
    aead = AESGCM(AES_KEY)
    aad = b"v1$AES-256-GCM$a1$pd:ric"
    for i in range(count):
        nonce = os.urandom(12)
        aead.decrypt(nonce, aead.encrypt(nonce, VALUES[i % len(VALUES)].encode(), aad), aad)


def _hmacs(count: int) -> None:
    for i in range(count):
        crypto.keyed_hmac(VALUES[i % len(VALUES)], purpose="pd:ric")


def _raw_hmac(count: int) -> None:
    key = HMAC_KEY.encode()
    for i in range(count):
        hmac.digest(key, b"pd:ric\x00" + VALUES[i % len(VALUES)].encode(), "sha256")


def run(smoke: bool) -> list[Figure]:
    count = SMOKE if smoke else FULL
    aes = {"ENCRYPTION_CIPHER": "aes-256-gcm", "ENCRYPTION_KEYS": "a1:" + base64.b64encode(AES_KEY).decode()}
    sm4 = {
        "ENCRYPTION_CIPHER": "sm4-gcm",
        "ENCRYPTION_KEYS": "s1:" + base64.b64encode(SM4_KEY).decode(),
    }
    with override_settings(HMAC_KEY=HMAC_KEY, HMAC_ALGORITHM="", **aes):
        aes_seconds = timed(lambda: _round_trips(count))
        sha_seconds = timed(lambda: _hmacs(count))
    with override_settings(HMAC_KEY=HMAC_KEY, HMAC_ALGORITHM="", **sm4):
        sm4_seconds = timed(lambda: _round_trips(count))
        sm3_seconds = timed(lambda: _hmacs(count))
    return [
        Figure("AES-256-GCM encrypt+decrypt", count, aes_seconds, "raw AESGCM calls", timed(lambda: _raw_aes(count))),
        Figure("SM4-GCM encrypt+decrypt", count, sm4_seconds, "AES-256-GCM path", aes_seconds),
        Figure("HMAC-SHA256 keyed_hmac", count, sha_seconds, "raw hmac.digest", timed(lambda: _raw_hmac(count))),
        Figure("HMAC-SM3 keyed_hmac", count, sm3_seconds, "HMAC-SHA256 path", sha_seconds),
    ]
