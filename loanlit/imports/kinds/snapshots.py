"""Balance snapshots import (余额快照): one row = one loan's balance as of one day.

The loan is found by contract number among the creditor's loans the actor may see; anything else
is "loan not found" (never a hint that it exists elsewhere). A snapshot is only ever appended: the
same amounts for a day on file are UNCHANGED, different ones an error asking for the correction as a
later day — or, with the option ``on_conflict="keep"``, UNCHANGED with the differences shown as
conflicts. Writes go through ``loans.services.snapshots.balance_snapshots_add_batch`` (one bulk
INSERT, one bulk audit append per chunk), which re-checks what is on file, so a resumed commit
writes nothing twice.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from loanlit.core import money as m
from loanlit.imports import cells
from loanlit.imports.errors import RowError
from loanlit.imports.kinds import register_kind, register_preset
from loanlit.imports.kinds.base import (
    CommitResult,
    FieldSpec,
    FieldType,
    ImportKind,
    KindContext,
    ParsedRow,
    Preset,
    RowStatus,
)
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract
from loanlit.loans.selectors import loans_visible_to
from loanlit.loans.services.snapshots import (
    AMOUNT_FIELDS,
    OnConflict,
    SnapshotRow,
    balance_snapshots_add_batch,
    snapshot_amounts,
    snapshots_on_file,
)

DATA_FILE: Final = Path(__file__).with_name("data") / "snapshots.json"
LOOKUP_CHUNK: Final = 500
ZERO: Final = Decimal("0.00")

MSG_LOAN_NOT_FOUND: Final = gettext_noop("Loan %(no)s was not found.")
MSG_CURRENCY_UNKNOWN: Final = gettext_noop("%(field)s: “%(value)s” is not a supported currency.")
MSG_CURRENCY_MISMATCH: Final = gettext_noop("%(field)s: the loan is in %(loan)s, the row says %(row)s.")
MSG_NEGATIVE: Final = gettext_noop("%(field)s cannot be negative.")
MSG_DIFFERENT: Final = gettext_noop(
    "Loan %(no)s already has a different balance as of %(day)s (%(fields)s); a balance is never "
    "overwritten: import the correction as of a later day."
)
MSG_WRITE: Final = gettext_noop("The balance could not be recorded: %(reason)s")


@functools.cache
def _data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def _synonyms(key: str) -> tuple[str, ...]:
    entry = _data()["fields"][key]
    return (entry["header"], *entry["synonyms"])


def template_header(key: str) -> str:
    """The standard template's (Chinese) header of a field."""
    return str(_data()["fields"][key]["header"])


def _amount_spec(key: str, label: Any, *, required: bool = False, example: str = "") -> FieldSpec:
    return FieldSpec(
        key=key,
        label=label,
        type=FieldType.AMOUNT,
        required=required,
        synonyms=_synonyms(key),
        places=2,
        group="balance",
        help=_("Amount in the loan's currency, to the cent; blank is 0.00."),
        example=example,
    )


AMOUNT_LABELS: Final = {
    "principal": _("Outstanding principal"),
    "interest_on_balance": _("On-balance-sheet interest"),
    "interest_off_balance": _("Off-balance-sheet interest"),
    "penalty": _("Penalty interest"),
    "compound": _("Compound interest"),
    "fees": _("Fees"),
}


def _fields() -> tuple[FieldSpec, ...]:
    return (
        FieldSpec(
            key="contract_no",
            label=pgettext_lazy("balance snapshots import", "Contract number"),
            type=FieldType.IDENTIFIER,
            required=True,
            synonyms=_synonyms("contract_no"),
            key_column=True,
            max_length=64,
            group="loan",
            help=_("The loan contract's number as on file; format the column as text."),
            example="JK-2024-000001",
        ),
        FieldSpec(
            key="as_of",
            label=_("Balance as of"),
            type=FieldType.DATE,
            required=True,
            synonyms=_synonyms("as_of"),
            group="balance",
            help=_("The day the balance was stated for."),
            example="2025-06-30",
        ),
        _amount_spec("principal", AMOUNT_LABELS["principal"], required=True, example="80000.00"),
        _amount_spec("interest_on_balance", AMOUNT_LABELS["interest_on_balance"], example="1234.56"),
        _amount_spec("interest_off_balance", AMOUNT_LABELS["interest_off_balance"], example="100.01"),
        _amount_spec("penalty", AMOUNT_LABELS["penalty"], example="50.50"),
        _amount_spec("compound", AMOUNT_LABELS["compound"], example="3.03"),
        _amount_spec("fees", AMOUNT_LABELS["fees"], example="0.00"),
        FieldSpec(
            key="currency",
            label=_("Currency"),
            type=FieldType.TEXT,
            synonyms=_synonyms("currency"),
            max_length=10,
            group="balance",
            help=_("Optional: ISO code (CNY, USD …); must be the loan's currency."),
            example="CNY",
        ),
    )


