"""CaseFact rows: one denormalised statistics row per case, rebuilt from the case and its ledger at will.

``facts_refresh(case_ids=…)`` is batch-shaped: a fixed number of queries per chunk of cases, whatever the
chunk's size (one ``values()`` read per source table, grouped by case id, then one upsert). After writing
the facts it refreshes the summary cells the cases left and entered (``summaries.cells_refresh``) and the
cycle-time counts of their units (``summaries.cycles_refresh``), and stamps ``SummaryState("cases")``.

What each column means (the skeleton's design decisions, in one place):

* **Outcome class** — the decision is the latest trial-level proceeding (pre-filing mediation, first
  instance, second instance, retrial, payment order, arbitration) with a deciding result, latest by
  (result date, pk). A judgment or mediation counts when its items are recorded: principal awarded ≥
  principal claimed and the rest awarded (interest + penalty + compound + lawyer's fee) ≥ the rest claimed
  (interest + penalty + compound + fees) → won; the principal in full but the rest less → partly won;
  the principal less → lost. Dismissed → lost. Withdrawn or paid → withdrawn after full payment when the
  recoveries reach the claim total (or the case was closed "recovered in full"), else withdrawn. An
  appeal or a retrial that ends without a judgment of its own (appeal dismissed or withdrawn: 驳回上诉,
  撤回上诉) leaves the earlier decision standing. Nothing decided → pending.
* **adjudicated / judged_on** — the deciding judgment's adjudicated amount and date (0 / empty otherwise).
* **recovered** — every recovery; by disposal: settlement in kind and debt transfer by source, the part
  of other recoveries counted against a workflow settlement plan (SettlementPayment) is restructuring,
  the rest cash; after write-off = recoveries flagged ``after_write_off``.
* **costs** — Σ (amount − refunded); **written_off_amount** — Σ WriteOff.amount.
* **entered_enforcement** — any enforcement-kind proceeding; **terminated_for_now** — a Termination row or
  an enforcement proceeding with the result "terminated for now".
* **court** — of the latest trial-level proceeding with a court, else of the latest proceeding with one;
  **court_province** — the court's region code, first two digits.
* **product** — the case's first linked loan (lowest CaseLoan pk); **borrower_province** — the first two
  digits of that loan's first borrower's (lowest position) resident ID, when the ID is a valid resident
  identity card number. The ID is decrypted here only, and only the two digits are kept.
* **position** — the derived procedural position (``cases.positions``), copied for grouping.

Money is in the case's currency; the summaries add CNY cases only.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from loanlit.cases import positions
from loanlit.cases.models import Case, CaseEvent, CaseLoan, CostEntry, JudgmentItem, Proceeding, Recovery
from loanlit.cases.models.judgment import ADJUDICATED_KINDS
from loanlit.core import crypto
from loanlit.core.fields import MoneyField, PersonalDataField
from loanlit.enforcement.models import Termination, WriteOff
from loanlit.loans.models import LoanParty
from loanlit.parties.models import Party
from loanlit.reports.definitions import PROVINCES, month_start
from loanlit.reports.models import CaseFact, OutcomeClass, SummaryState
from loanlit.reports.services import summaries
from loanlit.workflow.models import SettlementPayment

logger = logging.getLogger(__name__)

ZERO: Final = Decimal("0.00")
STATE_NAME: Final = "cases"
CHUNK_SIZE: Final = 500
# Events and case saves this recent are scanned again by the next incremental refresh: a transaction that
# wrote an event with a lower id may commit after one with a higher id (PostgreSQL sequences).
WATERMARK_LAG: Final = timedelta(minutes=2)

TRIAL_KINDS: Final = frozenset(
    {
        Proceeding.Kind.PRE_FILING_MEDIATION,
        Proceeding.Kind.FIRST_INSTANCE,
        Proceeding.Kind.SECOND_INSTANCE,
        Proceeding.Kind.RETRIAL,
        Proceeding.Kind.PAYMENT_ORDER,
        Proceeding.Kind.ARBITRATION,
    }
)
# Review instances: without a judgment of their own they leave the earlier decision standing.
APPELLATE_KINDS: Final = frozenset({Proceeding.Kind.SECOND_INSTANCE, Proceeding.Kind.RETRIAL})
JUDGED_RESULTS: Final = frozenset({Proceeding.Result.JUDGMENT, Proceeding.Result.MEDIATION})
WITHDRAWN_RESULTS: Final = frozenset({Proceeding.Result.WITHDRAWN, Proceeding.Result.PAID})
DECIDING_RESULTS: Final = JUDGED_RESULTS | WITHDRAWN_RESULTS | {Proceeding.Result.DISMISSED}
OTHER_AWARD_KINDS: Final = frozenset(ADJUDICATED_KINDS - {JudgmentItem.Kind.PRINCIPAL})
UNCLASSIFIED_SOURCES: Final = frozenset({Recovery.Source.SETTLEMENT_IN_KIND, Recovery.Source.DEBT_TRANSFER})

# The CaseFact columns written (all but the primary key).
FACT_FIELDS: Final = tuple(f.name for f in CaseFact._meta.concrete_fields if not f.primary_key)


# --- one case's facts (pure: from the rows the chunk read) -------------------------------------------------


@dataclass
class _ProceedingRow:
    pk: int
    kind: str
    court_id: int | None
    region_code: str
    result: str
    result_on: date | None
    is_active: bool
    judgment_id: int | None
    judged_on: date | None
    adjudicated: Decimal
    principal_awarded: Decimal = ZERO
    other_awarded: Decimal = ZERO


@dataclass
class _Money:
    recovered: Decimal = ZERO
    after_write_off: Decimal = ZERO
    in_kind: Decimal = ZERO
    transfer: Decimal = ZERO
    restructuring: Decimal = ZERO
    first_recovery_on: date | None = None
    costs: Decimal = ZERO
    written_off: Decimal = ZERO
    write_offs: int = 0
    terminated: bool = False


@dataclass
class _Dimensions:
    product: str = ""
    borrower_province: str = ""


@dataclass
class _Chunk:
    cases: list[Mapping[str, Any]]
    proceedings: dict[int, list[_ProceedingRow]] = field(default_factory=lambda: defaultdict(list))
    money: dict[int, _Money] = field(default_factory=lambda: defaultdict(_Money))
    dimensions: dict[int, _Dimensions] = field(default_factory=lambda: defaultdict(_Dimensions))


def _decision(rows: Sequence[_ProceedingRow]) -> _ProceedingRow | None:
    """The trial-level proceeding whose result decides the case (see the module docstring)."""

    def deciding(row: _ProceedingRow) -> bool:
        if row.kind not in TRIAL_KINDS or row.result not in DECIDING_RESULTS:
            return False
        # A judgment or mediation counts once its decision (the items) is recorded.
        return row.result not in JUDGED_RESULTS or row.judgment_id is not None

    candidates = sorted((r for r in rows if deciding(r)), key=lambda r: (r.result_on or date.min, r.pk))
    if not candidates:
        return None
    standing = [r for r in candidates if r.kind not in APPELLATE_KINDS or r.judgment_id is not None]
    return standing[-1] if standing else candidates[-1]


def outcome_class(
    *,
    decision: _ProceedingRow | None,
    claim_principal: Decimal,
    claim_other: Decimal,
    claim_total: Decimal,
    recovered: Decimal,
    case_outcome: str,
) -> str:
    if decision is None:
        return OutcomeClass.PENDING
    if decision.result == Proceeding.Result.DISMISSED:
        return OutcomeClass.LOST
    if decision.result in WITHDRAWN_RESULTS:
        paid_in_full = (claim_total > 0 and recovered >= claim_total) or (
            case_outcome == Case.Outcome.RECOVERED_IN_FULL
        )
        return OutcomeClass.RECOVERED_WITHDRAWN if paid_in_full else OutcomeClass.WITHDRAWN
    if decision.principal_awarded < claim_principal:
        return OutcomeClass.LOST
    if decision.other_awarded < claim_other:
        return OutcomeClass.PARTLY_WON
    return OutcomeClass.WON


def _court(rows: Sequence[_ProceedingRow]) -> _ProceedingRow | None:
    with_court = [r for r in rows if r.court_id is not None]
    trial = [r for r in with_court if r.kind in TRIAL_KINDS]
    pool = trial or with_court
    return max(pool, key=lambda r: r.pk) if pool else None


def _position(rows: Sequence[_ProceedingRow]) -> str:
    # The same rule as cases.positions.current_proceeding, over the rows already read.
    active = [r for r in rows if r.is_active]
    pool = active or list(rows)
    if not pool:
        return positions.position_of(None).code
    row = max(pool, key=lambda r: r.pk)
    return positions.position_of(Proceeding(pk=row.pk, kind=row.kind, result=row.result)).code


def _fact(case: Mapping[str, Any], chunk: _Chunk, now: datetime) -> CaseFact:
    pk = case["pk"]
    rows = chunk.proceedings.get(pk, [])
    money = chunk.money.get(pk) or _Money()
    dims = chunk.dimensions.get(pk) or _Dimensions()
    decision = _decision(rows)
    claim_other = case["claim_interest"] + case["claim_penalty"] + case["claim_compound"] + case["claim_fees"]
    outcome = outcome_class(
        decision=decision,
        claim_principal=case["claim_principal"],
        claim_other=claim_other,
        claim_total=case["claim_total"],
        recovered=money.recovered,
        case_outcome=case["outcome"],
    )
    judged = decision if decision is not None and decision.judgment_id is not None else None
    court = _court(rows)
    region = court.region_code if court is not None else ""
    enforcement = [r for r in rows if r.kind in positions.ENFORCEMENT_KINDS]
    cash = money.recovered - money.in_kind - money.transfer - money.restructuring
    return CaseFact(
        case_id=pk,
        creditor_id=case["creditor_id"],
        unit_id=case["handling_unit_id"],
        unit_path=case["unit_path"],
        court_id=court.court_id if court is not None else None,
        court_province=region[:2] if len(region) >= 2 else "",
        borrower_province=dims.borrower_province,
        product=dims.product,
        cause_of_action=case["cause_of_action"],
        handler_id=case["handler_id"],
        law_firm_id=case["law_firm_id"],
        stage=case["stage_id"],
        position=_position(rows),
        outcome_class=outcome,
        opened_on=case["opened_on"],
        cohort_month=month_start(case["opened_on"]),
        is_open=not case["is_closed"],
        closed_on=case["closed_on"] if case["is_closed"] else None,
        judged_on=judged.judged_on if judged is not None else None,
        first_recovery_on=money.first_recovery_on,
        entered_enforcement=bool(enforcement),
        terminated_for_now=money.terminated
        or any(r.result == Proceeding.Result.TERMINATED_FOR_NOW for r in enforcement),
        written_off=money.write_offs > 0,
        currency=case["claim_currency"],
        claim=case["claim_total"],
        claim_principal=case["claim_principal"],
        adjudicated=judged.adjudicated if judged is not None else ZERO,
        recovered=money.recovered,
        recovered_after_write_off=money.after_write_off,
        recovered_cash=cash,
        recovered_in_kind=money.in_kind,
        recovered_transfer=money.transfer,
        recovered_restructuring=money.restructuring,
        written_off_amount=money.written_off,
        costs=money.costs,
        refreshed_at=now,
    )


# --- reading a chunk: one query per source table ----------------------------------------------------------


def _money_sum(name: str) -> Sum:
    return Sum(name, output_field=MoneyField())


def _read_chunk(case_ids: Sequence[int]) -> _Chunk:
    chunk = _Chunk(
        cases=list(
            Case.objects.filter(pk__in=case_ids)
            .order_by("pk")
            .values(
                "pk",
                "creditor_id",
                "handling_unit_id",
                "unit_path",
                "cause_of_action",
                "handler_id",
                "law_firm_id",
                "stage_id",
                "outcome",
                "opened_on",
                "is_closed",
                "closed_on",
                "claim_currency",
                "claim_principal",
                "claim_interest",
                "claim_penalty",
                "claim_compound",
                "claim_fees",
                "claim_total",
            )
        )
    )
    if not chunk.cases:
        return chunk
    ids = [c["pk"] for c in chunk.cases]
    by_judgment: dict[int, _ProceedingRow] = {}
    for p in (
        Proceeding.objects.filter(case_id__in=ids)
        .order_by("pk")
        .values(
            "pk",
            "case_id",
            "kind",
            "court_id",
            "court__region_code",
            "result",
            "result_on",
            "is_active",
            "judgment__id",
            "judgment__judged_on",
            "judgment__adjudicated_amount",
        )
    ):
        row = _ProceedingRow(
            pk=p["pk"],
            kind=p["kind"],
            court_id=p["court_id"],
            region_code=p["court__region_code"] or "",
            result=p["result"],
            result_on=p["result_on"],
            is_active=p["is_active"],
            judgment_id=p["judgment__id"],
            judged_on=p["judgment__judged_on"],
            adjudicated=p["judgment__adjudicated_amount"] or ZERO,
        )
        chunk.proceedings[p["case_id"]].append(row)
        if row.judgment_id is not None:
            by_judgment[row.judgment_id] = row
    if by_judgment:
        for item in (
            JudgmentItem.objects.filter(
                judgment__proceeding__case_id__in=ids, kind__in=ADJUDICATED_KINDS, amount__isnull=False
            )
            .values("judgment_id", "kind")
            .annotate(total=_money_sum("amount"))
            .order_by()
        ):
            target = by_judgment.get(item["judgment_id"])
            if target is None:
                continue
            if item["kind"] == JudgmentItem.Kind.PRINCIPAL:
                target.principal_awarded += item["total"] or ZERO
            else:
                target.other_awarded += item["total"] or ZERO
    for r in (
        Recovery.objects.filter(case_id__in=ids)
        .values("case_id", "source", "after_write_off")
        .annotate(total=_money_sum("amount"), first=Min("received_on"))
        .order_by()
    ):
        money = chunk.money[r["case_id"]]
        total = r["total"] or ZERO
        money.recovered += total
        if r["after_write_off"]:
            money.after_write_off += total
        if r["source"] == Recovery.Source.SETTLEMENT_IN_KIND:
            money.in_kind += total
        elif r["source"] == Recovery.Source.DEBT_TRANSFER:
            money.transfer += total
        if money.first_recovery_on is None or r["first"] < money.first_recovery_on:
            money.first_recovery_on = r["first"]
    for s in (
        SettlementPayment.objects.filter(recovery__case_id__in=ids)
        .exclude(recovery__source__in=UNCLASSIFIED_SOURCES)
        .values("recovery_id", "recovery__case_id", "recovery__amount")
        .annotate(paid=_money_sum("amount"))
        .order_by()
    ):
        # The part of a recovery counted against a settlement plan (never more than the recovery).
        chunk.money[s["recovery__case_id"]].restructuring += min(s["paid"] or ZERO, s["recovery__amount"])
    for c in (
        CostEntry.objects.filter(case_id__in=ids)
        .values("case_id")
        .annotate(paid=_money_sum("amount"), refunded=_money_sum("refunded_amount"))
        .order_by()
    ):
        chunk.money[c["case_id"]].costs = (c["paid"] or ZERO) - (c["refunded"] or ZERO)
    for w in (
        WriteOff.objects.filter(case_id__in=ids)
        .values("case_id")
        .annotate(total=_money_sum("amount"), n=Count("pk"))
        .order_by()
    ):
        chunk.money[w["case_id"]].written_off = w["total"] or ZERO
        chunk.money[w["case_id"]].write_offs = w["n"]
    for case_id in Termination.objects.filter(case_id__in=ids).values_list("case_id", flat=True).order_by():
        chunk.money[case_id].terminated = True
    _read_dimensions(chunk, ids)
    return chunk


def _read_dimensions(chunk: _Chunk, ids: Sequence[int]) -> None:
    """Product of the first linked loan and its first borrower's registered province (two digits)."""
    first_loan: dict[int, int] = {}
    for link in (
        CaseLoan.objects.filter(case_id__in=ids).order_by("case_id", "pk").values("case_id", "loan_id", "loan__product")
    ):
        if link["case_id"] in first_loan:
            continue
        first_loan[link["case_id"]] = link["loan_id"]
        chunk.dimensions[link["case_id"]].product = link["loan__product"]
    if not first_loan:
        return
    borrower: dict[int, Mapping[str, Any]] = {}
    for row in (
        LoanParty.objects.filter(loan_id__in=set(first_loan.values()), role=LoanParty.Role.BORROWER)
        .order_by("loan_id", "position", "pk")
        .values("loan_id", "party_id", "party__id_type", "party__id_valid", "party__id_number_cipher")
    ):
        borrower.setdefault(row["loan_id"], row)
    provinces: dict[int, str] = {}  # party id → province: a party borrowing in many cases is decrypted once
    for case_id, loan_id in first_loan.items():
        first = borrower.get(loan_id)
        if first is None:
            continue
        party_id = first["party_id"]
        if party_id not in provinces:
            provinces[party_id] = _province(first)
        chunk.dimensions[case_id].borrower_province = provinces[party_id]


