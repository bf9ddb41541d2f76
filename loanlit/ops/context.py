"""The request id: taken from a sane incoming ``X-Request-ID`` or made fresh (uuid4 hex)."""

from __future__ import annotations

import re
import uuid

REQUEST_ID_HEADER = "X-Request-ID"
# Short and plain, so a client cannot inject log lines, markup or huge values through the header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_from(incoming: str | None) -> str:
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex
