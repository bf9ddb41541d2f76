"""What an export row needs beyond the case row itself, loaded for a whole chunk of cases at once.

A fixed number of queries per chunk, whatever its size (no N+1): loans and borrowers, phones, proceedings,
hearings, judgments, and the cost, recovery and deadline totals grouped by case. Personal data is the
mask the lists show unless the export may reveal it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.db.models import F, Q, Sum
from django.utils import timezone

from loanlit.cases.models import Case, CaseLoan, CostEntry, Hearing, Judgment, Proceeding, Recovery
from loanlit.core.fields import MoneyField
from loanlit.deadlines.models import Deadline
from loanlit.loans.models import LoanParty
from loanlit.parties.models import Party, PartyContact

ZERO = Decimal("0.00")
OPEN_DEADLINES = (Deadline.Status.OPEN, Deadline.Status.MISSED)


@dataclass
class JudgmentFacts:
    judged_on: date
    adjudicated_amount: Decimal
    effective_on: date | None


@dataclass
class CaseFacts:
    creditor: str = ""
    handling_unit: str = ""
    handler: str = ""
    law_firm: str = ""
    stage: str = ""
    contract_nos: list[str] = field(default_factory=list)
    borrowers: list[Party] = field(default_factory=list)
    borrower_ids: list[str] = field(default_factory=list)
    borrower_phones: list[str] = field(default_factory=list)
    written_off_on: date | None = None
    proceedings: list[Proceeding] = field(default_factory=list)  # oldest first
    hearing_days: list[date] = field(default_factory=list)
    judgment: JudgmentFacts | None = None  # the latest judgment or mediation statement (rulings excluded)
    costs_paid: Decimal = ZERO  # net of refunds
    costs_borne_by_defendant: Decimal = ZERO  # net of refunds
    acceptance_fee_paid: Decimal = ZERO  # net of refunds
    recovered: Decimal = ZERO
    recovered_after_judgment: Decimal = ZERO
    recovered_after_write_off: Decimal = ZERO
    next_deadline: tuple[date, str] | None = None  # (due on, kind)


# Only these columns of a case are read (no JSON claim breakdown, no related rows: names come from Names).
CASE_FIELDS: Final = (
    "internal_no",
    "creditor",
    "handling_unit",
    "handler",
    "law_firm",
    "stage",
    "cause_of_action",
    "claim_currency",
    "claim_principal",
    "claim_interest",
    "claim_penalty",
    "claim_compound",
    "claim_fees",
    "claim_total",
    "claim_acceptance_fee",
    "outcome",
    "opened_on",
    "closed_on",
)
_PARTY_PERSONAL = ("id_number", "document_number")


def _party_columns(*, reveal: bool) -> list[str]:
    """The party columns a row needs: the masks, and the ciphertext and digest only when revealing."""
    names = ["name", "uscc"]
    for field_name in _PARTY_PERSONAL:
        names.append(f"{field_name}_masked")
        if reveal:
            names += [f"{field_name}_cipher", f"{field_name}_hmac"]
    return names


class Names:
    """Display names of the few creditors, units, users, firms and stages an export mentions, fetched once
    each for the whole export instead of joined into every row."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Any], str] = {}

    def _load(self, label: str, model: Any, ids: set[Any]) -> None:
        missing = {pk for pk in ids if pk is not None and (label, pk) not in self._cache}
        if missing:
            for row in model.objects.filter(pk__in=missing):
                self._cache[(label, row.pk)] = str(row)

    def get(self, label: str, pk: Any) -> str:
        return self._cache.get((label, pk), "") if pk is not None else ""

    def load(self, cases: Sequence[Case]) -> None:
        from loanlit.accounts.models import User
        from loanlit.cases.models import CaseStage, LawFirm
        from loanlit.core.models import Creditor, OrgUnit

        self._load("creditor", Creditor, {case.creditor_id for case in cases})
        self._load("unit", OrgUnit, {case.handling_unit_id for case in cases})
        self._load("user", User, {case.handler_id for case in cases})
        self._load("firm", LawFirm, {case.law_firm_id for case in cases})
        self._load("stage", CaseStage, {case.stage_id for case in cases})