_ID_CONTEXT: Final = cast(PersonalDataField, Party._meta.get_field("id_number")).context


def _province(row: Mapping[str, Any]) -> str:
    """The registered province of a valid resident ID: its first two digits; nothing else is kept."""
    cipher = row["party__id_number_cipher"]
    if row["party__id_type"] != Party.IdType.RIC or not row["party__id_valid"] or not cipher:
        return ""
    try:
        code = crypto.decrypt(cipher, context=_ID_CONTEXT)[:2]
    except crypto.CryptoError:
        logger.warning("The ID number of party %s could not be decrypted for the statistics.", row["party_id"])
        return ""
    return code if code in PROVINCES else ""


# --- writing ------------------------------------------------------------------------------------------------


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def _upsert(facts: list[CaseFact]) -> None:
    if not facts:
        return
    # An upsert, not delete + insert: two refreshes of the same case after two commits may run at once.
    options: dict[str, Any] = {"update_conflicts": True, "update_fields": list(FACT_FIELDS)}
    if connection.features.supports_update_conflicts_with_target:
        options["unique_fields"] = ["case"]
    CaseFact.objects.bulk_create(facts, batch_size=CHUNK_SIZE, **options)


@dataclass
class _Touched:
    cells: set[summaries.Cell] = field(default_factory=set)
    units: set[summaries.UnitKey] = field(default_factory=set)

    def add(self, creditor_id: int, unit_path: str, cohort_month: date) -> None:
        self.cells.add((creditor_id, unit_path, cohort_month))
        self.units.add((creditor_id, unit_path))


