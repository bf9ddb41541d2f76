"""``import_file``: the CLI's synchronous run of the same steps, with no ``ImportBatch`` and no jobs.

Nothing is stored but what the kind commits; with ``dry_run`` nothing at all is written (the kind's
``classify`` only reads).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor, OrgUnit
from loanlit.imports import errors as row_errors
from loanlit.imports import mapping as mapping_rules
from loanlit.imports.errors import RowError
from loanlit.imports.kinds.base import KindContext, ParsedRow, RowStatus
from loanlit.imports.services import common, steps, storage
from loanlit.imports.table import FileRefused

DUPLICATE_MESSAGE = gettext_noop("The same key “%(key)s” is on rows %(rows)s; none of them was imported.")


@dataclass
class ImportReport:
    file_name: str
    kind: str
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int, list[str]]] = field(default_factory=list)  # (row, messages in the active language)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cases_opened: int = 0
    problems: list[str] = field(default_factory=list)  # file-level warnings
    mapping: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None  # CSV: the encoding read (a guess is among the problems)

    @property
    def has_row_errors(self) -> bool:
        return bool(self.errors)

    def as_json(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "errors": [{"row": number, "messages": list(messages)} for number, messages in self.errors],
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "cases_opened": self.cases_opened,
            "problems": list(self.problems),  # file-level warnings: a script must see them too
            "encoding": self.encoding,
        }


def import_file(
    *,
    actor: User,
    creditor: Creditor,
    path: str | Path,
    kind: str = "loans",
    preset: str | None = None,
    options: dict[str, Any] | None = None,
    dry_run: bool = False,
    unit: OrgUnit | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> ImportReport:
    """Read, map (suggested, or the preset's), check and — unless ``dry_run`` — commit a file.

    Raises ``DomainError`` for a fatal problem: refused file, unknown kind or preset, a required field no
    column feeds, no permission. Row errors are in the report.
    """
    import_kind = common.get_kind(kind)
    chosen = common.get_preset(preset, kind=kind)
    common.require_may_import(actor, kind=kind, creditor=creditor)
    handling_unit = common.resolve_unit(actor, unit)
    source = Path(path)
    try:
        content = source.read_bytes()
    except OSError as exc:
        raise DomainError(_("The file cannot be read: %(error)s") % {"error": exc.strerror or exc}, code="io") from None
    common.check_upload(content)
    try:
        table = steps.read(
            content, file_name=source.name, kind=import_kind, preset=chosen, encoding=encoding, sheet=sheet
        )
    except FileRefused as exc:
        raise DomainError(exc.message, code=exc.code) from None
    field_map = {} if steps.uses_transform(chosen) else mapping_rules.suggest(import_kind, table.headers, chosen)
    missing = steps.unmapped_required(import_kind, field_map, chosen)
    if missing:
        raise DomainError(steps.unmapped_message(import_kind, missing), code="required_unmapped")
    try:
        steps.check_merged(table, import_kind, field_map, chosen)
    except FileRefused as exc:
        raise DomainError(exc.message, code=exc.code) from None
    ctx = common.make_context(
        actor=actor,
        creditor=creditor,
        unit=handling_unit,
        options=common.clean_options(import_kind, chosen, options, common.initial_options(import_kind, chosen)),
    )
    report = ImportReport(
        file_name=source.name,
        kind=import_kind.code,
        dry_run=dry_run,
        problems=[str(p) for p in table.problems],
        mapping=field_map,
        encoding=table.encoding,
    )
    # Two passes, so that only one chunk of parsed rows is in memory at a time: the first converts only
    # each row's key fields (duplicates inside the file, chunk planning); the second parses each planned
    # chunk in full, checks it, commits it and keeps only its errors.
    sources = [row for row in table.rows if not steps.row_is_blank(row)]
    plan: list[tuple[str, int]] = []
    keys: list[tuple[int, str]] = []
    for index, source_row in enumerate(sources):
        row = steps.parse_keys(source_row, table, import_kind, field_map, chosen)
        keys.append((row.number, row.key))
        plan.append((import_kind.chunk_key(row, ctx) if row.status == RowStatus.NEW else "", index))
    groups = steps.duplicate_groups(keys)
    del keys
    counts: Counter[str] = Counter()
    labels = steps.labels(import_kind)
    for chunk in steps.plan_chunks(plan, steps.COMMIT_CHUNK):
        parsed = [steps.parse_row(sources[index], table, import_kind, field_map, chosen) for index in chunk]
        steps.apply_duplicates(parsed, groups, {})
        for part in steps.chunked(parsed, steps.VALIDATE_CHUNK):
            steps.check_rows(part, import_kind, ctx)
        if not dry_run:
            _commit(parsed, import_kind, ctx, report)
        counts.update(str(row.status) for row in parsed)
        for row in parsed:
            messages = [row_errors.render(error, labels=labels) for error in row.errors]
            if row.status == RowStatus.DUPLICATE:
                messages.append(
                    row_errors.render(
                        RowError(DUPLICATE_MESSAGE, {"key": row.key, "rows": ", ".join(map(str, groups[row.key]))})
                    )
                )
            if messages:
                report.errors.append((row.number, messages))
    report.errors.sort(key=lambda item: item[0])
    if not dry_run and (report.created or report.updated):
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="import.committed",
                target=audit.TargetRef(type="imports.file", id=storage.sha256(content)[:32], repr=source.name),
                changes={
                    "kind": import_kind.code,
                    "created": report.created,
                    "updated": report.updated,
                    "cases_opened": report.cases_opened,
                    "source": "cli",
                },
            )
    report.counts = {status.value: counts.get(status.value, 0) for status in RowStatus}
    report.unchanged += report.counts[RowStatus.UNCHANGED]
    return report


def _commit(parsed: list[ParsedRow], kind: Any, ctx: KindContext, report: ImportReport) -> None:
    writable = [row for row in parsed if row.status in (RowStatus.NEW, RowStatus.UPDATE)]
    by_number = {row.number: row for row in writable}
    for chunk in steps.plan_chunks(((kind.chunk_key(row, ctx), row) for row in writable), steps.COMMIT_CHUNK):
        with transaction.atomic():
            result = kind.commit(chunk, ctx)
        report.created += result.created
        report.updated += result.updated
        report.unchanged += result.unchanged
        report.cases_opened += result.cases_opened
        for number, error in result.errors:
            row = by_number.get(number)
            if row is not None:
                row.errors.append(error)
                row.status = RowStatus.ERROR
