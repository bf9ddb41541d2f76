"""Opening cases, stage moves, loans and closing (audited on the case stream, with timeline events)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from loanlit.cases import access, gates
from loanlit.cases.models import Case, CaseCounter, CaseEvent, CaseLoan, CaseStage, CaseStageTransition
from loanlit.cases.services._common import Recorded, assign_changes, bump, law_error, lock_case, record_one, today
from loanlit.core.bulk import builder, bulk_insert
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor, OrgUnit
from loanlit.law import causes
from loanlit.law.money import LawInputError
from loanlit.loans.models import LoanContract

INITIAL_STAGE = CaseStage.PRE_LITIGATION
# Choices' ``.values`` is rebuilt on every access; a batch checks it for every row.
_PRIORITIES = frozenset(Case.Priority.values)


@dataclass(frozen=True)
class CaseOpenInput:
    """One case to open (``cases_open_batch``): the loans sued on must be the creditor's."""

    creditor: Creditor
    handling_unit: OrgUnit
    cause_of_action: str
    loans: Sequence[LoanContract] = ()
    handler: Any = None
    co_handlers: Sequence[Any] = ()
    opened_on: date | None = None
    priority: str = Case.Priority.NORMAL
    tags: Sequence[str] = ()
    stage: str = INITIAL_STAGE
    cause_version: str = "2020"


@dataclass
class _Prepared:
    row: CaseOpenInput
    opened_on: date
    cause_name: str
    loan_ids: list[int] = field(default_factory=list)


def internal_number(unit: OrgUnit, year: int, seq: int) -> str:
    return f"{unit.code}-{year}-{seq:06d}"


def _validate_rows(actor: Any, rows: Sequence[CaseOpenInput]) -> list[_Prepared]:
    prepared: list[_Prepared] = []
    seen_loans: dict[int, int] = {}
    for index, row in enumerate(rows):
        access.require_open(actor, creditor=row.creditor, unit=row.handling_unit)
        try:
            cause = causes.cause_by_name(row.cause_of_action)
        except LawInputError as error:
            raise law_error(error) from None
        if row.priority not in _PRIORITIES:
            raise DomainError(_("Unknown priority: %(value)s") % {"value": row.priority}, code="invalid_priority")
        if row.stage not in (INITIAL_STAGE, CaseStage.FILED):
            raise DomainError(_("A new case starts before or at filing."), code="invalid_stage")
        item = _Prepared(row=row, opened_on=row.opened_on or today(), cause_name=cause.name)
        for loan in row.loans:
            if loan.creditor_id != row.creditor.pk:
                raise DomainError(
                    _("Loan %(contract)s belongs to another creditor.") % {"contract": loan.contract_no},
                    code="loan_other_creditor",
                )
            if loan.pk in seen_loans and seen_loans[loan.pk] != index:
                raise DomainError(
                    _("Loan %(contract)s appears in two of the new cases.") % {"contract": loan.contract_no},
                    code="loan_in_open_case",
                )
            seen_loans[loan.pk] = index
            if loan.pk not in item.loan_ids:
                item.loan_ids.append(loan.pk)
        prepared.append(item)
    _refuse_loans_in_open_cases(list(seen_loans))
    return prepared


def _refuse_loans_in_open_cases(loan_ids: list[int], *, except_case: int | None = None) -> None:
    if not loan_ids:
        return
    taken = CaseLoan.objects.filter(loan_id__in=loan_ids, active=True).select_related("case", "loan")
    if except_case is not None:
        taken = taken.exclude(case_id=except_case)
    link = taken.order_by("pk").first()
    if link is not None:
        raise DomainError(
            _("Loan %(contract)s is already in open case %(case)s.")
            % {"contract": link.loan.contract_no, "case": link.case.internal_no},
            code="loan_in_open_case",
            params={"case": link.case.internal_no},
        )


