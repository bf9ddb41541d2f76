"""The real public files in ../shared/real-inputs import with their presets and give the exact counts.

The presets (registered by the demo app) derive pseudonymous borrowers, demo branches and cases from the
rows; only defaulted rows are imported, the others are SKIPPED. The files are never copied into the
repository: the tests read them where they are and are skipped, saying so, when the folder is absent.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from loanlit.accounts.models import User
from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Case
from loanlit.core.models import Creditor
from loanlit.imports.kinds import get_preset, presets_for
from loanlit.imports.services import import_file
from loanlit.law.causes import CAUSES_BY_KEY
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract
from loanlit.parties.models import Party, PartyMergeCandidate

pytestmark = pytest.mark.django_db

UCI_FILE = "uci_taiwan_credit_card_default_sample300.csv"
UCI_X_FILE = "uci_taiwan_credit_card_default_sample300_Xheader.csv"
LENDINGCLUB_FILE = "lendingclub_openintro_loans_full_schema_sample.csv"


def real_inputs() -> Path:
    """../shared/real-inputs next to the repository, or under LOANLIT_SHARED_DIR (as the demo finds it)."""
    configured = getattr(settings, "SHARED_DIR", "") or os.environ.get("LOANLIT_SHARED_DIR", "")
    shared = Path(configured) if configured else Path(settings.BASE_DIR).parent / "shared"
    return shared / "real-inputs"


def real_file(name: str) -> Path:
    path = real_inputs() / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: set LOANLIT_SHARED_DIR to the shared folder to run the real-file tests")
    return path


@pytest.fixture
def demo_org(settings):
    settings.ADMIN_PASSWORD = "a-Long-admin-passw0rd"
    call_command("bootstrap", "--no-portfolio", stdout=StringIO())
    return User.objects.get(username="admin"), Creditor.objects.get(code="DEMO-BANK")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(demo_org, path: Path, preset: str, **kwargs):
    actor, creditor = demo_org
    return import_file(actor=actor, creditor=creditor, path=path, kind="loans", preset=preset, **kwargs)


def footprint() -> tuple[int, ...]:
    return (
        LoanContract.objects.count(),
        Party.objects.count(),
        LoanBalanceSnapshot.objects.count(),
        Case.objects.count(),
        AuditEntry.objects.count(),
    )


def test_presets_for_the_real_files_and_the_template_are_registered():
    codes = {preset.code for preset in presets_for("loans")}
    assert {"loanlit", "uci-taiwan-cards", "uci-taiwan-cards-x", "lendingclub"} <= codes
    assert "default.payment.next.month" in get_preset("uci-taiwan-cards").required_headers
    assert "Y" in get_preset("uci-taiwan-cards-x").required_headers
    assert "loan_status" in get_preset("lendingclub").required_headers


@pytest.mark.parametrize("name, preset", [(UCI_FILE, "uci-taiwan-cards"), (UCI_X_FILE, "uci-taiwan-cards-x")])
def test_the_uci_file_gives_69_card_cases_from_its_300_rows(demo_org, name, preset):
    report = run(demo_org, real_file(name), preset)
    assert report.errors == []
    assert report.counts["new"] == 69 and report.counts["skipped"] == 231
    assert (report.created, report.cases_opened) == (69, 69)
    assert Counter(Case.objects.values_list("cause_of_action", "claim_currency")) == {
        (CAUSES_BY_KEY["credit_card"].name, "TWD"): 69
    }
    # Row 61 has its credit line written 5.00E+05: exactly 500,000.00; its September bill is the balance.
    card = LoanContract.objects.get(external_ref="uci:61")
    assert (card.contract_no, card.principal, card.currency, card.product) == (
        "CC-UCI-00061",
        Decimal("500000.00"),
        "TWD",
        "credit_card",
    )
    snapshot = LoanBalanceSnapshot.objects.get(loan=card)
    assert (snapshot.as_of, snapshot.principal) == (dt.date(2005, 9, 30), Decimal("22848.00"))
    first = LoanContract.objects.get(external_ref="uci:1")
    assert (first.days_past_due, first.overdue_since) == (60, dt.date(2005, 8, 2))  # PAY_0 = 2 months late
    assert first.annual_rate == Decimal("18.25") and first.penalty_rate == Decimal("27.375")
    parties = list(Party.objects.all())
    assert len(parties) == 69 and all(p.id_valid for p in parties)
    assert len({p.id_number.reveal() for p in parties}) == 69
    assert all(len(p.id_number.reveal()) == 18 for p in parties)
    assert not PartyMergeCandidate.objects.exists()
    assert Counter(Case.objects.values_list("handling_unit__code", flat=True)).total() == 69


def test_the_lendingclub_file_gives_178_cases_from_its_813_loans(demo_org):
    report = run(demo_org, real_file(LENDINGCLUB_FILE), "lendingclub")
    assert report.errors == []
    assert report.counts["new"] == 178 and report.counts["skipped"] == 635
    assert (report.created, report.cases_opened) == (178, 178)
    assert Counter(Case.objects.values_list("cause_of_action", "claim_currency")) == {
        (CAUSES_BY_KEY["financial_loan"].name, "USD"): 178
    }
    # Line 7: In Grace Period, USD 24,000 at 15.04 % for 60 months from Mar-2018.
    loan = LoanContract.objects.get(external_ref="lendingclub:7")
    assert (loan.contract_no, loan.principal, loan.annual_rate, loan.term_months, loan.start_date) == (
        "LN-LENDINGCLUB-00007",
        Decimal("24000.00"),
        Decimal("15.04"),
        60,
        dt.date(2018, 3, 1),
    )
    assert loan.maturity_date == dt.date(2023, 3, 1)
    assert LoanBalanceSnapshot.objects.get(loan=loan).principal == Decimal("23455.27")
    assert LoanContract.objects.filter(written_off=True).count() == 7
    assert LoanContract.objects.filter(written_off=True, written_off_on=dt.date(2018, 6, 30)).count() == 7


def test_importing_a_real_file_again_changes_nothing(demo_org):
    path = real_file(UCI_FILE)
    run(demo_org, path, "uci-taiwan-cards")
    before = footprint()
    report = run(demo_org, path, "uci-taiwan-cards")
    assert report.counts["unchanged"] == 69 and report.counts["new"] == 0
    assert (report.created, report.updated, report.cases_opened) == (0, 0, 0)
    assert footprint() == before


def test_the_coded_header_copy_finds_the_same_loans_unchanged(demo_org):
    run(demo_org, real_file(UCI_FILE), "uci-taiwan-cards")
    before = footprint()
    report = run(demo_org, real_file(UCI_X_FILE), "uci-taiwan-cards-x")
    assert report.counts["unchanged"] == 69
    assert footprint() == before


def test_a_dry_run_writes_nothing(demo_org):
    before = footprint()
    report = run(demo_org, real_file(LENDINGCLUB_FILE), "lendingclub", dry_run=True)
    assert report.counts["new"] == 178
    assert footprint() == before
