"""The demo's import presets derive exactly the loans, borrowers and case openings of the portfolio plan."""

import csv
from datetime import date
from pathlib import Path

import pytest

from loanlit.demo import presets
from loanlit.demo.portfolio import builders, readers
from loanlit.demo.portfolio.loader import SAMPLE_DIR, Source, preset_for, shared_dir
from loanlit.imports.kinds import get_preset
from loanlit.imports.table import Cell, CellKind

TODAY = date(2026, 3, 2)
REAL = shared_dir() / "real-inputs"


def _rows(path: Path):
    """Rows as the pipeline hands them to a transform: {normalised header: cell}, with the line number."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for record in reader:
            yield (
                reader.line_num,
                {h.strip().casefold(): Cell(CellKind.TEXT, v) for h, v in zip(header, record, strict=True)},
            )


def _compare(paths: dict[str, Path], card_source: str, loan_source: str) -> int:
    plan = builders.build_plan(
        cards=readers.read_card_defaulters(paths["cards"]),
        loans=readers.read_defaulted_loans(paths["loans"]),
        today=TODAY,
        card_source=card_source,
        loan_source=loan_source,
    )
    by_ref = {case.loan.external_ref: case for case in plan.cases}
    token = presets.demo_today.set(TODAY)
    seen = 0
    try:
        for kind, transform in (
            ("cards", presets.cards_transform(card_source)),
            ("loans", presets.loans_transform(loan_source)),
        ):
            for line, cells in _rows(paths[kind]):
                out = transform(cells, line)
                if out is None:
                    continue
                seen += 1
                case = by_ref[str(out["external_ref"].value)]
                loan = case.loan
                assert out["contract_no"].value == loan.contract_no
                assert out["borrower_id"].value == loan.borrower.id_number
                assert out["borrower_name"].value == loan.borrower.name
                assert out["borrower_mobile"].value == loan.borrower.mobile
                assert out["unit_code"].value == loan.unit_code == case.unit_code
                assert out["principal"].value == str(loan.principal)
                assert out["principal_balance"].value == str(loan.snapshot.principal)
                assert out["case_opened_on"].value == case.opened_on
                assert (out["case_handler"].value, out["case_priority"].value) == (case.handler, case.priority)
    finally:
        presets.demo_today.reset(token)
    assert seen == len(plan.cases)
    return seen


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-inputs is absent (set LOANLIT_SHARED_DIR)")
def test_the_real_file_presets_give_the_plans_247_loans_and_cases():
    paths = {"cards": REAL / readers.UCI_FILE, "loans": REAL / readers.LENDINGCLUB_FILE}
    assert _compare(paths, "uci", "lendingclub") == 247


def test_the_sample_presets_give_the_sample_plan():
    paths = {"cards": SAMPLE_DIR / "cards.csv", "loans": SAMPLE_DIR / "loans.csv"}
    assert _compare(paths, "sample-cards", "sample-loans") == 6


def test_each_source_has_its_registered_preset(tmp_path):
    as_of = date(2005, 9, 30)
    cases = {
        Source("uci", "cards", tmp_path / readers.UCI_FILE, as_of): presets.UCI,
        Source("uci", "cards", tmp_path / readers.UCI_X_FILE, as_of): presets.UCI_X,
        Source("lendingclub", "loans", tmp_path / readers.LENDINGCLUB_FILE, as_of): presets.LENDINGCLUB,
        Source("sample-cards", "cards", SAMPLE_DIR / "cards.csv", as_of): presets.SAMPLE_CARDS,
        Source("sample-loans", "loans", SAMPLE_DIR / "loans.csv", as_of): presets.SAMPLE_LOANS,
    }
    for source, code in cases.items():
        assert preset_for(source) == code
        assert get_preset(code).kind == "loans"
        assert get_preset(code).transform is not None


def test_a_row_not_in_default_is_left_out():
    transform = presets.loans_transform("lendingclub")
    current = {"loan_status": Cell(CellKind.TEXT, "Current"), "loan_amount": Cell(CellKind.TEXT, "1000")}
    assert transform(current, 2) is None
    cards = presets.cards_transform("uci")
    assert cards({"id": Cell(CellKind.TEXT, "3"), "y": Cell(CellKind.TEXT, "0")}, 4) is None