def shown(value: Any, *, reveal: bool) -> str:
    """A personal value as this export shows it: the plaintext when allowed, else the lists' mask."""
    if value is None:
        return ""
    return value.reveal() if reveal else value.masked


def identity(party: Party, *, reveal: bool) -> str:
    """The identity number the case list shows for a party (USCC for a company: a public number)."""
    if party.uscc:
        return party.uscc
    return shown(party.id_number or party.document_number, reveal=reveal)


def _money_sum(expression: Any, condition: Q | None = None) -> Sum:
    return Sum(expression, filter=condition, output_field=MoneyField())


def load_facts(
    cases: Sequence[Case], *, reveal: bool, ledger: bool, names: Names | None = None
) -> dict[int, CaseFacts]:
    """Facts for every case in ``cases`` (already scoped); ``ledger`` adds what only the ledger shows."""
    ids = [case.pk for case in cases]
    names = names or Names()
    names.load(cases)
    facts = {
        case.pk: CaseFacts(
            creditor=names.get("creditor", case.creditor_id),
            handling_unit=names.get("unit", case.handling_unit_id),
            handler=names.get("user", case.handler_id),
            law_firm=names.get("firm", case.law_firm_id),
            stage=names.get("stage", case.stage_id),
        )
        for case in cases
    }
    _loans_and_borrowers(facts, ids, reveal=reveal, phones=ledger)
    _proceedings(facts, ids)
    _judgments(facts, ids)
    _recoveries(facts, ids)
    if ledger:
        _hearings(facts, ids)
        _costs(facts, ids)
    else:
        _next_deadlines(facts, ids)
    return facts


def _loans_and_borrowers(facts: dict[int, CaseFacts], ids: list[int], *, reveal: bool, phones: bool) -> None:
    # Loans still linked (unlinked_on empty), also on a closed case: the ledger keeps its contracts.
    links = list(
        CaseLoan.objects.filter(case_id__in=ids, unlinked_on__isnull=True)
        .order_by("case_id", "pk")
        .values_list("case_id", "loan_id", "loan__contract_no", "loan__written_off_on")
    )
    loan_ids = {loan_id for _case_id, loan_id, _no, _off in links}
    borrower_links = list(
        LoanParty.objects.filter(loan_id__in=loan_ids, role=LoanParty.Role.BORROWER)
        .order_by("loan_id", "position", "pk")
        .values_list("loan_id", "party_id")
    )
    parties = {
        party.pk: party
        for party in Party.objects.filter(pk__in={party_id for _loan, party_id in borrower_links}).only(
            *_party_columns(reveal=reveal)
        )
    }
    by_loan: dict[int, list[Party]] = defaultdict(list)
    for loan_id, party_id in borrower_links:
        by_loan[loan_id].append(parties[party_id])
    seen: dict[int, set[int]] = defaultdict(set)
    for case_id, loan_id, contract_no, written_off_on in links:
        row = facts[case_id]
        row.contract_nos.append(contract_no)
        if written_off_on and (row.written_off_on is None or written_off_on > row.written_off_on):
            row.written_off_on = written_off_on
        for party in by_loan.get(loan_id, []):
            if party.pk not in seen[case_id]:
                seen[case_id].add(party.pk)
                row.borrowers.append(party)
    phones_of: dict[int, list[str]] = defaultdict(list)
    if phones:
        columns = ["party_id", "phone_masked"] + (["phone_cipher", "phone_hmac"] if reveal else [])
        contacts = (
            PartyContact.objects.filter(
                party_id__in=list(parties), kind=PartyContact.Kind.PHONE, superseded_at__isnull=True
            )
            .order_by("party_id", "-recorded_at", "-pk")
            .only(*columns)
        )
        for contact in contacts:
            if contact.phone is not None:
                phones_of[contact.party_id].append(shown(contact.phone, reveal=reveal))
    for row in facts.values():
        row.borrower_ids = [identity(party, reveal=reveal) for party in row.borrowers]
        row.borrower_phones = [phone for party in row.borrowers for phone in phones_of.get(party.pk, [])]


