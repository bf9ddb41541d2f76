"""Which tables a backup holds, in which order, and their values in a vendor-neutral form.

Values are the raw column values, normalised by the column's internal type so that an archive taken
on SQLite loads into PostgreSQL and back: integers and strings as they are, dates and times in ISO
8601 (datetimes in UTC with an offset), decimals as strings, booleans as JSON booleans, JSON columns
as JSON, UUIDs as 32 hex digits and bytes as ``{"$b64": "…"}``. Model code (``from_db_value``,
signals, ``save``) never runs: money stays integer minor units, personal data stays ciphertext.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from django.apps import apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.dateparse import parse_date, parse_datetime, parse_time

# Operational state that a restored installation must not inherit: sign-in sessions (users sign in
# again) and the record of backups taken on the old machine (paths there mean nothing here).
SKIPPED_TABLES: Final = frozenset({"django_session", "backups_backuprun"})

# Stored file names held in plain character columns (FileFields are found on their own).
# ``builtin:…`` names are shipped with the code, not files.
FILE_REFERENCES: Final = (("documents.DocumentVersion", "storage_name"), ("docgen.DocTemplateVersion", "storage_name"))
BUILTIN_PREFIX: Final = "builtin:"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # the field's internal type


@dataclass(frozen=True)
class Table:
    name: str
    label: str  # "app_label.ModelName" (or the through table's auto model)
    model: type[models.Model]
    pk: str
    columns: tuple[Column, ...]
    file_columns: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def backed_up_tables(connection: BaseDatabaseWrapper) -> list[Table]:
    """Every managed, concrete table of every installed app that exists, parents before children (FK order)."""
    found: dict[str, Table] = {}
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped or meta.db_table in SKIPPED_TABLES:
            continue
        if meta.db_table not in existing:  # a model whose migration is not applied here
            continue
        if meta.db_table in found:
            continue
        columns: list[Column] = []
        file_columns: list[str] = []
        for field in meta.local_concrete_fields:
            if not field.column or field.db_type(connection) is None:
                continue
            columns.append(Column(name=field.column, kind=_kind(field, connection)))
            if isinstance(field, models.FileField):
                file_columns.append(field.column)
        for label, attname in FILE_REFERENCES:
            if meta.label == label:
                file_columns.append(str(getattr(meta.get_field(attname), "column", attname)))
        pk = meta.pk
        assert pk is not None
        found[meta.db_table] = Table(
            name=meta.db_table,
            label=meta.label,
            model=model,
            pk=pk.column,
            columns=tuple(columns),
            file_columns=tuple(file_columns),
        )
    return _dependency_order(found)


def _kind(field: models.Field, connection: BaseDatabaseWrapper) -> str:
    if isinstance(field, models.ForeignKey):
        target = field.target_field
        return _kind(target, connection) if isinstance(target, models.Field) else "IntegerField"
    return field.get_internal_type()


def _dependency_order(tables: dict[str, Table]) -> list[Table]:
    by_model = {t.model: t.name for t in tables.values()}
    needs: dict[str, set[str]] = {}
    for table in tables.values():
        deps = set()
        for field in table.model._meta.local_concrete_fields:
            remote = getattr(field, "remote_field", None)
            if remote is not None and isinstance(field, models.ForeignKey):
                target = by_model.get(remote.model)
                if target and target != table.name:
                    deps.add(target)
        needs[table.name] = deps
    ordered: list[Table] = []
    done: set[str] = set()
    pending = sorted(tables)
    while pending:
        ready = [name for name in pending if needs[name] <= done]
        if not ready:  # a cycle (two tables pointing at each other): constraints are deferred anyway
            ready = [pending[0]]
        for name in ready:
            ordered.append(tables[name])
            done.add(name)
        pending = [name for name in pending if name not in done]
    return ordered


# --- export: raw column value -> portable JSON value --------------------------------------------------


def _b64(value: Any) -> Any:
    return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}


def _datetime_out(value: Any) -> Any:
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite and MySQL hold naive UTC under USE_TZ
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    return value


def _date_out(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else value


def _time_out(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.time) else value


def _decimal_out(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal | float | int) else value


def _bool_out(value: Any) -> Any:
    return bool(value) if isinstance(value, int) else value


def _json_out(value: Any) -> Any:
    if isinstance(value, str | bytes | bytearray):
        return {"$json": json.loads(value)}
    return {"$json": value}


def _uuid_out(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, str):
        return uuid.UUID(value).hex
    return value


def _duration_out(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    return value


def _plain_out(value: Any) -> Any:
    if isinstance(value, memoryview | bytes | bytearray):
        return _b64(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, dt.datetime):
        return _datetime_out(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


_OUT: Final[dict[str, Callable[[Any], Any]]] = {
    "DateTimeField": _datetime_out,
    "DateField": _date_out,
    "TimeField": _time_out,
    "DecimalField": _decimal_out,
    "BooleanField": _bool_out,
    "NullBooleanField": _bool_out,
    "JSONField": _json_out,
    "UUIDField": _uuid_out,
    "DurationField": _duration_out,
    "BinaryField": lambda v: _b64(v) if isinstance(v, memoryview | bytes | bytearray) else v,
}


def exporter(columns: Iterable[Column]) -> Callable[[tuple[Any, ...]], list[Any]]:
    converters = [_OUT.get(c.kind, _plain_out) for c in columns]

    def convert(row: tuple[Any, ...]) -> list[Any]:
        return [None if value is None else conv(value) for conv, value in zip(converters, row, strict=True)]

    return convert


# --- import: portable JSON value -> parameter for this connection ---------------------------------------


def importer(columns: Iterable[Column], connection: BaseDatabaseWrapper) -> Callable[[list[Any]], list[Any]]:
    ops = connection.ops
    native_uuid = connection.features.has_native_uuid_field
    native_duration = connection.features.has_native_duration_field

    def datetime_in(value: Any) -> Any:
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"not a datetime: {value!r}")
        return ops.adapt_datetimefield_value(parsed)

    def date_in(value: Any) -> Any:
        parsed = parse_date(value)
        if parsed is None:
            raise ValueError(f"not a date: {value!r}")
        return ops.adapt_datefield_value(parsed)

    def time_in(value: Any) -> Any:
        parsed = parse_time(value)
        if parsed is None:
            raise ValueError(f"not a time: {value!r}")
        return ops.adapt_timefield_value(parsed)

    def decimal_in(value: Any) -> Any:
        return ops.adapt_decimalfield_value(Decimal(value))

    def json_in(value: Any) -> Any:
        if not isinstance(value, dict) or "$json" not in value:
            raise ValueError("not a JSON value")
        return ops.adapt_json_value(value["$json"], None)

    def uuid_in(value: Any) -> Any:
        parsed = uuid.UUID(value)
        return parsed if native_uuid else parsed.hex

    def duration_in(value: Any) -> Any:
        return dt.timedelta(microseconds=int(value)) if native_duration else int(value)

    def bool_in(value: Any) -> Any:
        return bool(value)

    def plain_in(value: Any) -> Any:
        if isinstance(value, dict) and "$b64" in value:
            return base64.b64decode(value["$b64"])
        return value

    table: dict[str, Callable[[Any], Any]] = {
        "DateTimeField": datetime_in,
        "DateField": date_in,
        "TimeField": time_in,
        "DecimalField": decimal_in,
        "JSONField": json_in,
        "UUIDField": uuid_in,
        "DurationField": duration_in,
        "BooleanField": bool_in,
        "NullBooleanField": bool_in,
    }
    converters = [table.get(c.kind, plain_in) for c in columns]

    def convert(row: list[Any]) -> list[Any]:
        return [None if value is None else conv(value) for conv, value in zip(converters, row, strict=True)]

    return convert