def _take_numbers(unit: OrgUnit, year: int, count: int) -> int:
    """Reserve ``count`` numbers for (unit, year); returns the first. The counter only ever goes up."""
    counter = CaseCounter.objects.select_for_update().filter(unit=unit, year=year).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = CaseCounter.objects.create(unit=unit, year=year, last_seq=0)
        except IntegrityError:
            # Another transaction created it first (PostgreSQL): lock theirs.
            counter = CaseCounter.objects.select_for_update().get(unit=unit, year=year)
    first = counter.last_seq + 1
    counter.last_seq += count
    counter.save(update_fields=["last_seq"])
    return first


@transaction.atomic
def cases_open_batch(*, actor: Any, rows: Sequence[CaseOpenInput]) -> list[Case]:
    """Open many cases with bulk writes: one counter bump per (unit, year), bulk links, events and audit."""
    rows = list(rows)
    if not rows:
        return []
    prepared = _validate_rows(actor, rows)
    groups: dict[tuple[int, int], list[_Prepared]] = defaultdict(list)
    for item in prepared:
        groups[(item.row.handling_unit.pk, item.opened_on.year)].append(item)
    numbers: dict[int, str] = {}
    for (_unit_id, year), items in sorted(groups.items()):
        unit = items[0].row.handling_unit
        first = _take_numbers(unit, year, len(items))
        for offset, item in enumerate(items):
            numbers[id(item)] = internal_number(unit, year, first + offset)
    make_case = builder(Case)
    cases = [
        make_case.new(
            related={
                "creditor": item.row.creditor,
                "handling_unit": item.row.handling_unit,
                "handler": item.row.handler,
            },
            internal_no=numbers[id(item)],
            unit_path=item.row.handling_unit.path,
            cause_of_action=item.cause_name,
            cause_version=item.row.cause_version,
            priority=item.row.priority,
            tags=list(item.row.tags),
            stage_id=item.row.stage,
            opened_on=item.opened_on,
            claim_currency=_currency_of(item.row.loans),
        )
        for item in prepared
    ]
    bulk_insert(Case, cases)
    make_link = builder(CaseLoan)
    links = [
        make_link.new(related={"case": case}, loan_id=loan_id, linked_on=item.opened_on)
        for case, item in zip(cases, prepared, strict=True)
        for loan_id in item.loan_ids
    ]
    bulk_insert(CaseLoan, links)
    Through = Case.co_handlers.through
    bulk_insert(
        Through,
        [
            Through(case_id=case.pk, user_id=user.pk)
            for case, item in zip(cases, prepared, strict=True)
            for user in {u.pk: u for u in item.row.co_handlers}.values()
        ],
    )
    rec = Recorded(actor)
    for case, item in zip(cases, prepared, strict=True):
        rec.add(
            case_id=case.pk,
            kind=CaseEvent.Kind.CREATED,
            action="case.opened",
            target=case,
            happened_on=item.opened_on,
            params={"internal_no": case.internal_no, "stage": case.stage_id, "loans": len(item.loan_ids)},
            changes={
                "internal_no": case.internal_no,
                "creditor": case.creditor_id,
                "handling_unit": case.handling_unit_id,
                "cause_of_action": case.cause_of_action,
                "handler": case.handler_id,
                "loans": item.loan_ids,
                "priority": case.priority,
                "tags": case.tags,
                "opened_on": item.opened_on,
            },
        )
    rec.write()
    return cases


def _currency_of(loans: Sequence[LoanContract]) -> str:
    currencies = {loan.currency for loan in loans}
    if len(currencies) > 1:
        raise DomainError(_("All loans in a case must be in the same currency."), code="mixed_currency")
    return currencies.pop() if currencies else "CNY"


def case_open(
    *,
    actor: Any,
    creditor: Creditor,
    handling_unit: OrgUnit,
    cause_of_action: str,
    loans: Sequence[LoanContract] = (),
    handler: Any = None,
    co_handlers: Sequence[Any] = (),
    opened_on: date | None = None,
    priority: str = Case.Priority.NORMAL,
    tags: Sequence[str] = (),
) -> Case:
    """Open one case (``cases_open_batch`` with one row)."""
    row = CaseOpenInput(
        creditor=creditor,
        handling_unit=handling_unit,
        cause_of_action=cause_of_action,
        loans=tuple(loans),
        handler=handler,
        co_handlers=tuple(co_handlers),
        opened_on=opened_on,
        priority=priority,
        tags=tuple(tags),
    )
    return cases_open_batch(actor=actor, rows=[row])[0]