def _write_chunk(case_ids: Sequence[int], *, now: datetime, touched: _Touched | None) -> int:
    """Recompute and store the facts of ``case_ids``; records the cells left and entered in ``touched``."""
    with transaction.atomic():
        if touched is not None:
            for creditor_id, unit_path, cohort in CaseFact.objects.filter(case_id__in=case_ids).values_list(
                "creditor_id", "unit_path", "cohort_month"
            ):
                touched.add(creditor_id, unit_path, cohort)
        chunk = _read_chunk(case_ids)
        facts = [_fact(case, chunk, now) for case in chunk.cases]
        present = {f.case_id for f in facts}
        gone = [pk for pk in case_ids if pk not in present]
        if gone:
            CaseFact.objects.filter(case_id__in=gone).delete()
        _upsert(facts)
        if touched is not None:
            for f in facts:
                touched.add(f.creditor_id, f.unit_path, f.cohort_month)
        return len(facts)


def _stamp(*, refreshed_at: datetime, rebuilt: bool = False, last_event_id: int | None = None) -> None:
    try:
        with transaction.atomic():
            state, _created = SummaryState.objects.select_for_update().get_or_create(name=STATE_NAME)
    except IntegrityError:  # another refresh created the row at the same moment (PostgreSQL)
        state = SummaryState.objects.select_for_update().get(name=STATE_NAME)
    fields = ["refreshed_at"]
    # "As of" never goes back (a slow refresh finishing after a quicker, later one).
    if state.refreshed_at is None or refreshed_at > state.refreshed_at:
        state.refreshed_at = refreshed_at
    if rebuilt:
        state.rebuilt_at = refreshed_at
        fields.append("rebuilt_at")
    if last_event_id is not None and last_event_id > state.last_event_id:
        state.last_event_id = last_event_id
        fields.append("last_event_id")
    state.save(update_fields=fields)


