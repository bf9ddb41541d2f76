"""Reads of the import pipeline:

import_batches_for_user(user) -> QuerySet[ImportBatch]          (own batches; all of the user's
                                                                  creditors for jobs.view_all)
import_batch_get_for_user(user, pk) -> ImportBatch               (BatchNotFound — a DoesNotExist and an
                                                                  Http404 — outside scope)
import_preview(batch, *, sample=20, user=None) -> Preview         (counts per status, sample rows,
                                                                  duplicates, conflicts, columns)
import_error_report(batch, *, user=None, request=None) -> bytes  (xlsx: the original rows + an error
                                                                  column; access-logged for ``user``)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from loanlit import audit
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.core.watermark import watermark_text
from loanlit.imports import errors as row_errors
from loanlit.imports import kinds, report
from loanlit.imports.kinds.base import FieldSpec, FieldType, ImportKind, RowStatus
from loanlit.imports.models import ImportBatch, ImportRow
from loanlit.imports.services import steps
from loanlit.imports.services.rows import decode_payload

DUPLICATE_MESSAGE = gettext_noop("The same key “%(key)s” is also on rows %(rows)s; choose the row to import.")
SKIPPED_DUPLICATE_MESSAGE = gettext_noop("Another row with the key “%(key)s” was chosen; this one is not imported.")
SKIPPED_ALL_DUPLICATES_MESSAGE = gettext_noop("No row with the key “%(key)s” is imported, as you chose.")
SKIPPED_BY_PRESET_MESSAGE = gettext_noop("Left out by the preset “%(preset)s” (for example, a loan not in default).")
CONFLICTS_CAP = 500


class BatchNotFound(ImportBatch.DoesNotExist, Http404):  # type: ignore[misc]
    """Out of scope looks exactly like a missing id (a view that lets it through answers 404)."""


def import_batches_for_user(user: Any) -> QuerySet[ImportBatch]:
    if not getattr(user, "is_authenticated", False):
        return ImportBatch.objects.none()
    qs = ImportBatch.objects.select_related("creditor", "unit", "created_by", "job")
    if user.is_superuser:
        return qs
    mine = Q(created_by=user)
    if user.has_code("jobs.view_all"):
        mine |= Q(creditor_id__in=creditor_ids_for(user))
    return qs.filter(mine)


def import_batch_get_for_user(user: Any, pk: int) -> ImportBatch:
    try:
        return import_batches_for_user(user).get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError, TypeError):
        raise BatchNotFound(_("No such import.")) from None


# --- preview ------------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    number: int
    key: str
    status: str
    errors: list[str]
    values: list[tuple[str, str]]  # (field label, value as text), in field order
    diff: list[tuple[str, str, str]] = field(default_factory=list)  # (label, on file, in file)


@dataclass
class PreviewConflict:
    row: int
    field: str  # the field's label
    on_file: str
    in_file: str


@dataclass
class PreviewColumn:
    index: int
    header: str
    field_key: str
    field_label: str


@dataclass
class Preview:
    counts: dict[str, int]
    total: int
    rows: dict[str, list[PreviewRow]]  # status → up to ``sample`` rows
    duplicates: dict[str, list[int]]  # key → row numbers (unresolved)
    conflicts: list[PreviewConflict]
    unmapped_required: list[str]  # labels
    unmapped_message: str
    columns: list[PreviewColumn]
    masked: bool
    can_commit: bool

    @property
    def importable(self) -> int:
        return self.counts.get(RowStatus.NEW, 0) + self.counts.get(RowStatus.UPDATE, 0)


def _may_unmask(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.has_code("personal_data.unmask"))


def mask_text(spec: FieldSpec, text: str) -> str:
    if not text:
        return text
    if spec.type == FieldType.ID_NUMBER:
        return audit.mask(text, keep_start=6 if len(text) > 10 else 0, keep_end=4)
    if spec.type == FieldType.PHONE:
        return audit.mask(text, keep_start=3 if len(text) >= 8 else 0, keep_end=4)
    return text[:1] + "*" * max(len(text) - 1, 1)


def value_text(spec: FieldSpec, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if spec.type == FieldType.CHOICE:
        labels = {choice: str(label) for choice, label in spec.choices}
        return labels.get(str(value), str(value))
    if isinstance(value, list):
        return ", ".join(value_text(spec, item) for item in value)
    return str(value)


def _shown(spec: FieldSpec, text: str, *, masked: bool) -> str:
    return mask_text(spec, text) if masked and steps.is_personal(spec) else text


def _spec(kind: ImportKind, key: str) -> FieldSpec | None:
    try:
        return kind.field(key)
    except KeyError:
        return None


def _duplicate_groups(batch: ImportBatch) -> dict[str, list[int]]:
    keys = set(
        ImportRow.objects.filter(batch=batch, status=RowStatus.DUPLICATE).values_list("key", flat=True).distinct()
    )
    groups: dict[str, list[int]] = defaultdict(list)
    for key, number in (
        ImportRow.objects.filter(batch=batch, key__in=keys).order_by("number").values_list("key", "number")
    ):
        groups[key].append(number)
    return dict(groups)


def _sample_rows(batch: ImportBatch, statuses: list[RowStatus], sample: int) -> list[ImportRow]:
    """The first ``sample`` rows of each status, in one query (not one per status)."""
    if not statuses or sample <= 0:
        return []
    numbered = (
        ImportRow.objects.filter(batch=batch, status__in=statuses)
        .annotate(place=Window(RowNumber(), partition_by=[F("status")], order_by=F("number").asc()))
        .filter(place__lte=sample)
    )
    return list(numbered.order_by("number"))


def import_preview(batch: ImportBatch, *, sample: int = 20, user: Any = None) -> Preview:
    """What the import will do; personal data masked unless ``user`` may unmask (then access-logged)."""
    kind = kinds.get_kind(batch.kind)
    preset = kinds.get_preset(batch.preset) if batch.preset else None
    labels = steps.labels(kind)
    masked = not _may_unmask(user)
    counts = {status.value: int((batch.counts or {}).get(status.value, 0)) for status in RowStatus}
    field_map = steps.batch_mapping(batch, preset)
    duplicates = _duplicate_groups(batch)
    shown_statuses = [status for status in RowStatus if counts.get(status.value)]
    rows: dict[str, list[PreviewRow]] = {status.value: [] for status in shown_statuses}
    for model in _sample_rows(batch, shown_statuses, sample):
        status = RowStatus(model.status)
        found = rows[status.value]
        data = decode_payload(model.payload)
        errors = [row_errors.render(row_errors.RowError.from_json(e), labels=labels) for e in model.errors or []]
        if status == RowStatus.DUPLICATE and model.key in duplicates:
            others = ", ".join(str(n) for n in duplicates[model.key] if n != model.number)
            errors.append(_(DUPLICATE_MESSAGE) % {"key": model.key, "rows": others})
        if status == RowStatus.SKIPPED and not errors:
            errors.append(_skip_reason(batch, model.key, preset))
        values = []
        for spec in kind.fields:
            if spec.key in data["values"]:
                text = value_text(spec, data["values"][spec.key])
                values.append((str(spec.label), _shown(spec, text, masked=masked)))
        diff = []
        for key, pair in (data["diff"] or {}).items():
            changed = _spec(kind, key)
            old, new = [*list(pair), "", ""][:2]
            if changed is not None:
                diff.append(
                    (
                        str(changed.label),
                        _shown(changed, str(old), masked=masked),
                        _shown(changed, str(new), masked=masked),
                    )
                )
        found.append(
            PreviewRow(number=model.number, key=model.key, status=model.status, errors=errors, values=values, diff=diff)
        )
    conflicts = []
    for model in ImportRow.objects.filter(batch=batch).exclude(conflict_fields=[]).order_by("number")[:CONFLICTS_CAP]:
        data = decode_payload(model.payload)
        for key, pair in (data["conflicts"] or {}).items():
            conflicting = _spec(kind, key)
            if conflicting is None:
                continue
            on_file, in_file = [*list(pair), "", ""][:2]
            conflicts.append(
                PreviewConflict(
                    row=model.number,
                    field=str(conflicting.label),
                    on_file=_shown(conflicting, str(on_file), masked=masked),
                    in_file=_shown(conflicting, str(in_file), masked=masked),
                )
            )
    missing = steps.unmapped_required(kind, field_map, preset)
    by_column = {col: key for key, col in field_map.items()}
    columns = [
        PreviewColumn(
            index=index,
            header=header,
            field_key=by_column.get(index, ""),
            field_label=labels.get(by_column.get(index, ""), ""),
        )
        for index, header in enumerate(batch.headers or [])
    ]
    if not masked and (rows or conflicts):
        audit.access_log(
            user=user, action=audit.AccessAction.PERSONAL_DATA_READ, target=batch, detail={"what": "import preview"}
        )
    return Preview(
        counts=counts,
        total=sum(counts.values()),
        rows=rows,
        duplicates=duplicates,
        conflicts=conflicts,
        unmapped_required=[labels[key] for key in missing],
        unmapped_message=steps.unmapped_message(kind, missing) if missing else "",
        columns=columns,
        masked=masked,
        can_commit=batch.status == ImportBatch.Status.PREVIEW
        and not missing
        and (counts.get(RowStatus.NEW, 0) + counts.get(RowStatus.UPDATE, 0) > 0),
    )


# --- error report ---------------------------------------------------------------------------------------


def import_error_report(batch: ImportBatch, *, user: Any = None, request: HttpRequest | None = None) -> bytes:
    """The rows not imported (errors, duplicates) exactly as in the file, with an error column."""
    kind = kinds.get_kind(batch.kind)
    preset = kinds.get_preset(batch.preset) if batch.preset else None
    labels = steps.labels(kind)
    duplicates = _duplicate_groups(batch)
    problems: dict[int, list[str]] = {}
    for number, status, key, errors in (
        ImportRow.objects.filter(batch=batch)
        .filter(Q(status__in=(RowStatus.ERROR, RowStatus.DUPLICATE)) | ~Q(errors=[]))
        .order_by("number")
        .values_list("number", "status", "key", "errors")
    ):
        messages = [row_errors.render(row_errors.RowError.from_json(e), labels=labels) for e in errors or []]
        if status == RowStatus.DUPLICATE and key in duplicates:
            others = ", ".join(str(n) for n in duplicates[key] if n != number)
            messages.append(_(DUPLICATE_MESSAGE) % {"key": key, "rows": others})
        if messages:
            problems[number] = messages
    table = steps.read_batch_file(batch, kind, preset)
    field_map = steps.batch_mapping(batch, preset)
    masked: dict[int, Callable[[str], str]] = {}
    if not _may_unmask(user):  # the rows as in the file, but no personal data for who may not see it
        for key, col in field_map.items():
            spec = _spec(kind, key)
            if spec is not None and steps.is_personal(spec):
                masked[col] = partial(mask_text, spec)
    data = report.error_report_xlsx(
        table=table,
        kind=kind,
        mapping=field_map,
        problems=problems,
        masked=masked,
        watermark=watermark_text(user) if user is not None else "",
    )
    if user is not None:
        audit.access_log(
            user=user,
            action=audit.AccessAction.DOWNLOAD,
            target=batch,
            request=request,
            detail={"what": "import error report", "rows": len(problems)},
        )
    return data


def _skip_reason(batch: ImportBatch, key: str, preset: Any) -> str:
    """Why a row without errors is not imported: the user's duplicate choice, or the preset left it out."""
    choices = batch.duplicate_choices or {}
    if key and key in choices:
        if choices[key] is None:
            return _(SKIPPED_ALL_DUPLICATES_MESSAGE) % {"key": key}
        return _(SKIPPED_DUPLICATE_MESSAGE) % {"key": key}
    name = str(preset.label) if preset is not None else batch.preset
    return _(SKIPPED_BY_PRESET_MESSAGE) % {"preset": name}
