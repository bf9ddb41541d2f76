"""Webhook signatures: ``X-Loanlit-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}.{body}")>``.

The timestamp is in the signed text, so a captured request cannot be re-sent later with a fresh timestamp;
receivers refuse timestamps outside a replay window (5 minutes recommended, see docs/webhooks.md) and drop
event ids they have already processed (a replay from the delivery log keeps the event id on purpose).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Final

SIGNATURE_PREFIX: Final = "sha256="
EVENT_HEADER: Final = "X-Loanlit-Event"
DELIVERY_HEADER: Final = "X-Loanlit-Delivery"
TIMESTAMP_HEADER: Final = "X-Loanlit-Timestamp"
SIGNATURE_HEADER: Final = "X-Loanlit-Signature"
USER_AGENT: Final = "Loanlit-Webhooks/1"
REPLAY_WINDOW_SECONDS: Final = 300


def encode_body(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON, keys in a stable order."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 keyed with the secret over ``b"{timestamp}." + body``."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def headers(*, secret: str, event: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    *, secret: str, body: bytes, timestamp: str, signature_header: str, now: float, window: int = REPLAY_WINDOW_SECONDS
) -> bool:
    """What a receiver does (the snippet in docs/webhooks.md): constant-time compare within the window."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent_at) > window:
        return False
    return hmac.compare_digest(signature(secret, sent_at, body), signature_header or "")