def stage_label(code: str) -> str:
    stage = CaseStage.objects.filter(code=code).first()
    return stage.label if stage is not None else code


def allowed_stage_codes(from_stage: str) -> list[str]:
    return list(
        CaseStageTransition.objects.filter(from_stage_id=from_stage)
        .order_by("to_stage__order")
        .values_list("to_stage_id", flat=True)
    )


@transaction.atomic
def case_change_stage(*, actor: Any, case: Case, to_stage: str | CaseStage, version: int, note: str = "") -> Case:
    """Move the case to another internal stage along a seeded transition."""
    access.require_edit(actor, case)
    case = lock_case(case.pk, expected_version=version)
    target = to_stage.code if isinstance(to_stage, CaseStage) else str(to_stage)
    if not CaseStageTransition.objects.filter(from_stage_id=case.stage_id, to_stage_id=target).exists():
        raise DomainError(
            _("A case cannot move from “%(from)s” to “%(to)s”.")
            % {"from": stage_label(case.stage_id), "to": stage_label(target)},
            code="illegal_stage_move",
            params={"from": case.stage_id, "to": target},
        )
    return _apply_stage(actor=actor, case=case, target=target, note=note)


def _apply_stage(*, actor: Any, case: Case, target: str, note: str, outcome: str | None = None) -> Case:
    # Higher layers' rules (e.g. an approved complaint before filing) veto here, before anything is written.
    gates.require_stage_allowed(case, target)
    previous = case.stage_id
    case.stage_id = target
    fields = ["stage"]
    day = today()
    if target == CaseStage.CLOSED:
        case.is_closed, case.closed_on = True, day
        fields += ["is_closed", "closed_on"]
        # A closed case releases its loans: they may be sued on again in a new case.
        CaseLoan.objects.filter(case=case, active=True).update(active=False)
    if target == CaseStage.ARCHIVED:
        case.is_archived, case.archived_on = True, day
        fields += ["is_archived", "archived_on"]
    if outcome is not None:
        case.outcome = outcome
        fields.append("outcome")
    bump(case, *fields)
    kind = CaseEvent.Kind.CLOSED if target == CaseStage.CLOSED else CaseEvent.Kind.STAGE_CHANGED
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=kind,
        action="case.stage_changed",
        target=case,
        params={"from": previous, "to": target, "has_note": bool(note)},
        changes={"stage": [previous, target], "note": note, **({"outcome": outcome} if outcome is not None else {})},
    )
    return case


@transaction.atomic
def case_close(*, actor: Any, case: Case, outcome: str, version: int, note: str = "") -> Case:
    """Close the case with an outcome (a stage move to ``closed``)."""
    access.require_edit(actor, case)
    case = lock_case(case.pk, expected_version=version)
    if outcome not in Case.Outcome.values or not outcome:
        raise DomainError(_("Choose the outcome of the case."), code="invalid_outcome")
    if not CaseStageTransition.objects.filter(from_stage_id=case.stage_id, to_stage_id=CaseStage.CLOSED).exists():
        raise DomainError(
            _("A case cannot move from “%(from)s” to “%(to)s”.")
            % {"from": stage_label(case.stage_id), "to": stage_label(CaseStage.CLOSED)},
            code="illegal_stage_move",
        )
    return _apply_stage(actor=actor, case=case, target=CaseStage.CLOSED, note=note, outcome=outcome)