def currency_code(text: str) -> str | None:
    """An ISO code from "cny", "人民币", "RMB" …; None when not a supported currency."""
    value = text.strip()
    mapped = _data()["choices"]["currency"].get(value.casefold()) or _data()["choices"]["currency"].get(value)
    code = mapped or value.upper()
    return code if code in m.CURRENCY_EXPONENTS else None


class SnapshotsKind(ImportKind):
    code = "snapshots"
    label = _("Balance snapshots")
    fields = _fields()
    # on_conflict: "error" (default) — a different balance for a day on file is a row error;
    # "keep" — the row is left UNCHANGED and the differences are shown as conflicts.
    default_options = {"on_conflict": "error", "source": LoanBalanceSnapshot.Source.IMPORT}

    # --- identity ------------------------------------------------------------------------------------

    def row_key(self, values: dict[str, Any]) -> str:
        number = values.get("contract_no")
        as_of = values.get("as_of")
        if not number or not isinstance(as_of, date):
            return ""
        return f"{cells.normalise_key(str(number))}@{as_of.isoformat()}"

    def chunk_key(self, row: ParsedRow, ctx: KindContext) -> str:
        return str(row.number)

    # --- checks --------------------------------------------------------------------------------------

    def validate(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        for row in rows:
            for name in AMOUNT_FIELDS:
                value = row.values.get(name)
                if isinstance(value, Decimal) and value < 0:
                    row.errors.append(RowError(MSG_NEGATIVE, {"field": name}, field=name))
            text = row.values.get("currency")
            if text and currency_code(str(text)) is None:
                row.errors.append(
                    RowError(MSG_CURRENCY_UNKNOWN, {"field": "currency", "value": text}, field="currency")
                )

    def _loans(self, rows: Sequence[ParsedRow], ctx: KindContext) -> dict[str, LoanContract]:
        """The creditor's loans in the actor's scope, by normalised contract number."""
        numbers = sorted({str(row.values["contract_no"]) for row in rows if row.values.get("contract_no")})
        wanted = sorted(set(numbers) | {cells.normalise_key(n) for n in numbers})
        base = (
            LoanContract.objects.filter(creditor=ctx.creditor)
            if ctx.actor is None or getattr(ctx.actor, "is_superuser", False)
            else loans_visible_to(ctx.actor).filter(creditor=ctx.creditor)
        )
        found: dict[str, LoanContract] = {}
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            for loan in base.filter(contract_no__in=wanted[start : start + LOOKUP_CHUNK]):
                found[cells.normalise_key(loan.contract_no)] = loan
        return found

    def _row_loan(self, row: ParsedRow, loans: dict[str, LoanContract]) -> LoanContract | None:
        return loans.get(cells.normalise_key(str(row.values.get("contract_no") or "")))

    def _source(self, ctx: KindContext) -> str:
        source = str(ctx.options.get("source") or LoanBalanceSnapshot.Source.IMPORT)
        return source if source in LoanBalanceSnapshot.Source.values else LoanBalanceSnapshot.Source.IMPORT

    def _amounts(self, row: ParsedRow) -> dict[str, Decimal]:
        """The row's amounts; a blank one is 0.00."""
        found: dict[str, Decimal] = {}
        for name in AMOUNT_FIELDS:
            value = row.values.get(name)
            found[name] = value if isinstance(value, Decimal) else ZERO
        return found

    def classify(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        # Rows without a contract number or day already carry the pipeline's "is required" error.
        rows = [
            r
            for r in rows
            if not r.errors
            and r.status not in (RowStatus.DUPLICATE, RowStatus.SKIPPED)
            and r.values.get("contract_no")
            and isinstance(r.values.get("as_of"), date)
        ]
        loans = self._loans(rows, ctx)
        matched = [(row, self._row_loan(row, loans)) for row in rows]
        on_file = snapshots_on_file(
            loan_ids=[loan.pk for _row, loan in matched if loan is not None],
            days=[row.values["as_of"] for row, loan in matched if loan is not None],
            source=self._source(ctx),
        )
        keep = ctx.options.get("on_conflict") == "keep"
        for row, loan in matched:
            row.diff, row.conflicts = {}, {}
            if loan is None:
                self._error(row, RowError(MSG_LOAN_NOT_FOUND, {"no": row.values.get("contract_no")}, "contract_no"))
                continue
            row.target_id = loan.pk
            text = row.values.get("currency")
            if text:
                code = currency_code(str(text))
                if code != loan.currency:
                    self._error(
                        row,
                        RowError(
                            MSG_CURRENCY_MISMATCH, {"field": "currency", "loan": loan.currency, "row": text}, "currency"
                        ),
                    )
                    continue
            amounts = self._amounts(row)
            existing = on_file.get((loan.pk, row.values["as_of"]))
            if existing is None:
                row.status = RowStatus.NEW
                row.diff = {name: ["", f"{amounts[name]:.2f}"] for name in AMOUNT_FIELDS}
                continue
            differences = {
                name: [f"{before:.2f}", f"{amounts[name]:.2f}"]
                for name, before in snapshot_amounts(existing).items()
                if before != amounts[name]
            }
            if not differences:
                row.status = RowStatus.UNCHANGED
            elif keep:
                row.status, row.conflicts = RowStatus.UNCHANGED, differences
            else:
                row.conflicts = differences
                self._error(
                    row,
                    RowError(
                        MSG_DIFFERENT,
                        {
                            "no": loan.contract_no,
                            "day": row.values["as_of"].isoformat(),
                            "fields": ", ".join(sorted(differences)),
                        },
                        field="as_of",
                    ),
                )

    @staticmethod
    def _error(row: ParsedRow, error: RowError) -> None:
        row.errors.append(error)
        row.status = RowStatus.ERROR

    # --- writes --------------------------------------------------------------------------------------

    def commit(self, rows: Sequence[ParsedRow], ctx: KindContext) -> CommitResult:
        outcome = CommitResult()
        todo = [r for r in rows if r.status == RowStatus.NEW and not r.errors]
        outcome.unchanged = sum(1 for r in rows if r.status == RowStatus.UNCHANGED)
        if not todo:
            return outcome
        loans = self._loans(todo, ctx)
        batch: list[tuple[ParsedRow, SnapshotRow]] = []
        for row in todo:
            loan = self._row_loan(row, loans)
            if loan is None:  # gone (or moved out of scope) since the preview
                error = RowError(MSG_LOAN_NOT_FOUND, {"no": row.values.get("contract_no")}, "contract_no")
                outcome.errors.append((row.number, error))
                continue
            batch.append((row, SnapshotRow(loan=loan, as_of=row.values["as_of"], **self._amounts(row))))
        on_conflict: OnConflict = "keep" if ctx.options.get("on_conflict") == "keep" else "error"
        results = balance_snapshots_add_batch(
            actor=ctx.actor,
            creditor=ctx.creditor,
            rows=[snapshot for _row, snapshot in batch],
            source=self._source(ctx),
            on_conflict=on_conflict,
        )
        for (row, _snapshot), result in zip(batch, results, strict=True):
            if result.status == "created":
                outcome.created += 1
                row.result = {"loan": result.snapshot.loan_id, "snapshot": result.snapshot.pk}  # type: ignore[union-attr]
            elif result.status in ("unchanged", "conflict"):  # written by an earlier, interrupted commit
                outcome.unchanged += 1
                row.result = {"loan": result.snapshot.loan_id, "snapshot": result.snapshot.pk}  # type: ignore[union-attr]
            else:
                for reason in result.errors:
                    outcome.errors.append((row.number, RowError(MSG_WRITE, {"reason": reason})))
        return outcome


def _preset() -> Preset:
    return Preset(
        code="loanlit-snapshots",
        label=_("Loanlit standard template: balance snapshots"),
        kind="snapshots",
        columns={spec.key: (template_header(spec.key),) for spec in _fields()},
        description=_("The downloadable Loanlit template for balances: one row per loan and day."),
    )


def register() -> None:
    register_kind(SnapshotsKind())
    register_preset(_preset())


__all__ = ["SnapshotsKind", "currency_code", "register", "template_header"]