def facts_refresh(*, case_ids: Iterable[int], left_cells: Iterable[summaries.Cell] = ()) -> int:
    """Recompute the facts of these cases (deleted cases lose their row); returns the rows written.

    ``left_cells``: cells a deleted case was counted in (its fact row went with it), refreshed too.
    """
    return _refresh(sorted({int(pk) for pk in case_ids}), left_cells=left_cells)


def _refresh(ids: list[int], *, left_cells: Iterable[summaries.Cell] = (), last_event_id: int | None = None) -> int:
    now = timezone.now()
    touched = _Touched()
    for creditor_id, unit_path, cohort in left_cells:
        touched.add(creditor_id, unit_path, cohort)
    written = 0
    for chunk in _chunks(ids, CHUNK_SIZE):
        written += _write_chunk(chunk, now=now, touched=touched)
    with transaction.atomic():
        if touched.cells:
            summaries.cells_refresh(cells=sorted(touched.cells))
        if touched.units:
            summaries.cycles_refresh(units=sorted(touched.units))
        _stamp(refreshed_at=now, last_event_id=last_event_id)
    return written


def rebuild_needed() -> bool:
    """True until a first full rebuild has run (a new install, or one upgraded with cases already in it)."""
    state = SummaryState.objects.filter(name=STATE_NAME).first()
    return state is None or state.rebuilt_at is None or state.refreshed_at is None


