"""The case progress import kind: finding each row's case in scope, classify and commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from loanlit.cases import access
from loanlit.cases.models import (
    Case,
    Proceeding,
)
from loanlit.core.errors import DomainError
from loanlit.imports import cells
from loanlit.imports.errors import RowError
from loanlit.imports.kinds.base import (
    CommitResult,
    ImportKind,
    KindContext,
    ParsedRow,
    RowStatus,
)
from loanlit.imports.kinds.progress.fields import (
    JUDGMENT_AMOUNTS,
    MSG_ACCEPTED_BEFORE_FILED,
    MSG_AMBIGUOUS,
    MSG_BAD_NUMBER,
    MSG_CASE_NOT_FOUND,
    MSG_COST_INCOMPLETE,
    MSG_HEARING_TIME,
    MSG_JUDGMENT_DATE,
    MSG_NEGATIVE,
    MSG_NO_REFERENCE,
    MSG_NOT_POSITIVE,
    MSG_OTHER_CASE,
    MSG_RECOVERY_INCOMPLETE,
    MSG_RESULT_CONFLICT,
    MSG_RESULT_DATE,
    MSG_WRITE,
    TERMINATED,
    field_specs,
)
from loanlit.imports.kinds.progress.planner import Planner
from loanlit.imports.kinds.progress.state import chunks, load_states
from loanlit.law import caseno
from loanlit.law.money import LawInputError


class ProgressKind(ImportKind):
    code = "progress"
    label = _("Case progress")
    fields = field_specs()
    # add_participants: a proceeding the import opens gets the bank's unit and the loans' borrowers and
    # guarantors as participants, in the roles its kind implies (not for appeals and objections).
    default_options = {"add_participants": True}

    # --- identity -----------------------------------------------------------------------------------------

    def chunk_key(self, row: ParsedRow, ctx: KindContext) -> str:
        return f"case:{row.target_id}" if row.target_id is not None else f"row:{row.number}"

    # --- checks that need no database ---------------------------------------------------------------------

    def validate(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        for row in rows:
            v = row.values
            errors = row.errors
            if not v.get("case_number") and not v.get("internal_no"):
                errors.append(RowError(MSG_NO_REFERENCE, field="case_number"))
            number = v.get("case_number")
            if number:
                try:
                    caseno.parse_case_number(str(number))
                except LawInputError:
                    errors.append(RowError(MSG_BAD_NUMBER, {"field": "case_number", "value": number}, "case_number"))
            filed, accepted = v.get("filed_on"), v.get("accepted_on")
            if isinstance(filed, date) and isinstance(accepted, date) and accepted < filed:
                errors.append(RowError(MSG_ACCEPTED_BEFORE_FILED, field="accepted_on"))
            hearing = v.get("hearing_at")
            # The cell rules read a date alone as midnight: no court sits then, so the time is missing.
            if hearing is not None and (not isinstance(hearing, datetime) or hearing.time() == datetime.min.time()):
                errors.append(RowError(MSG_HEARING_TIME, {"field": "hearing_at"}, "hearing_at"))
            amounts = {key: v[key] for key, _kind in JUDGMENT_AMOUNTS if v.get(key) is not None}
            for key, value in amounts.items():
                if value < 0:
                    errors.append(RowError(MSG_NEGATIVE, {"field": key}, key))
            if amounts and not v.get("judged_on"):
                errors.append(RowError(MSG_JUDGMENT_DATE, {"field": "judged_on"}, "judged_on"))
            if (v.get("result") or v.get("proceeding_kind") == TERMINATED) and not v.get("result_on"):
                errors.append(RowError(MSG_RESULT_DATE, {"field": "result_on"}, "result_on"))
            if v.get("proceeding_kind") == TERMINATED and v.get("result") not in (None, "", TERMINATED):
                errors.append(RowError(MSG_RESULT_CONFLICT, {"field": "result", "result": v["result"]}, "result"))
            self._complete(
                row, ("cost_kind", "cost_amount", "cost_paid_on"), MSG_COST_INCOMPLETE, extra=("cost_payer",)
            )
            self._complete(row, ("recovery_amount", "recovery_received_on", "recovery_source"), MSG_RECOVERY_INCOMPLETE)
            for key in ("cost_amount", "recovery_amount"):
                value = v.get(key)
                if isinstance(value, Decimal) and value <= 0:
                    errors.append(RowError(MSG_NOT_POSITIVE, {"field": key}, key))

    @staticmethod
    def _complete(row: ParsedRow, keys: tuple[str, ...], message: str, extra: tuple[str, ...] = ()) -> None:
        """A cost or recovery needs all of its columns once one of them is filled."""
        if not any(row.values.get(k) not in (None, "") for k in (*keys, *extra)):
            return
        for key in keys:
            if row.values.get(key) in (None, ""):
                row.errors.append(RowError(message, {"field": key}, key))

    # --- finding the cases ---------------------------------------------------------------------------------

    def _scope(self, ctx: KindContext) -> Any:
        if ctx.actor is None:
            return Case.objects.filter(creditor=ctx.creditor)
        return access.cases_editable_by(ctx.actor).filter(creditor=ctx.creditor)

    def _find_cases(self, rows: Sequence[ParsedRow], ctx: KindContext) -> tuple[dict[str, Case], dict[str, list[Case]]]:
        """(cases by internal number, cases by normalised 案号) among those the actor may change."""
        internal: set[str] = set()
        numbers: set[str] = set()
        for row in rows:
            if row.values.get("internal_no"):
                text = str(row.values["internal_no"]).strip()
                internal.update({text, cells.normalise_key(text)})
            if row.values.get("case_number"):
                numbers.add(caseno.normalize_case_number(str(row.values["case_number"])))
        scope = self._scope(ctx)
        by_internal: dict[str, Case] = {}
        for chunk in chunks(sorted(internal)):
            for case in scope.filter(internal_no__in=chunk).select_related("handling_unit"):
                by_internal[cells.normalise_key(case.internal_no)] = case
        by_number: dict[str, list[Case]] = {}
        for chunk in chunks(sorted(numbers)):
            visible = scope.values("pk")
            pairs = Proceeding.objects.filter(court_case_number__in=chunk, case__in=visible).values_list(
                "court_case_number", "case_id"
            )
            ids = {case_id for _n, case_id in pairs}
            cases = {c.pk: c for c in Case.objects.filter(pk__in=ids).select_related("handling_unit")}
            for number, case_id in pairs:
                bucket = by_number.setdefault(number, [])
                if cases[case_id] not in bucket:
                    bucket.append(cases[case_id])
        # A row naming both numbers introduces a new 案号 for its case: later rows may name it alone.
        for row in rows:
            if row.values.get("internal_no") and row.values.get("case_number"):
                case = by_internal.get(cells.normalise_key(str(row.values["internal_no"]).strip()))
                number = caseno.normalize_case_number(str(row.values["case_number"]))
                if case is not None and number not in by_number:
                    by_number[number] = [case]
        return by_internal, by_number

    def _row_case(
        self, row: ParsedRow, by_internal: dict[str, Case], by_number: dict[str, list[Case]]
    ) -> tuple[Case | None, RowError | None]:
        internal = row.values.get("internal_no")
        number_text = row.values.get("case_number")
        number = caseno.normalize_case_number(str(number_text)) if number_text else ""
        ref = str(internal or number_text)
        if internal:
            case = by_internal.get(cells.normalise_key(str(internal)))
            if case is None:
                return None, RowError(MSG_CASE_NOT_FOUND, {"ref": ref}, "internal_no")
            others = [c for c in by_number.get(number, []) if c.pk != case.pk] if number else []
            if others:
                return None, RowError(MSG_OTHER_CASE, {"number": number, "case": others[0].internal_no}, "case_number")
            return case, None
        found = by_number.get(number, [])
        if not found:
            return None, RowError(MSG_CASE_NOT_FOUND, {"ref": ref}, "case_number")
        if len(found) > 1:
            return None, RowError(MSG_AMBIGUOUS, {"number": number}, "case_number")
        return found[0], None

    # --- classify and commit ---------------------------------------------------------------------------------

    @staticmethod
    def _eligible(rows: Sequence[ParsedRow]) -> list[ParsedRow]:
        return [r for r in rows if not r.errors and r.status not in (RowStatus.DUPLICATE, RowStatus.SKIPPED)]

    @staticmethod
    def _fail(row: ParsedRow, errors: Sequence[RowError]) -> None:
        row.errors.extend(errors)
        row.status = RowStatus.ERROR

    def classify(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        planner = Planner()
        rows = self._eligible(rows)
        by_internal, by_number = self._find_cases(rows, ctx)
        matched: list[tuple[ParsedRow, Case]] = []
        for row in rows:
            row.diff, row.conflicts = {}, {}
            case, error = self._row_case(row, by_internal, by_number)
            if case is None:
                row.target_id = None
                self._fail(row, [error] if error else [])
                continue
            row.target_id = case.pk
            matched.append((row, case))
        states = load_states(list({case.pk: case for _row, case in matched}.values()))
        for row, case in matched:
            before = states[case.pk].clone()
            plan = planner.plan(row, states[case.pk], ctx)
            if plan.errors:
                self._fail(row, plan.errors)
                states[case.pk] = before  # the picture may hold half of this row's plan
                continue
            row.status = RowStatus.UPDATE if plan.steps else RowStatus.UNCHANGED
            row.diff = {step.field: [step.before, step.after] for step in plan.steps}
            row.result = {"case": case.pk}

    def commit(self, rows: Sequence[ParsedRow], ctx: KindContext) -> CommitResult:
        planner = Planner()
        outcome = CommitResult()
        outcome.unchanged = sum(1 for r in rows if r.status == RowStatus.UNCHANGED and not r.errors)
        todo = [r for r in rows if r.status in (RowStatus.UPDATE, RowStatus.NEW) and not r.errors]
        if not todo:
            return outcome
        by_internal, by_number = self._find_cases(todo, ctx)
        cases: dict[int, Case] = {}
        targets: list[tuple[ParsedRow, Case]] = []
        for row in todo:
            case, error = self._row_case(row, by_internal, by_number)
            if case is None:
                outcome.errors.append((row.number, error or RowError(MSG_CASE_NOT_FOUND, {"ref": ""})))
                continue
            cases.setdefault(case.pk, case)
            targets.append((row, case))
        states = load_states(list(cases.values()))
        for row, case in targets:
            before = states[case.pk].clone()
            plan = planner.plan(row, states[case.pk], ctx)
            if plan.errors:
                outcome.errors.extend((row.number, e) for e in plan.errors)
                states[case.pk] = before
                continue
            if not plan.steps:  # written by an earlier, interrupted commit
                outcome.unchanged += 1
                row.result = {"case": case.pk}
                continue
            try:
                with transaction.atomic():
                    for step in plan.steps:
                        step.apply(ctx.actor)
            except DomainError as exc:
                outcome.errors.append((row.number, RowError(MSG_WRITE, {"reason": str(exc.message)})))
                states[case.pk] = before
                continue
            outcome.updated += 1
            row.result = {"case": case.pk, **({"proceeding": plan.proceeding.pk} if plan.proceeding else {})}
        return outcome
