"""Helpers for the ``changes`` of an audit entry: old → new, personal data only as HMAC + masked value.

Shape (what callers pass to ``record(changes=…)``)::

    {"name": {"old": "Beijing", "new": "Beijing branch"},
     "id_number": {"old": None, "new": {"hmac": "3f…", "masked": "110***********1234"}}}

Never put a plaintext ID number, mobile or bank account into ``changes``: the audit is append-only,
so it could never be erased. Pass the ``PersonalValue`` a ``PersonalDataField`` gives you (it is
recorded as its ``as_audit()``: the field's own HMAC, so it matches the searchable column, and its
mask), or ``personal_value(hmac=…, masked=…)``. ``personal_value_from_plain`` derives an audit-only
HMAC and a mask from the plaintext when that is all the caller has.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from loanlit.core.crypto import keyed_hmac

# Domain separation: an audit-only HMAC is never comparable with a search column's HMAC.
_AUDIT_HMAC_PURPOSE = "audit:personal"


def mask(value: str, *, keep_start: int = 0, keep_end: int = 4) -> str:
    """``"110101199001011234"`` → ``"**************1234"``; short values are masked entirely."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + (value[-keep_end:] if keep_end else "")


def personal_value(*, hmac: str, masked: str) -> dict[str, str]:
    return {"hmac": hmac, "masked": masked}


def personal_value_from_plain(value: str | None, *, masked: str | None = None) -> dict[str, str] | None:
    if value is None:
        return None
    return personal_value(
        hmac=keyed_hmac(value, purpose=_AUDIT_HMAC_PURPOSE), masked=mask(value) if masked is None else masked
    )


def diff(
    old: Mapping[str, Any], new: Mapping[str, Any], *, personal: Collection[str] = ()
) -> dict[str, dict[str, Any]]:
    """The fields whose value differs, as ``{field: {"old": …, "new": …}}``; a missing side is ``None``.

    Fields named in ``personal`` are plaintext personal data and are replaced by HMAC + mask.
    ``diff({}, values)`` describes a creation.
    """
    result: dict[str, dict[str, Any]] = {}
    for field in sorted(set(old) | set(new)):
        before, after = old.get(field), new.get(field)
        if before == after:
            continue
        if field in personal:
            before, after = personal_value_from_plain(before), personal_value_from_plain(after)
        result[field] = {"old": before, "new": after}
    return result
