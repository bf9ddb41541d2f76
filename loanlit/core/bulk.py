"""Generic bulk writes: ``bulk_insert`` (fast multi-row INSERT … RETURNING) and ``builder`` (fast unsaved
instances). Used by the batch-shaped services of parties, loans and cases; knows no domain model."""

from __future__ import annotations

import inspect
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from django.db import connection, connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

BULK_CHUNK: Final = 1000


def bulk_insert(model: type[Model], objects: list[Any]) -> list[Any]:
    """INSERT new instances and set their ids, like ``bulk_create``; where the backend cannot return
    ids (MySQL) one INSERT per row.

    Batch services insert hundreds of thousands of rows in an import. ``bulk_create`` spends most
    of that time preparing each value through the SQL compiler and, on SQLite, sends 999-parameter
    statements; this writes the same column values (each field's ``pre_save`` and
    ``get_db_prep_save``, skipped only where they are the identity or a plain conversion: Django's
    simple fields given a value of their own type, dates, aware datetimes, Decimals in MoneyField
    and RateField) in multi-row ``INSERT … RETURNING`` statements of up to ``BULK_CHUNK`` rows.
    Anything unusual (a row with its pk set, an expression as a value, database defaults, a
    multi-table model) goes through ``bulk_create``.
    """
    if not objects:
        return objects
    if not connection.features.can_return_rows_from_bulk_insert:
        for obj in objects:
            obj.save(force_insert=True)  # write-ok: infrastructure, called by services only
        return objects
    plan = _insert_plan(model)
    if plan is None or any(obj.pk is not None for obj in objects):
        model._default_manager.bulk_create(objects, batch_size=BULK_CHUNK)
        return objects
    fields, spec, relations, sql_head, row_sql, sql_tail, unnest_sql = plan
    conn = connections[connection.alias]  # the thread's connection itself: the proxy costs per access
    ops = conn.ops
    per_statement = max(1, min(BULK_CHUNK, INSERT_PARAMETERS // max(1, len(fields))))
    with conn.cursor() as cursor:
        for start in range(0, len(objects), per_statement):
            chunk = objects[start : start + per_statement]
            params: list[Any] = []
            append = params.append
            for obj in chunk:
                for field, attname in relations:
                    # What bulk_create's _prepare_related_fields_for_save does: a related object
                    # assigned before it was saved gives its id now (and an unsaved one is refused).
                    if getattr(obj, attname) is None and field.is_cached(obj):
                        related = field.get_cached_value(obj)
                        if related is not None:
                            if related.pk is None:
                                raise ValueError(
                                    f"bulk_insert() prohibited to prevent data loss due to unsaved related "
                                    f"object '{field.name}'."
                                )
                            setattr(obj, attname, related.pk)
                values = obj.__dict__
                for mode, f, attname, exact in spec:
                    value = f.pre_save(obj, True) if mode & _PRE_SAVE else values[attname]
                    mode &= ~_PRE_SAVE
                    if mode == _IDENTITY:
                        if value is not None and type(value) is not exact:
                            value = f.get_db_prep_save(value, conn)
                    elif mode == _UNITS:
                        value = f.to_units(value) if type(value) is Decimal else f.get_db_prep_save(value, conn)
                    elif mode == _DATE:
                        value = (
                            ops.adapt_datefield_value(value) if type(value) is date else f.get_db_prep_save(value, conn)
                        )
                    elif mode == _DATETIME and type(value) is datetime and value.tzinfo is not None:
                        value = ops.adapt_datetimefield_value(value)  # get_prep_value only checks awareness
                    else:
                        value = f.get_db_prep_save(value, conn)
                    append(value)
            if any(hasattr(value, "resolve_expression") for value in params if not isinstance(value, _PLAIN_TYPES)):
                model._default_manager.bulk_create(chunk, batch_size=BULK_CHUNK)
                continue
            if unnest_sql:
                # PostgreSQL: one array per column, as bulk_create does; a statement with thousands of
                # placeholders is parsed again by the driver on every execution.
                width = len(fields)
                cursor.execute(unnest_sql, [params[i::width] for i in range(width)])
            else:
                cursor.execute(sql_head + ", ".join([row_sql] * len(chunk)) + sql_tail, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = conn.alias
    return objects


# PostgreSQL allows 65,535 parameters per statement, SQLite (3.32+) 32,766.
INSERT_PARAMETERS: Final = 30_000
_PLAIN_TYPES: Final = (str, int, float, bool, type(None), date, bytes)
# Django's own fields whose get_db_prep_save is the identity for a value of these exact types.
_IDENTITY_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "CharField": (str,),
    "TextField": (str,),
    "SlugField": (str,),
    "EmailField": (str,),
    "IntegerField": (int,),
    "BigIntegerField": (int,),
    "SmallIntegerField": (int,),
    "PositiveIntegerField": (int,),
    "PositiveBigIntegerField": (int,),
    "PositiveSmallIntegerField": (int,),
    "BooleanField": (bool,),
    "AutoField": (int,),
    "BigAutoField": (int,),
    "SmallAutoField": (int,),
}
_insert_plans: dict[tuple[str, str], Any] = {}


class Builder:
    """Builds unsaved instances of one model fast: ``Builder(Party).new(name=…, creditor_id=…)``.

    The same instance ``Model(**kwargs)`` gives, through the positional path of ``Model.__init__``
    (the one ``from_db`` uses): every column by its attname, defaults filled in (callable defaults
    such as ``timezone.now`` or ``dict`` called per instance). Keyword construction looks up and
    defaults every field per call, which dominated building a hundred thousand rows. Foreign keys
    are given by id (``party_id=``); ``related={"party": obj}`` caches a related object instead, so an
    object inserted later gives its id at ``bulk_insert`` time.
    """

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.template: list[Any] = []
        self.callables: list[tuple[int, Any]] = []
        for i, f in enumerate(fields):
            if f.has_default() and callable(f.default):
                self.template.append(None)
                self.callables.append((i, f.default))
            else:
                self.template.append(f.get_default())
        # Defaults as the descriptors normalise them (a MoneyField's default 0 becomes Decimal("0.00")
        # once here, not through the slow path on every instance).
        called = dict(self.callables)
        sample = model(*[called[i]() if i in called else value for i, value in enumerate(self.template)])
        for i, f in enumerate(fields):
            if i not in called and f.attname in sample.__dict__:
                self.template[i] = sample.__dict__[f.attname]
        self.fields: dict[str, Any] = {f.name: f for f in fields if f.is_relation}
        # Columns whose class attribute only reads (Django's DeferredAttribute) or, on a new instance,
        # only stores (ForeignKeyDeferredAttribute: nothing is cached yet): what Model.__init__'s
        # setattr does for them is writing the instance dict. Any other descriptor gets setattr.
        from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
        from django.db.models.query_utils import DeferredAttribute

        self.attnames = [f.attname for f in fields]
        self.setters = [
            (i, f.attname)
            for i, f in enumerate(fields)
            if type(inspect.getattr_static(model, f.attname, None))
            not in (DeferredAttribute, ForeignKeyDeferredAttribute)
        ]

    def new(self, related: dict[str, Model | None] | None = None, **values: Any) -> Any:
        args = self.template.copy()
        for i, default in self.callables:
            args[i] = default()
        index = self.index
        for name, value in values.items():
            args[index[name]] = value
        if not (pre_init.receivers or post_init.receivers):
            # Model.__init__'s positional path without its per-field setattr and two signal sends
            # (nobody listens): a hundred thousand loans build in a fraction of the time.
            obj = self.model.__new__(self.model)
            obj._state = ModelState()
            obj.__dict__.update(zip(self.attnames, args, strict=True))
            for i, attname in self.setters:
                setattr(obj, attname, args[i])  # e.g. a MoneyField's descriptor normalises the Decimal
        else:
            obj = self.model(*args)
        if related:
            for name, other in related.items():
                field = self.fields[name]
                if other is not None and other.pk is not None:
                    setattr(obj, field.attname, other.pk)  # before caching: a changed id clears the cache
                field.set_cached_value(obj, other)
        return obj


_builders: dict[type[Model], Builder] = {}


def builder(model: type[Model]) -> Builder:
    """The ``Builder`` of ``model`` (built once per process)."""
    found = _builders.get(model)
    if found is None:
        found = _builders[model] = Builder(model)
    return found


def _insert_plan(model: type[Model]) -> Any:
    key = (connection.alias, model._meta.label)
    if key not in _insert_plans:
        _insert_plans[key] = _build_insert_plan(model)
    return _insert_plans[key]


def _build_insert_plan(model: type[Model]) -> Any:
    from django.db.models import AutoField, DateField, DateTimeField, ForeignKey
    from django.db.models import Field as DjangoField
    from django.db.models.fields import NOT_PROVIDED

    meta = model._meta
    if any(parent._meta.concrete_model is not meta.concrete_model for parent in meta.all_parents):
        return None
    fields = [f for f in meta.concrete_fields if not f.generated]
    if any(getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED for f in fields):
        return None
    if list(meta.db_returning_fields) != [meta.pk] or not isinstance(meta.pk, AutoField):
        return None
    fields = [f for f in fields if not isinstance(f, AutoField)]
    spec = [_field_spec(f, DjangoField, DateField, DateTimeField, ForeignKey) for f in fields]
    relations = [(f, f.attname) for f in fields if f.is_relation and f.many_to_one]
    qn = connection.ops.quote_name
    # Names from the model's meta, quoted; every value is a parameter.
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "  # noqa: S608
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning = f" RETURNING {qn(meta.pk.column)}"
    unnest = None
    plain: list[Any] = [getattr(f, "target_field", f) if f.is_relation else f for f in fields]
    if connection.vendor == "postgresql" and all(
        not hasattr(f, "get_placeholder") and f.get_internal_type() in connection.data_types for f in plain
    ):
        # Type names without their parameters (varchar[], not varchar(50)[]), as Django's UNNEST insert.
        arrays = ", ".join(f"(%s)::{str(f.db_type(connection)).split('(')[0]}[]" for f in fields)
        columns = ", ".join(qn(f.column) for f in fields)
        unnest = f"INSERT INTO {qn(meta.db_table)} ({columns}) SELECT * FROM UNNEST({arrays}){returning}"  # noqa: S608
    return fields, spec, relations, head, row, returning, unnest


_PRE_SAVE: Final = 1  # flag: the field's pre_save does more than read the attribute
_GENERIC: Final = 0
_IDENTITY: Final = 2
_UNITS: Final = 4
_DATE: Final = 6
_DATETIME: Final = 8


def _field_spec(f: Any, base: Any, date_field: Any, datetime_field: Any, fk: Any) -> tuple[int, Any, str, type]:
    """How ``bulk_insert`` gets the column value of ``f``: (mode, field, attname, exact type).

    The result is always ``f.get_db_prep_save(f.pre_save(obj, add=True))``; a mode only says when a
    shorter path gives the same value (see ``bulk_insert``)."""
    cls = type(f)
    plain_pre_save = cls.pre_save is base.pre_save or (
        cls.pre_save in (date_field.pre_save, datetime_field.pre_save) and not (f.auto_now or f.auto_now_add)
    )
    stock = cls.__module__.startswith("django.db.models.fields")
    target = f.target_field if isinstance(f, fk) else f
    identity: tuple[type, ...] = ()
    if stock and type(target).__module__.startswith("django.db.models.fields"):
        identity = _IDENTITY_TYPES.get(type(target).__name__, ())
    mode: int = _GENERIC
    exact: type = object
    if identity:
        mode, exact = _IDENTITY, identity[0]
    elif stock and cls is datetime_field:
        mode = _DATETIME
    elif hasattr(f, "to_units") and (
        cls.get_db_prep_save is base.get_db_prep_save and cls.get_db_prep_value is base.get_db_prep_value
    ):
        mode = _UNITS  # MoneyField / RateField: get_prep_value is to_units for a Decimal
    elif stock and cls is date_field:
        mode = _DATE
    return (mode if plain_pre_save else mode | _PRE_SAVE), f, f.attname, exact
