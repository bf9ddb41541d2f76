from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Case, CaseEvent, CostEntry, Judgment, Placement, Proceeding, Recovery
from loanlit.deadlines.models import Deadline
from loanlit.demo.portfolio import readers
from loanlit.demo.portfolio.builders import PortfolioPlan, build_plan
from loanlit.demo.portfolio.loader import find_sources, shared_dir
from loanlit.enforcement.models import Asset, AssetSearch, EnforcementRecord, Measure, Termination, WriteOff
from loanlit.law.caseno import parse_case_number
from loanlit.law.causes import CAUSES_BY_KEY
from loanlit.law.identifiers import validate_resident_id
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract
from loanlit.parties.models import Party

pytestmark = pytest.mark.django_db

REAL = Path(__file__).resolve().parents[4] / "shared" / "real-inputs"
CARD = CAUSES_BY_KEY["credit_card"].name
LOAN = CAUSES_BY_KEY["financial_loan"].name


def _bootstrap(settings, *args: str) -> str:
    settings.ADMIN_PASSWORD = "a-Long-admin-passw0rd"
    out = StringIO()
    call_command("bootstrap", *args, stdout=out)
    return out.getvalue()


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        LoanContract.objects.count(),
        Party.objects.count(),
        Proceeding.objects.count(),
        CaseEvent.objects.count(),
        CostEntry.objects.count(),
        Recovery.objects.count(),
        AuditEntry.objects.count(),
        EnforcementRecord.objects.count(),
        Measure.objects.count(),
        Termination.objects.count(),
        WriteOff.objects.count(),
        Deadline.objects.count(),
    )


def _plan() -> PortfolioPlan:
    """The plan the loader carried out today, from the same files."""
    sources, _sample = find_sources(lambda _line: None)
    cards, loans = (next(s for s in sources if s.kind == kind) for kind in ("cards", "loans"))
    return build_plan(
        cards=readers.read_card_defaulters(cards.path),
        loans=readers.read_defaulted_loans(loans.path),
        today=timezone.localdate(),
        card_source=cards.key,
        loan_source=loans.key,
    )


def _a_year_on(day: date) -> date:
    """The same day a year on (29 February: the 28th, the month's last day)."""
    return date(day.year + 1, day.month, min(day.day, 28 if day.month == 2 else 31))


def _snapshot(external_ref: str) -> LoanBalanceSnapshot:
    return LoanBalanceSnapshot.objects.get(loan__external_ref=external_ref)


def test_shared_dir_defaults_to_the_folder_next_to_the_repository(monkeypatch, tmp_path):
    monkeypatch.delenv("LOANLIT_SHARED_DIR", raising=False)
    assert shared_dir() == Path(__file__).resolve().parents[4] / "shared"
    monkeypatch.setenv("LOANLIT_SHARED_DIR", str(tmp_path))
    assert shared_dir() == tmp_path