def facts_refresh_pending() -> int:
    """The incremental refresh: cases with a CaseEvent after the watermark (bulk writes fire no signals),
    and cases saved since the last refresh. Without a full rebuild yet, a full rebuild."""
    state = SummaryState.objects.filter(name=STATE_NAME).first()
    if state is None or state.rebuilt_at is None or state.refreshed_at is None:
        return facts_rebuild_all()
    settled = timezone.now() - WATERMARK_LAG
    # The new watermark: events old enough that no transaction still holds a lower id uncommitted.
    watermark = (
        CaseEvent.objects.filter(pk__gt=state.last_event_id, created_at__lt=settled).aggregate(top=Max("pk"))["top"]
        or state.last_event_id
    )
    ids = set(
        CaseEvent.objects.filter(pk__gt=state.last_event_id).order_by().values_list("case_id", flat=True).distinct()
    )
    ids.update(Case.objects.filter(updated_at__gt=state.refreshed_at - WATERMARK_LAG).values_list("pk", flat=True))
    return _refresh(sorted(ids), last_event_id=watermark)


def facts_rebuild_all(*, batch_size: int = 2000) -> int:
    """Every case's facts, then every summary table from scratch; returns the cases written."""
    if batch_size <= 0:
        raise ValueError("batch_size must be positive")
    started = timezone.now()
    # Everything up to here is in the rebuild: the incremental refresh starts after it.
    watermark = CaseEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    written = 0
    last = 0
    while True:
        ids = list(Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        for chunk in _chunks(ids, CHUNK_SIZE):
            written += _write_chunk(chunk, now=started, touched=None)
        last = ids[-1]
    with transaction.atomic():
        summaries.summaries_rebuild_all()
        summaries.loan_defaults_rebuild()
        _stamp(refreshed_at=started, rebuilt=True, last_event_id=watermark)
    return written