@transaction.atomic
def case_link_loan(*, actor: Any, case: Case, loan: LoanContract, version: int) -> CaseLoan:
    """Add a loan to an open case; a loan belongs to at most one open case."""
    access.require_edit(actor, case)
    case = lock_case(case.pk, expected_version=version)
    if case.is_closed:
        raise DomainError(_("This case is closed."), code="case_closed")
    if loan.creditor_id != case.creditor_id:
        raise DomainError(
            _("Loan %(contract)s belongs to another creditor.") % {"contract": loan.contract_no},
            code="loan_other_creditor",
        )
    if CaseLoan.objects.filter(case=case, loan=loan, active=True).exists():
        raise DomainError(_("This loan is already in this case."), code="loan_already_linked")
    _refuse_loans_in_open_cases([loan.pk])
    existing = list(case.loans.values_list("currency", flat=True).distinct())
    if existing and loan.currency not in existing:
        raise DomainError(_("All loans in a case must be in the same currency."), code="mixed_currency")
    link = CaseLoan.objects.create(case=case, loan=loan, linked_on=today())
    if not existing and case.claim_currency != loan.currency:
        case.claim_currency = loan.currency
        bump(case, "claim_currency")
    else:
        bump(case)
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.LOAN_LINKED,
        action="case.loan_linked",
        target=link,
        params={"contract_no": loan.contract_no},
    )
    return link


MAX_TAGS = 20
MAX_TAG_LENGTH = 30
_UNSET: Any = object()


def clean_tags(tags: Sequence[str]) -> list[str]:
    """Tags stripped, blanks dropped, duplicates removed (first spelling kept, case-insensitively)."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in tags:
        tag = " ".join(str(raw).split())
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise DomainError(
                _("A tag may have at most %(max)d characters: “%(tag)s”.") % {"max": MAX_TAG_LENGTH, "tag": tag},
                code="tag_too_long",
            )
        seen.add(tag.casefold())
        cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise DomainError(_("A case may have at most %(max)d tags.") % {"max": MAX_TAGS}, code="too_many_tags")
    return cleaned


@transaction.atomic
def case_update(
    *,
    actor: Any,
    case: Case,
    version: int,
    handler: Any = _UNSET,
    co_handlers: Sequence[Any] = _UNSET,
    priority: str = _UNSET,
    tags: Sequence[str] = _UNSET,
) -> Case:
    """Change who handles the case, its priority and tags; only the arguments passed are changed.

    The handler must be staff of the case's creditor who may edit cases and whose unit scope holds the case;
    co-handlers staff of the creditor who may edit cases (from any unit: that is what the team is for).
    Nothing changed writes nothing (no version bump, no event).
    """
    access.require_edit(actor, case)
    case = lock_case(case.pk, expected_version=version)
    wanted: dict[str, Any] = {}
    if handler is not _UNSET:
        if handler is not None and not access.case_handlers(case).filter(pk=handler.pk).exists():
            raise DomainError(
                _("%(user)s cannot handle this case: choose staff of its creditor and unit who may edit cases.")
                % {"user": handler},
                code="invalid_handler",
            )
        wanted["handler"] = handler
    if priority is not _UNSET:
        if priority not in _PRIORITIES:
            raise DomainError(_("Unknown priority: %(value)s") % {"value": priority}, code="invalid_priority")
        wanted["priority"] = priority
    if tags is not _UNSET:
        wanted["tags"] = clean_tags(tags)
    team_before = sorted(case.co_handlers.values_list("pk", flat=True))
    team_after = team_before
    if co_handlers is not _UNSET:
        team_after = sorted({user.pk for user in co_handlers})
        allowed = set(access.case_staff(case).filter(pk__in=team_after).values_list("pk", flat=True))
        refused = [user for user in co_handlers if user.pk not in allowed]
        if refused:
            raise DomainError(
                _("%(user)s cannot join this case: choose staff of its creditor who may edit cases.")
                % {"user": refused[0]},
                code="invalid_co_handler",
            )
    team_touched = handler is not _UNSET or co_handlers is not _UNSET
    new_handler = wanted.get("handler") if "handler" in wanted else case.handler
    if team_touched and new_handler is not None and new_handler.pk in team_after:
        raise DomainError(_("The handler cannot also be a co-handler."), code="handler_is_co_handler")
    changes = assign_changes(case, wanted)
    if team_after != team_before:
        changes["co_handlers"] = [team_before, team_after]
        case.co_handlers.set(team_after)
    if not changes:
        return case
    bump(case, *(name for name in changes if name != "co_handlers"))
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.UPDATED,
        action="case.updated",
        target=case,
        params={"changed": sorted(changes), **({"priority": changes["priority"]} if "priority" in changes else {})},
        changes=changes,
    )
    return case
