"""The in-memory picture of a case the progress import plans on, and the steps a row adds to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from loanlit.cases.models import (
    Case,
    CaseLoan,
    CostEntry,
    Court,
    Hearing,
    Judgment,
    JudgmentItem,
    Proceeding,
    ProceedingParty,
    Recovery,
    ServiceRecord,
)
from loanlit.imports.errors import RowError
from loanlit.imports.kinds.progress.fields import LOOKUP_CHUNK
from loanlit.loans.models import GuaranteeContract, LoanParty

# --- the picture of a case -------------------------------------------------------------------------------


@dataclass
class ProcState:
    pk: int | None
    kind: str
    court_id: int | None
    number: str
    filed_on: date | None = None
    accepted_on: date | None = None
    judge: str = ""
    result: str = ""
    result_on: date | None = None
    hearings: set[datetime] = field(default_factory=set)
    judgment: tuple[date, str, dict[str, Decimal]] | None = None  # (judged_on, kind, {item kind: amount})
    participants: list[int] = field(default_factory=list)  # ProceedingParty pks; planned ones negative
    served: set[tuple[int, str, date]] = field(default_factory=set)  # (participant, document, served_on)


@dataclass
class CaseState:
    case: Case
    proceedings: list[ProcState] = field(default_factory=list)
    costs: set[tuple[str, Decimal, date]] = field(default_factory=set)
    recoveries: set[tuple[Decimal, date, str]] = field(default_factory=set)
    borrowers: list[int] = field(default_factory=list)  # party pks
    guarantors: list[int] = field(default_factory=list)
    planned: int = 0  # counter for planned participants' temporary keys

    def clone(self) -> CaseState:
        """A copy to plan on: a row refused half-way leaves the picture as it was."""
        return CaseState(
            case=self.case,
            proceedings=[
                replace(
                    p,
                    hearings=set(p.hearings),
                    judgment=(p.judgment[0], p.judgment[1], dict(p.judgment[2])) if p.judgment else None,
                    participants=list(p.participants),
                    served=set(p.served),
                )
                for p in self.proceedings
            ],
            costs=set(self.costs),
            recoveries=set(self.recoveries),
            borrowers=list(self.borrowers),
            guarantors=list(self.guarantors),
            planned=self.planned,
        )

    def by_number(self, number: str) -> ProcState | None:
        return next((p for p in self.proceedings if p.number and p.number == number), None)

    def latest(self, kinds: frozenset[str] | set[str] | None = None) -> ProcState | None:
        pool = [p for p in self.proceedings if kinds is None or p.kind in kinds]
        return pool[-1] if pool else None


def chunks(values: Sequence[Any]) -> list[list[Any]]:
    values = list(values)
    return [values[i : i + LOOKUP_CHUNK] for i in range(0, len(values), LOOKUP_CHUNK)]


def load_states(cases: Sequence[Case]) -> dict[int, CaseState]:
    """What is on file for these cases, in a few queries per 500 cases."""
    states = {case.pk: CaseState(case=case) for case in cases}
    for ids in chunks(sorted(states)):
        procs: dict[int, ProcState] = {}
        for p in Proceeding.objects.filter(case_id__in=ids).order_by("pk"):
            procs[p.pk] = ProcState(
                pk=p.pk,
                kind=p.kind,
                court_id=p.court_id,
                number=p.court_case_number,
                filed_on=p.filed_on,
                accepted_on=p.accepted_on,
                judge=p.judge,
                result=p.result,
                result_on=p.result_on,
            )
            states[p.case_id].proceedings.append(procs[p.pk])
        if procs:
            proc_ids = list(procs)
            for starts_at, proc_id in Hearing.objects.filter(proceeding_id__in=proc_ids).values_list(
                "starts_at", "proceeding_id"
            ):
                procs[proc_id].hearings.add(starts_at)
            judgments = {j.pk: j for j in Judgment.objects.filter(proceeding_id__in=proc_ids)}
            amounts: dict[int, dict[str, Decimal]] = {pk: {} for pk in judgments}
            for item in JudgmentItem.objects.filter(judgment_id__in=list(judgments), amount__isnull=False):
                bucket = amounts[item.judgment_id]
                bucket[item.kind] = bucket.get(item.kind, Decimal("0.00")) + item.amount
            for j in judgments.values():
                procs[j.proceeding_id].judgment = (j.judged_on, j.kind, amounts[j.pk])
            for pk, proc_id in (
                ProceedingParty.objects.filter(proceeding_id__in=proc_ids)
                .order_by("pk")
                .values_list("pk", "proceeding_id")
            ):
                procs[proc_id].participants.append(pk)
            for proc_id, participant, document, served_on in ServiceRecord.objects.filter(
                proceeding_id__in=proc_ids
            ).values_list("proceeding_id", "proceeding_party_id", "document", "served_on"):
                procs[proc_id].served.add((participant, document, served_on))
        for cost in CostEntry.objects.filter(case_id__in=ids).only("case_id", "kind", "amount", "paid_on", "currency"):
            states[cost.case_id].costs.add((cost.kind, cost.amount, cost.paid_on))
        for rec in Recovery.objects.filter(case_id__in=ids).only(
            "case_id", "amount", "received_on", "source", "currency"
        ):
            states[rec.case_id].recoveries.add((rec.amount, rec.received_on, rec.source))
        links = CaseLoan.objects.filter(case_id__in=ids, active=True).values_list("case_id", "loan_id")
        loans_of: dict[int, list[int]] = {}
        for case_id, loan_id in links:
            loans_of.setdefault(loan_id, []).append(case_id)
        if loans_of:
            for loan_id, party_id in (
                LoanParty.objects.filter(loan_id__in=list(loans_of))
                .order_by("position", "pk")
                .values_list("loan_id", "party_id")
            ):
                for case_id in loans_of[loan_id]:
                    if party_id not in states[case_id].borrowers:
                        states[case_id].borrowers.append(party_id)
            through = GuaranteeContract.loans.through
            for loan_id, party_id in (
                through.objects.filter(loancontract_id__in=list(loans_of))
                .order_by("guaranteecontract__contract_no", "pk")
                .values_list("loancontract_id", "guaranteecontract__guarantor_id")
            ):
                for case_id in loans_of[loan_id]:
                    state = states[case_id]
                    if party_id not in state.guarantors and party_id not in state.borrowers:
                        state.guarantors.append(party_id)
    return states


# --- steps ---------------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One change a row makes: what the preview shows (``field`` → [on file, in file]) and how to write it."""

    field: str
    before: str
    after: str
    apply: Callable[[Any], None]  # called with the actor inside the row's savepoint


def written(proc: ProcState) -> Proceeding:
    """The proceeding a step writes to, as it is now (an earlier step of the commit may have opened it)."""
    assert proc.pk is not None, "a proceeding is opened before anything is written to it"
    return Proceeding.objects.get(pk=proc.pk)


def court_name(pk: int | None) -> str:
    return (Court.objects.filter(pk=pk).values_list("name", flat=True).first() or "") if pk else ""


def iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def judgment_text(judged_on: date, kind: str, amounts: dict[str, Decimal]) -> str:
    parts = ", ".join(f"{k} {money_text(v)}" for k, v in amounts.items())
    return f"{judged_on.isoformat()} {kind}: {parts}" if parts else f"{judged_on.isoformat()} {kind}"


@dataclass
class RowPlan:
    case: Case | None = None
    proceeding: ProcState | None = None
    steps: list[Step] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
