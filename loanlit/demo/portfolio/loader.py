"""Carry the demo portfolio plan out through the ordinary services (DESIGN rule 1: no ORM writes here).

Loans, parties and cases come in through the import pipeline (``imports.services.import_file``) with
the presets of ``loanlit.demo.presets``, exactly as a bank's file would: the same readers, builders and
pseudonyms make the rows, the loans kind writes them in bulk and opens one case per contract. The life
of each case after that (claim, proceedings, participants, service, hearings, judgment, costs,
recoveries, placement, stage moves) uses the same services a handler's clicks use, so the demo also
exercises them. A handful of judged cases then go on into the enforcement app
(``enforcement.services.enforcement_demo_build``: application, assets, freezes and seizures with their
renewal deadlines, 终本, write-offs), as the plan deals them. Each source loads once, in one
transaction: a source whose loans are on file is skipped, so running again changes nothing.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from loanlit.accounts.models import User
from loanlit.cases.models import Case, CaseLoan, Court, LawFirm, Proceeding, ProceedingParty
from loanlit.cases.services import cases as case_services
from loanlit.cases.services import claims as claim_services
from loanlit.cases.services import firms as firm_services
from loanlit.cases.services import money as money_services
from loanlit.cases.services import proceedings as proceeding_services
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor, OrgUnit
from loanlit.demo import presets as demo_presets
from loanlit.demo import services as demo_services
from loanlit.demo.portfolio import readers
from loanlit.demo.portfolio.builders import (
    DEMO_RATES_TO_CNY,
    LENDINGCLUB_AS_OF,
    STAGE_PATH,
    UCI_AS_OF,
    CasePlan,
    LoanPlan,
    PortfolioPlan,
    ProceedingPlan,
    build_plan,
    to_cny,
)
from loanlit.demo.portfolio.pseudonyms import names_data, uscc
from loanlit.demo.workflow_demo import workflow_demo_loaded
from loanlit.enforcement.services import enforcement_demo_build
from loanlit.imports.services import import_file
from loanlit.law.fees import acceptance_fee
from loanlit.loans.models import LoanContract, LoanParty
from loanlit.parties.models import Party

SAMPLE_DIR: Final = Path(__file__).resolve().parent / "sample"
REAL_SOURCES: Final = ("uci", "lendingclub")
CENT: Final = Decimal("0.01")
Log = Callable[[str], Any]


class DemoNotReady(RuntimeError):
    """The demo organisation (creditor, branches, handlers) is not there yet."""


def shared_dir() -> Path:
    """../shared next to the repository, or LOANLIT_SHARED_DIR."""
    configured = getattr(settings, "SHARED_DIR", "") or os.environ.get("LOANLIT_SHARED_DIR", "")
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared"


def demo_ready() -> bool:
    return Creditor.objects.filter(code=demo_services.DEMO_CREDITOR_CODE).exists()


@dataclass(frozen=True)
class Source:
    key: str  # external_ref prefix and marker: "uci", "lendingclub", "sample-cards", "sample-loans"
    kind: str  # "cards" | "loans"
    path: Path
    as_of: date


@dataclass
class LoadResult:
    sources: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    used_sample: bool = False
    cases: Counter[str] = field(default_factory=Counter)
    stages: Counter[str] = field(default_factory=Counter)
    enforcement: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> list[str]:
        lines = []
        for source in self.sources:
            lines.append(f"Loaded {self.cases[source]} cases from {source}.")
        for source in self.skipped:
            lines.append(f"{source}: already loaded, nothing changed.")
        if self.stages:
            lines.append("Stages: " + ", ".join(f"{k} {v}" for k, v in sorted(self.stages.items())) + ".")
        if self.enforcement:
            lines.append("Enforcement: " + ", ".join(f"{k} {v}" for k, v in sorted(self.enforcement.items())) + ".")
        return lines


def find_sources(log: Log) -> tuple[list[Source], bool]:
    """The real inputs when present, else the built-in sample (and say so)."""
    real = shared_dir() / "real-inputs"
    cards = next((real / name for name in (readers.UCI_FILE, readers.UCI_X_FILE) if (real / name).is_file()), None)
    loans = real / readers.LENDINGCLUB_FILE
    if cards is not None and loans.is_file():
        return [
            Source("uci", "cards", cards, UCI_AS_OF),
            Source("lendingclub", "loans", loans, LENDINGCLUB_AS_OF),
        ], False
    log(
        f"Real inputs not found in {real} (set LOANLIT_SHARED_DIR to the shared folder): "
        f"loading the built-in sample from {SAMPLE_DIR} instead."
    )
    return [
        Source("sample-cards", "cards", SAMPLE_DIR / "cards.csv", UCI_AS_OF),
        Source("sample-loans", "loans", SAMPLE_DIR / "loans.csv", LENDINGCLUB_AS_OF),
    ], True


def source_loaded(creditor: Creditor, source: str) -> bool:
    return LoanContract.objects.filter(creditor=creditor, external_ref__startswith=f"{source}:").exists()


def portfolio_load(*, log: Log = print, today: date | None = None) -> LoadResult:
    """Load every source not loaded yet (see the module docstring)."""
    started = time.perf_counter()
    creditor = Creditor.objects.filter(code=demo_services.DEMO_CREDITOR_CODE).first()
    if creditor is None:
        raise DemoNotReady("The demo organisation is missing: run `manage.py bootstrap` first.")
    actor = User.objects.filter(username=demo_services.ADMIN_USERNAME).first()
    if actor is None:
        raise DemoNotReady("The administrator is missing: run `manage.py bootstrap` first.")
    today = today or timezone.localdate()
    sources, used_sample = find_sources(log)
    result = LoadResult(used_sample=used_sample)
    if used_sample and any(source_loaded(creditor, key) for key in REAL_SOURCES):
        log("The portfolio from the real inputs is already loaded: the built-in sample is not added to it.")
        result.skipped = [s.key for s in sources]
        result.seconds = time.perf_counter() - started
        return result
    pending = []
    for source in sources:
        if source_loaded(creditor, source.key):
            result.skipped.append(source.key)
        else:
            pending.append(source)
    if not pending:
        result.seconds = time.perf_counter() - started
        return result
    if workflow_demo_loaded(creditor):
        # Its default template and approval policies would hold back the loader's own stage moves and costs.
        log(
            "The workflow demo is loaded on this database: the portfolio is not extended with "
            f"{', '.join(s.key for s in pending)}. Start from a new database to load them."
        )
        result.skipped = [s.key for s in sources]
        result.seconds = time.perf_counter() - started
        return result
    cards = [s for s in pending if s.kind == "cards"]
    loans = [s for s in pending if s.kind == "loans"]
    plan = build_plan(
        cards=[row for s in cards for row in readers.read_card_defaulters(s.path)],
        loans=[row for s in loans for row in readers.read_defaulted_loans(s.path)],
        today=today,
        card_source=cards[0].key if cards else "uci",
        loan_source=loans[0].key if loans else "lendingclub",
    )
    with transaction.atomic():
        _Loader(actor=actor, creditor=creditor, log=log, today=today).run(plan, pending)
    for case in plan.cases:
        result.cases[case.loan.source] += 1
        result.stages[case.final_stage] += 1
        if case.enforcement_demo is not None:
            result.enforcement[case.enforcement_demo.scenario] += 1
    result.sources = [s.key for s in pending]
    result.seconds = time.perf_counter() - started
    return result


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def preset_for(source: Source) -> str:
    """The import preset that reads ``source`` (``loanlit.demo.presets``)."""
    if source.kind == "cards":
        if source.key != "uci":
            return demo_presets.SAMPLE_CARDS
        return demo_presets.UCI_X if source.path.name == readers.UCI_X_FILE else demo_presets.UCI
    return demo_presets.LENDINGCLUB if source.key == "lendingclub" else demo_presets.SAMPLE_LOANS


class _Loader:
    def __init__(self, *, actor: User, creditor: Creditor, log: Log, today: date) -> None:
        self.actor = actor
        self.creditor = creditor
        self.log = log
        self.today = today
        self.units = {u.code: u for u in OrgUnit.objects.filter(code__in=("BJ", "BJ-CY", "GD", "GD-TH"))}
        self.users = {
            u.username: u for u in User.objects.filter(username__in=("handler.bj", "handler.gd", "lawyer.bj"))
        }
        self.courts = {c.code: c for c in Court.objects.all()}
        self.texts = names_data()["judgment_texts"]
        self.firms: list[LawFirm] = []

    # --- bulk: loans, parties, cases ----------------------------------------------------------------

    def run(self, plan: PortfolioPlan, sources: Sequence[Source]) -> None:
        missing = {"BJ", "BJ-CY", "GD", "GD-TH"} - set(self.units)
        if missing:
            raise DemoNotReady(f"Demo units missing: {', '.join(sorted(missing))}. Run `manage.py bootstrap` first.")
        self.firms = self._law_firms()
        loans: dict[str, LoanContract] = {}
        for source in sources:
            expected = sum(1 for c in plan.cases if c.loan.source == source.key)
            loans |= self._import_source(source, expected=expected)
        borrowers = self._borrowers(list(loans.values()))
        cases = self._cases(list(loans.values()))
        todo = [c for c in plan.cases if c.loan.external_ref in loans]
        for number, case_plan in enumerate(todo, start=1):
            loan = loans[case_plan.loan.external_ref]
            case = cases[loan.pk]
            if case.opened_on != case_plan.opened_on or case.handling_unit.code != case_plan.unit_code:
                raise DomainError(f"Demo case for {loan.contract_no} does not match its plan.")
            self._life(case_plan, case, borrowers[loan.pk])
            self._enforcement(case_plan, case)
            if number % 50 == 0:
                self.log(f"  {number}/{len(todo)} cases")

    def _law_firms(self) -> list[LawFirm]:
        firms = []
        lawyer = self.users.get("lawyer.bj")
        for index, spec in enumerate(names_data()["law_firms"]):
            firm = LawFirm.objects.filter(name=spec["name"]).first()
            if firm is None:
                firm = firm_services.law_firm_create(
                    actor=self.actor, name=spec["name"], uscc=uscc(spec["uscc_body"]), creditors=[self.creditor]
                )
                # The demo's external lawyer works at the Beijing panel firm: they see its placed cases.
                if index == 0 and lawyer is not None:
                    firm_services.law_firm_member_add(actor=self.actor, law_firm=firm, user=lawyer)
            firms.append(firm)
        return firms

    def _import_source(self, source: Source, *, expected: int) -> dict[str, LoanContract]:
        """The source file through the import pipeline with its preset; its loans by external reference."""
        token = demo_presets.demo_today.set(self.today)
        try:
            report = import_file(
                actor=self.actor,
                creditor=self.creditor,
                path=source.path,
                kind="loans",
                preset=preset_for(source),
                options={"grouping": "contract", "open_cases": True},
            )
        finally:
            demo_presets.demo_today.reset(token)
        if report.errors:
            number, messages = report.errors[0]
            raise DomainError(f"Demo file {source.path.name}, row {number} refused: {'; '.join(messages)}")
        if report.created != expected or report.cases_opened != expected:
            raise DomainError(
                f"Demo file {source.path.name}: {report.created} loans and {report.cases_opened} cases "
                f"imported, {expected} expected."
            )
        found = LoanContract.objects.filter(creditor=self.creditor, external_ref__startswith=f"{source.key}:")
        return {loan.external_ref: loan for loan in found.select_related("unit")}

    def _cases(self, loans: list[LoanContract]) -> dict[int, Case]:
        links = CaseLoan.objects.filter(loan__in=loans, active=True).select_related("case", "case__handling_unit")
        return {link.loan_id: link.case for link in links}

    def _borrowers(self, loans: list[LoanContract]) -> dict[int, Party]:
        links = LoanParty.objects.filter(loan__in=loans, role=LoanParty.Role.BORROWER).select_related("party")
        return {link.loan_id: link.party for link in links}

    # --- the life of one case -------------------------------------------------------------------------

    def _case_version(self, case: Case) -> int:
        return Case.objects.values_list("version", flat=True).get(pk=case.pk)

    def _move(self, case: Case, *stages: str) -> None:
        for stage in stages:
            case_services.case_change_stage(
                actor=self.actor, case=case, to_stage=stage, version=self._case_version(case)
            )

    def _life(self, plan: CasePlan, case: Case, borrower: Party) -> None:
        loan = plan.loan
        claim = claim_services.case_compute_claim(
            actor=self.actor,
            case=case,
            as_of=loan.snapshot.as_of,
            version=self._case_version(case),
            exchange_rate=DEMO_RATES_TO_CNY[loan.currency] if loan.currency != "CNY" else None,
        )
        if plan.law_firm is not None:
            firm_services.case_place_with_firm(
                actor=self.actor,
                case=case,
                law_firm=self.firms[plan.law_firm],
                version=self._case_version(case),
                placed_on=plan.placed_on,
            )
        first = None
        if plan.first_instance is not None:
            first = self._open(case, plan.first_instance, borrower, claimant="plaintiff", defendant="defendant")
            self._acceptance_fee(case, first, plan, claim.total)
            self._move(case, "filed")
            if plan.summons_served_on is not None:
                self._serve(first, "defendant", "summons", plan.summons_served_on)
            if plan.hearing is not None:
                proceeding_services.hearing_schedule(
                    actor=self.actor,
                    proceeding=first,
                    starts_at=timezone.make_aware(plan.hearing.starts_at),
                    kind=plan.hearing.kind,
                    room=plan.hearing.room,
                )
            if "in_trial" in STAGE_PATH[plan.stage]:
                self._move(case, "in_trial")
        pre_judgment = [r for r in plan.recoveries if plan.judgment is None or r.received_on < plan.judgment.judged_on]
        for recovery in pre_judgment:
            self._recover(case, recovery.received_on, recovery.share * claim.total, recovery.source, loan)
        if plan.judgment is not None and first is not None:
            self._judgment(case, first, plan, claim)
            self._move(case, "judged")
        enforcement = None
        if plan.enforcement is not None and first is not None:
            enforcement = self._open(
                case,
                plan.enforcement,
                borrower,
                claimant="enforcement_applicant",
                defendant="person_subject_to_enforcement",
                follows=first,
            )
            self._move(case, "enforcement")
            for recovery in plan.recoveries:
                if recovery in pre_judgment:
                    continue
                amount = recovery.share * claim.total
                if plan.stage == "closed":
                    amount = sum(
                        (a for _, a in money_services.enforcement_balances(case, recovery.received_on)), Decimal(0)
                    )
                self._recover(case, recovery.received_on, amount, recovery.source, loan, proceeding=enforcement)
            if plan.enforcement.result and plan.enforcement.result_on is not None:
                proceeding_services.proceeding_record_result(
                    actor=self.actor,
                    proceeding=enforcement,
                    result=plan.enforcement.result,
                    result_on=plan.enforcement.result_on,
                    version=self._proceeding_version(enforcement),
                    close=plan.stage == "closed",
                )
        if plan.stage == "terminated_enforcement":
            self._move(case, "terminated_enforcement")
        elif plan.stage == "settled":
            self._move(case, "settled")
        elif plan.stage == "closed":
            case_services.case_close(
                actor=self.actor,
                case=case,
                outcome=Case.Outcome.RECOVERED_IN_FULL,
                version=self._case_version(case),
            )

    def _enforcement(self, plan: CasePlan, case: Case) -> None:
        """The plan's enforcement scenario through the enforcement app (its dates never after today)."""
        demo = plan.enforcement_demo
        if demo is None:
            return
        enforcement_demo_build(
            actor=self.actor,
            case=Case.objects.get(pk=case.pk),
            applied_on=min(demo.applied_on, timezone.localdate()),
            scenario=demo.scenario,
        )

    def _proceeding_version(self, proceeding: Proceeding) -> int:
        return Proceeding.objects.values_list("version", flat=True).get(pk=proceeding.pk)

    def _open(
        self,
        case: Case,
        plan: ProceedingPlan,
        borrower: Party,
        *,
        claimant: str,
        defendant: str,
        follows: Proceeding | None = None,
    ) -> Proceeding:
        court = self.courts[plan.court_code]
        number = ""
        if plan.case_number_format and plan.accepted_on is not None:
            number = names_data()["case_numbers"][plan.case_number_format].format(
                year=plan.accepted_on.year, court=court.caseno_code, seq=plan.case_number_seq
            )
        proceeding = proceeding_services.proceeding_open(
            actor=self.actor,
            case=case,
            kind=plan.kind,
            court=court,
            court_case_number=number,
            filed_on=plan.filed_on,
            accepted_on=plan.accepted_on,
            judge=plan.judge,
            clerk=plan.clerk,
            follows=follows,
        )
        proceeding_services.proceeding_party_add(
            actor=self.actor, proceeding=proceeding, role=claimant, unit=case.handling_unit
        )
        proceeding_services.proceeding_party_add(
            actor=self.actor, proceeding=proceeding, role=defendant, party=borrower
        )
        return proceeding

    def _serve(self, proceeding: Proceeding, role: str, document: str, served_on: date) -> None:
        for participant in ProceedingParty.objects.filter(proceeding=proceeding).order_by("pk"):
            if role == "all" or participant.role == role:
                proceeding_services.service_record_add(
                    actor=self.actor,
                    proceeding_party=participant,
                    document=document,
                    served_on=served_on,
                    method="direct" if participant.unit_id else "mail",
                )

    def _acceptance_fee(self, case: Case, proceeding: Proceeding, plan: CasePlan, claim_total: Decimal) -> None:
        """The court fee is paid in CNY on the claim converted at the demo rate (Fee Measures art. 13(1))."""
        currency = plan.loan.currency
        base = to_cny(claim_total, currency)
        fee = acceptance_fee(base).fee
        borne = plan.judgment is not None
        assert plan.first_instance is not None
        try:
            money_services.cost_record(
                actor=self.actor,
                case=case,
                kind="acceptance_fee",
                amount=fee,
                currency="CNY",
                paid_on=plan.first_instance.filed_on,
                payer="creditor",
                borne_by_defendant=borne,
                proceeding=proceeding,
                note=f"{currency} {claim_total} at demo rate {DEMO_RATES_TO_CNY[currency]} = CNY {base}",
            )
        except DomainError as error:
            if error.code != "currency_mismatch":
                raise
            # The cost ledger keeps one currency per case: record the CNY fee's equivalent in it.
            equivalent = _cents(fee / DEMO_RATES_TO_CNY[currency])
            money_services.cost_record(
                actor=self.actor,
                case=case,
                kind="acceptance_fee",
                amount=equivalent,
                paid_on=plan.first_instance.filed_on,
                payer="creditor",
                borne_by_defendant=borne,
                proceeding=proceeding,
                note=f"CNY {fee} paid; {currency} {equivalent} at demo rate {DEMO_RATES_TO_CNY[currency]}",
            )

    def _judgment(self, case: Case, proceeding: Proceeding, plan: CasePlan, claim: Any) -> None:
        assert plan.judgment is not None
        amounts = claim.amounts
        as_of = plan.loan.snapshot.as_of
        items = [proceeding_services.JudgmentItemInput(kind="principal", amount=amounts["principal"])]
        for kind in ("interest", "penalty", "compound"):
            if amounts[kind] > 0:
                items.append(proceeding_services.JudgmentItemInput(kind=kind, amount=amounts[kind]))
        if plan.judgment.with_interest and plan.loan.penalty_rate is not None:
            items.append(
                proceeding_services.JudgmentItemInput(
                    kind="post_judgment_interest",
                    base=amounts["principal"],
                    rate=plan.loan.penalty_rate,
                    from_date=date.fromordinal(as_of.toordinal() + 1),
                    until_text=self.texts["post_judgment_until"],
                )
            )
        fee = acceptance_fee(to_cny(claim.total, plan.loan.currency)).fee
        items.append(
            proceeding_services.JudgmentItemInput(
                kind="court_fee_borne", text=self.texts["court_fee_borne"].format(fee=fee)
            )
        )
        proceeding_services.proceeding_record_judgment(
            actor=self.actor,
            proceeding=proceeding,
            judged_on=plan.judgment.judged_on,
            items=items,
            version=self._proceeding_version(proceeding),
        )
        self._serve(proceeding, "all", "judgment", plan.judgment.served_on)

    def _recover(
        self,
        case: Case,
        received_on: date,
        amount: Decimal,
        source: str,
        loan: LoanPlan,
        *,
        proceeding: Proceeding | None = None,
    ) -> None:
        value = _cents(amount)
        if value <= 0:
            return
        money_services.recovery_record(
            actor=self.actor,
            case=case,
            received_on=received_on,
            amount=value,
            source=source,
            after_write_off=loan.written_off,
            proceeding=proceeding,
        )