@pytest.mark.slow  # about 30 s on SQLite, a minute on PostgreSQL: ~2,600 service calls
@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-inputs is absent")
def test_bootstrap_loads_the_real_portfolio_once_with_exact_counts_and_amounts(settings, monkeypatch):
    monkeypatch.delenv("LOANLIT_SHARED_DIR", raising=False)
    output = _bootstrap(settings)
    assert "Loaded 69 cases from uci." in output
    assert "Loaded 178 cases from lendingclub." in output
    assert "Enforcement: seizure 4, terminated 3, written_off 2." in output

    assert Counter(Case.objects.values_list("cause_of_action", "claim_currency")) == {
        (CARD, "TWD"): 69,
        (LOAN, "USD"): 178,
    }
    assert LoanContract.objects.filter(product="credit_card", currency="TWD").count() == 69
    assert LoanContract.objects.filter(product="consumer", currency="USD").count() == 178
    assert Counter(Case.objects.values_list("handling_unit__code", flat=True)) == {
        "GD-TH": 72,
        "GD": 64,
        "BJ": 61,
        "BJ-CY": 50,
    }
    assert Counter(Case.objects.values_list("stage_id", flat=True)) == {
        "pre_litigation": 65,
        "filed": 24,
        "in_trial": 47,
        "judged": 31,
        "enforcement": 42,
        "terminated_enforcement": 14,
        "settled": 14,
        "closed": 10,
    }
    assert Counter(Case.objects.values_list("handler__username", flat=True)) == {"handler.gd": 136, "handler.bj": 111}

    # The TWD row written 5.00E+05 in the file: credit line exactly 500,000.00, September bill as principal.
    card = LoanContract.objects.get(external_ref="uci:61")
    assert (card.principal, card.currency, card.product) == (Decimal("500000.00"), "TWD", "credit_card")
    assert _snapshot("uci:61").principal == Decimal("22848.00")
    assert Case.objects.get(loans=card).claim_principal == Decimal("22848.00")
    # PAY_0 = 2 months of delay on row 1: 60 days past due on 2005-09-30.
    assert LoanContract.objects.get(external_ref="uci:1").days_past_due == 60

    # LendingClub line 7: In Grace Period, USD 24,000 at 15.04 % for 60 months from Mar-2018.
    loan = LoanContract.objects.get(external_ref="lendingclub:7")
    assert (loan.principal, loan.annual_rate, loan.term_months, loan.start_date) == (
        Decimal("24000.00"),
        Decimal("15.04"),
        60,
        date(2018, 3, 1),
    )
    assert _snapshot("lendingclub:7").principal == Decimal("23455.27")
    assert Case.objects.get(loans=loan).claim_total == Decimal("23455.27")
    charged_off = LoanContract.objects.filter(external_ref__startswith="lendingclub:", written_off=True)
    # Charged off in the file (as of its date) and two more written off in the demo's enforcement (below).
    assert charged_off.filter(written_off_on=date(2018, 6, 30)).count() == 7
    assert charged_off.count() == 9

    # Every borrower has a valid-format pseudonymous resident ID; nobody was merged or queued.
    parties = list(Party.objects.all())
    assert len(parties) == 247
    assert all(p.id_valid for p in parties)
    assert validate_resident_id(next(p for p in parties).id_number.reveal()).valid
    # Court numbers the court would give, parsed by law/ back to the court of the proceeding.
    numbered = Proceeding.objects.exclude(court_case_number="").select_related("court")
    assert numbered.count() > 100
    for proceeding in numbered:
        assert parse_case_number(proceeding.court_case_number).court == proceeding.court.caseno_code
    assert Judgment.objects.count() == Proceeding.objects.filter(kind="first_instance", result="judgment").count()
    assert Judgment.objects.filter(effective_on__isnull=True).count() == 0
    assert Placement.objects.filter(recalled_on__isnull=True).count() == Case.objects.exclude(law_firm=None).count()
    assert (
        CostEntry.objects.filter(kind="acceptance_fee").count()
        == Proceeding.objects.filter(kind="first_instance").count()
    )

    # Nine judged cases went on into the enforcement app as the plan dealt them, over both branches.
    plan = _plan()
    dealt = {c.loan.external_ref: c for c in plan.cases if c.enforcement_demo is not None}
    assert Counter(c.enforcement_demo.scenario for c in dealt.values()) == {
        "seizure": 4,
        "terminated": 3,
        "written_off": 2,
    }
    assert Counter(c.unit_code[:2] for c in dealt.values()) == {"BJ": 5, "GD": 4}
    records = EnforcementRecord.objects.select_related("judgment")
    assert sorted(records.values_list("case__loans__external_ref", flat=True)) == sorted(dealt)
    for row in records:
        case_plan = dealt[row.case.loans.get().external_ref]
        assert row.applied_on == case_plan.enforcement_demo.applied_on
        assert row.applied_on >= row.judgment.effective_on
        assert row.case.stage_id == case_plan.final_stage
    assert Counter(Measure.objects.values_list("kind", flat=True)) == {"freeze": 9, "seizure": 4}
    assert Asset.objects.count() == 13
    assert AssetSearch.objects.filter(result="insufficient").count() == 5
    assert Termination.objects.count() == 5
    assert Case.objects.filter(stage_id="terminated_enforcement", terminations__isnull=False).distinct().count() == 5
    written_off = WriteOff.objects.select_related("loan")
    assert sorted((w.loan.external_ref, w.amount, w.currency) for w in written_off) == sorted(
        (ref, LoanContract.objects.get(external_ref=ref).principal, "USD")
        for ref, c in dealt.items()
        if c.enforcement_demo.scenario == "written_off"
    )
    assert all(w.loan.written_off for w in written_off)
    # A seizure case's freeze: a week after the application, a year's term for a deposit (CPL Interpretation
    # art. 485), its renewal deadline on file; at least one renewal falls due within the coming 60 days.
    seizure_ref = min(ref for ref, c in dealt.items() if c.enforcement_demo.scenario == "seizure")
    freeze = Measure.objects.get(case__loans__external_ref=seizure_ref, kind="freeze")
    started = dealt[seizure_ref].enforcement_demo.applied_on + timedelta(days=7)
    assert (freeze.started_on, freeze.nominal_expires_on) == (started, _a_year_on(started))
    assert freeze.renewal_due_on <= freeze.expires_on - timedelta(days=7)
    renewal = Deadline.objects.get(
        source_key__startswith=f"measure:{freeze.measure_key}:", kind=Deadline.Kind.PRESERVATION_RENEWAL
    )
    assert renewal.due_on == freeze.renewal_due_on
    today = timezone.localdate()
    soon = Measure.objects.filter(renewal_due_on__gt=today, renewal_due_on__lte=today + timedelta(days=60))
    assert soon.filter(kind="freeze").count() >= 1

    # Loans, parties and cases came through the import pipeline with the presets: one import per file,
    # every loan with the values the import wrote, every case opened by it.
    assert AuditEntry.objects.filter(action="import.committed").count() == 2
    assert LoanContract.objects.exclude(import_baseline={}).count() == 247
    assert loan.import_baseline["principal"] == "24000" and loan.import_baseline["unit"] == loan.unit.code

    # Idempotent: a second run (bootstrap or load_demo) changes nothing.
    before = _counts()
    assert "already loaded, nothing changed" in _load_demo()
    _bootstrap(settings)
    assert _counts() == before


def test_without_shared_inputs_the_built_in_sample_is_loaded_and_said(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("LOANLIT_SHARED_DIR", str(tmp_path))
    output = _bootstrap(settings)
    assert f"Real inputs not found in {tmp_path / 'real-inputs'}" in output
    assert "loading the built-in sample" in output
    assert Counter(Case.objects.values_list("cause_of_action", "claim_currency")) == {
        (CARD, "TWD"): 3,
        (LOAN, "USD"): 3,
    }
    sample_card = LoanContract.objects.get(external_ref="sample-cards:9001")
    assert sample_card.principal == Decimal("150000.00")
    assert _snapshot("sample-loans:2").principal == Decimal("10875.40")
    before = _counts()
    _load_demo()
    assert _counts() == before


def test_load_demo_before_bootstrap_says_what_to_do():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"run `manage\.py bootstrap` first"):
        _load_demo()
    assert Case.objects.count() == 0