def _proceedings(facts: dict[int, CaseFacts], ids: list[int]) -> None:
    for proceeding in Proceeding.objects.filter(case_id__in=ids).select_related("court").order_by("pk"):
        facts[proceeding.case_id].proceedings.append(proceeding)


def _hearings(facts: dict[int, CaseFacts], ids: list[int]) -> None:
    rows = (
        Hearing.objects.filter(proceeding__case_id__in=ids)
        .order_by("starts_at", "pk")
        .values_list("proceeding__case_id", "starts_at")
    )
    for case_id, starts_at in rows:
        facts[case_id].hearing_days.append(timezone.localtime(starts_at).date())


def _judgments(facts: dict[int, CaseFacts], ids: list[int]) -> None:
    rows = (
        Judgment.objects.filter(proceeding__case_id__in=ids)
        .exclude(kind=Judgment.Kind.RULING)
        .order_by("judged_on", "pk")  # the last one per case wins: the latest, as cases.ledger takes it
        .values_list("proceeding__case_id", "judged_on", "adjudicated_amount", "effective_on")
    )
    for case_id, judged_on, amount, effective_on in rows:
        facts[case_id].judgment = JudgmentFacts(judged_on, amount, effective_on)


def _costs(facts: dict[int, CaseFacts], ids: list[int]) -> None:
    net = F("amount") - F("refunded_amount")
    rows = (
        CostEntry.objects.filter(case_id__in=ids)
        .order_by()
        .values("case_id")
        .annotate(
            paid=_money_sum(net),
            borne=_money_sum(net, Q(borne_by_defendant=True)),
            acceptance=_money_sum(net, Q(kind=CostEntry.Kind.ACCEPTANCE_FEE)),
        )
    )
    for row in rows:
        target = facts[row["case_id"]]
        target.costs_paid = row["paid"] or ZERO
        target.costs_borne_by_defendant = row["borne"] or ZERO
        target.acceptance_fee_paid = row["acceptance"] or ZERO


def _recoveries(facts: dict[int, CaseFacts], ids: list[int]) -> None:
    rows = (
        Recovery.objects.filter(case_id__in=ids)
        .order_by()
        .values("case_id")
        .annotate(
            total=_money_sum("amount"),
            after_judgment=_money_sum("amount", Q(phase=Recovery.Phase.ENFORCEMENT)),
            after_write_off=_money_sum("amount", Q(after_write_off=True)),
        )
    )
    for row in rows:
        target = facts[row["case_id"]]
        target.recovered = row["total"] or ZERO
        target.recovered_after_judgment = row["after_judgment"] or ZERO
        target.recovered_after_write_off = row["after_write_off"] or ZERO


def _next_deadlines(facts: dict[int, CaseFacts], ids: list[int]) -> None:
    rows = (
        Deadline.objects.filter(case_id__in=ids, status__in=OPEN_DEADLINES)
        .order_by("case_id", "due_on", "pk")
        .values_list("case_id", "due_on", "kind")
    )
    for case_id, due_on, kind in rows:
        if facts[case_id].next_deadline is None:
            facts[case_id].next_deadline = (due_on, kind)


def outstanding(case: Case, row: CaseFacts) -> Decimal:
    """What the defendant still owes, by the rule of ``loanlit.cases.ledger.case_outstanding``."""
    if row.judgment is not None:
        left = row.judgment.adjudicated_amount + row.costs_borne_by_defendant - row.recovered_after_judgment
    else:
        left = case.claim_total + row.costs_borne_by_defendant - row.recovered
    return max(left, ZERO)
