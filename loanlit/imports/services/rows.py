"""``ParsedRow`` ↔ ``ImportRow``: the converted values, diff and conflicts go into one encrypted JSON
payload (context ``imports.row``); status, key, errors and conflicting field keys stay in clear."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from loanlit.core import crypto
from loanlit.imports.errors import RowError
from loanlit.imports.kinds.base import ParsedRow, RowStatus, decode_value, encode_value
from loanlit.imports.models import ImportBatch, ImportRow

ROW_CONTEXT = "imports.row"


def jsonable(value: Any) -> Any:
    """Error parameters as plain JSON (a Decimal or a date becomes its text)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Decimal | date | datetime | time):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    return str(value)


def error_json(error: RowError) -> dict[str, Any]:
    return {"message": error.message, "params": jsonable(error.params), "field": error.field}


def _encode(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return encode_value(value)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return decode_value(value)


def encode_payload(row: ParsedRow) -> str:
    data = {
        "values": {key: _encode(value) for key, value in row.values.items()},
        "diff": row.diff,
        "conflicts": row.conflicts,
    }
    return crypto.encrypt(json.dumps(data, ensure_ascii=False, separators=(",", ":")), context=ROW_CONTEXT)


def decode_payload(payload: str) -> dict[str, Any]:
    if not payload:
        return {"values": {}, "diff": {}, "conflicts": {}}
    data = json.loads(crypto.decrypt(payload, context=ROW_CONTEXT))
    data["values"] = {key: _decode(value) for key, value in (data.get("values") or {}).items()}
    data.setdefault("diff", {})
    data.setdefault("conflicts", {})
    return data


def to_model(batch: ImportBatch, row: ParsedRow) -> ImportRow:
    return ImportRow(
        batch=batch,
        number=row.number,
        status=str(row.status),
        key=row.key,
        payload=encode_payload(row),
        errors=[error_json(error) for error in row.errors],
        conflict_fields=sorted(row.conflicts),
        target_id=row.target_id,
        result=jsonable(row.result),
    )


def from_model(model: ImportRow) -> ParsedRow:
    data = decode_payload(model.payload)
    return ParsedRow(
        number=model.number,
        values=data["values"],
        errors=[RowError.from_json(item) for item in model.errors or []],
        key=model.key,
        status=RowStatus(model.status),
        target_id=model.target_id,
        diff=data["diff"],
        conflicts=data["conflicts"],
        result=dict(model.result or {}),
    )
