"""Summary tables (services.summaries): exact sums per cell and dimension, cycle-day counts, the loans
overdue per month; a full rebuild equals the per-cell refresh."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from loanlit.cases.tests import factories as case_factories
from loanlit.reports.definitions import STORED_DIMENSIONS
from loanlit.reports.models import CaseFact, CycleDays, LoanDefaultMonth, SummaryRow, UnitSummaryRow
from loanlit.reports.services import summaries
from loanlit.reports.tests.stats_factories import as_dict, make_case, make_court, make_fact, reference_measures

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)


@pytest.fixture
def cells(personas):
    """Three facts in Beijing / January (one in USD), one in Beijing / February, one in Chaoyang / January."""
    p = personas
    court = make_court("T-BJ", "Test Beijing court", "110105")
    a = make_fact(
        make_case(p.creditor, p.beijing, opened_on=dt.date(2026, 1, 5), handler=p.case_handler),
        court=court,
        court_province="11",
        borrower_province="44",
        product="consumer",
        handler=p.case_handler,
        outcome_class="won",
        position="enforcement",
        claim="1000.10",
        claim_principal="900.00",
        adjudicated="950.55",
        recovered="300.25",
        recovered_cash="200.25",
        recovered_in_kind="100.00",
        costs="40.04",
        entered_enforcement=True,
        terminated_for_now=True,
        judged_on=dt.date(2026, 3, 6),  # 60 days
        first_recovery_on=dt.date(2026, 4, 5),  # 90 days
    )
    b = make_fact(
        make_case(p.creditor, p.beijing, opened_on=dt.date(2026, 1, 20)),
        outcome_class="lost",
        claim="500.00",
        claim_principal="500.00",
        recovered="50.50",  # recovered without an adjudicated amount: not in recovered_adjudicated
        recovered_after_write_off="50.50",
        written_off=True,
        written_off_amount="400.00",
        is_open=False,
        closed_on=dt.date(2026, 1, 10),  # before the opening day: not counted
        judged_on=dt.date(2026, 2, 19),  # 30 days
    )
    usd = make_fact(
        make_case(p.creditor, p.beijing, opened_on=dt.date(2026, 1, 31)),
        currency="USD",
        claim="7777.77",
        adjudicated="7000.00",
        recovered="10.00",
        outcome_class="won",
        is_open=False,
        closed_on=dt.date(2026, 2, 10),  # 10 days
    )
    feb = make_fact(make_case(p.creditor, p.beijing, opened_on=dt.date(2026, 2, 3)), claim="1.00")
    chaoyang = make_fact(make_case(p.creditor, p.beijing_chaoyang, opened_on=dt.date(2026, 1, 9)), claim="2.00")
    return {"a": a, "b": b, "usd": usd, "feb": feb, "chaoyang": chaoyang, "court": court}


def _combine(rows):
    """Summary rows of several currencies as one set of measures: counts over every row, amounts of the CNY
    rows only, ``foreign_cases`` = the cases of the other rows (what the selectors do)."""
    rows = list(rows)
    out = {}
    for name, zero in as_dict(reference_measures([])).items():
        if isinstance(zero, Decimal):
            out[name] = sum((getattr(r, name) for r in rows if r.currency == "CNY"), Decimal("0.00"))
        elif name == "foreign_cases":
            out[name] = sum(r.cases for r in rows if r.currency != "CNY")
        else:
            out[name] = sum(getattr(r, name) for r in rows)
    return out


def _row(path, month, dimension="all", key=""):
    """The cell's rows of one dimension key, every currency combined (amounts: CNY)."""
    rows = SummaryRow.objects.filter(unit_path=path, cohort_month=month, dimension=dimension, key=key)
    assert rows.exists()
    assert len({r.currency for r in rows}) == rows.count()  # one row per currency
    return SimpleNamespace(**_combine(rows))


def _columns(row):
    return {name: getattr(row, name) for name in as_dict(reference_measures([]))}


def test_cells_refresh_sums_every_measure_of_the_cell_exactly(personas, cells):
    p = personas
    written = summaries.cells_refresh(cells=[(p.creditor.pk, p.beijing.path, JAN)])
    row = _row(p.beijing.path, JAN)
    assert _columns(row) == {
        "cases": 3,
        "open_cases": 1,
        "closed_cases": 2,
        "foreign_cases": 1,
        "adjudicated_cases": 2,  # counts count every currency
        "recovered_cases": 3,
        "enforcement_cases": 1,
        "terminated_cases": 1,
        "written_off_cases": 1,
        "won": 2,
        "partly_won": 0,
        "lost": 1,
        "recovered_withdrawn": 0,
        "withdrawn": 0,
        "pending": 0,
        "claim": Decimal("1500.10"),  # CNY only: the USD claim is not added
        "claim_principal": Decimal("1400.00"),
        "adjudicated": Decimal("950.55"),
        "recovered": Decimal("350.75"),
        "recovered_adjudicated": Decimal("300.25"),
        "recovered_after_write_off": Decimal("50.50"),
        "recovered_cash": Decimal("200.25"),
        "recovered_in_kind": Decimal("100.00"),
        "recovered_transfer": Decimal("0.00"),
        "recovered_restructuring": Decimal("0.00"),
        "written_off_amount": Decimal("400.00"),
        "costs": Decimal("40.04"),
        "judgment_days": 90,
        "judgment_n": 2,
        "recovery_days": 90,
        "recovery_n": 1,
        "close_days": 10,  # the negative span of case b is left out
        "close_n": 1,
    }
    # Only the refreshed cell: "all" + one row per key of every stored dimension.
    assert not SummaryRow.objects.filter(cohort_month=FEB).exists()
    assert not SummaryRow.objects.filter(unit_path=p.beijing_chaoyang.path).exists()
    # ... and its leaf unit's rows without the month (every month of the unit's facts).
    assert set(UnitSummaryRow.objects.values_list("unit_path", flat=True)) == {p.beijing.path}
    assert written == SummaryRow.objects.count() + UnitSummaryRow.objects.count()


def test_dimension_rows_split_the_cell_by_key(personas, cells):
    p = personas
    summaries.cells_refresh(cells=[(p.creditor.pk, p.beijing.path, JAN)])
    court = _row(p.beijing.path, JAN, "court", str(cells["court"].pk))
    assert (court.cases, court.claim, court.adjudicated) == (1, Decimal("1000.10"), Decimal("950.55"))
    no_court = _row(p.beijing.path, JAN, "court", "")
    assert (no_court.cases, no_court.foreign_cases, no_court.claim) == (2, 1, Decimal("500.00"))
    handler = _row(p.beijing.path, JAN, "handler", str(p.case_handler.pk))
    assert handler.cases == 1
    assert _row(p.beijing.path, JAN, "borrower_province", "44").cases == 1
    assert _row(p.beijing.path, JAN, "court_province", "11").recovered_cash == Decimal("200.25")
    assert _row(p.beijing.path, JAN, "outcome", "won").cases == 2
    assert _row(p.beijing.path, JAN, "outcome", "lost").written_off_amount == Decimal("400.00")
    assert _row(p.beijing.path, JAN, "position", "enforcement").terminated_cases == 1
    assert _row(p.beijing.path, JAN, "cause", "金融借款合同纠纷").cases == 3
    assert _row(p.beijing.path, JAN, "stage", "filed").cases == 3
    # Every stored dimension adds up to the cell's total.
    total = _row(p.beijing.path, JAN)
    for dimension in STORED_DIMENSIONS:
        rows = SummaryRow.objects.filter(unit_path=p.beijing.path, cohort_month=JAN, dimension=dimension)
        assert sum(r.cases for r in rows) == total.cases, dimension
        assert sum((r.claim for r in rows if r.currency == "CNY"), Decimal("0.00")) == total.claim, dimension


def test_cells_refresh_replaces_the_rows_and_empties_a_cell_without_facts(personas, cells):
    p = personas
    cell = (p.creditor.pk, p.beijing.path, FEB)
    summaries.cells_refresh(cells=[cell])
    assert _row(p.beijing.path, FEB).claim == Decimal("1.00")
    CaseFact.objects.filter(pk=cells["feb"].pk).update(claim=Decimal("3.00"))
    summaries.cells_refresh(cells=[cell, cell])
    assert _row(p.beijing.path, FEB).claim == Decimal("3.00")
    assert SummaryRow.objects.filter(cohort_month=FEB, dimension="all").count() == 1
    CaseFact.objects.filter(pk=cells["feb"].pk).delete()
    # The February cell is gone, and with it the unit's rows: they are the sums of the unit's monthly rows,
    # and the January cell was never built in this test.
    assert summaries.cells_refresh(cells=[cell]) == 0
    assert not SummaryRow.objects.filter(cohort_month=FEB).exists()
    assert not UnitSummaryRow.objects.filter(unit_path=p.beijing.path).exists()


def test_cycles_refresh_counts_cases_per_day_span(personas, cells):
    p = personas
    written = summaries.cycles_refresh(units=[(p.creditor.pk, p.beijing.path)])
    rows = sorted(CycleDays.objects.values_list("unit_path", "milestone", "days", "cases"))
    assert rows == [
        (p.beijing.path, "close", 10, 1),
        (p.beijing.path, "judgment", 30, 1),
        (p.beijing.path, "judgment", 60, 1),
        (p.beijing.path, "recovery", 90, 1),
    ]
    assert written == 4
    CaseFact.objects.filter(pk=cells["b"].pk).update(judged_on=dt.date(2026, 3, 21))  # now 60 days too
    summaries.cycles_refresh(units=[(p.creditor.pk, p.beijing.path)])
    assert CycleDays.objects.get(milestone="judgment", days=60).cases == 2
    assert not CycleDays.objects.filter(milestone="judgment", days=30).exists()


def test_full_rebuild_equals_the_per_cell_refresh(personas, cells):
    p = personas
    all_cells = {(f.creditor_id, f.unit_path, f.cohort_month) for f in CaseFact.objects.all()}
    summaries.cells_refresh(cells=all_cells)
    summaries.cycles_refresh(units={(c, u) for c, u, _m in all_cells})

    def snapshot():
        def rows(model):
            return sorted(tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in model.objects.values())

        cycles = sorted(CycleDays.objects.values_list("creditor_id", "unit_path", "milestone", "days", "cases"))
        return rows(SummaryRow), rows(UnitSummaryRow), cycles

    before = snapshot()
    written = summaries.summaries_rebuild_all()
    assert snapshot() == before
    assert written == SummaryRow.objects.count() + UnitSummaryRow.objects.count() + CycleDays.objects.count()
    # A unit row is its monthly rows added up (same unit, dimension, key and currency).
    monthly: dict = {}
    for row in SummaryRow.objects.all():
        group = (row.creditor_id, row.unit_path, row.dimension, row.key, row.currency)
        monthly.setdefault(group, []).append(row)
    units = {(r.creditor_id, r.unit_path, r.dimension, r.key, r.currency): r for r in UnitSummaryRow.objects.all()}
    assert set(units) == set(monthly)
    for group, rows in monthly.items():
        for name in as_dict(reference_measures([])):
            assert getattr(units[group], name) == sum(getattr(r, name) for r in rows), (group, name)
    # The rolled-up Beijing subtree in January = the reference over its facts.
    jan = SummaryRow.objects.filter(unit_path__startswith=p.beijing.path, cohort_month=JAN, dimension="all")
    assert sorted(jan.values_list("unit_path", "currency")) == [
        (p.beijing.path, "CNY"),
        (p.beijing.path, "USD"),
        (p.beijing_chaoyang.path, "CNY"),
    ]
    facts = list(CaseFact.objects.filter(cohort_month=JAN))
    assert _combine(jan) == as_dict(reference_measures(facts))


def test_refresh_in_small_chunks_writes_the_same_rows_as_a_rebuild(personas, cells, monkeypatch):
    summaries.summaries_rebuild_all()
    columns = ("unit_path", "cohort_month", "dimension", "key", "cases", "claim", "judgment_days")
    whole = sorted(SummaryRow.objects.values_list(*columns))
    cycles = sorted(CycleDays.objects.values_list("unit_path", "milestone", "days", "cases"))
    monkeypatch.setattr(summaries, "CELL_CHUNK", 1)
    SummaryRow.objects.all().delete()
    CycleDays.objects.all().delete()
    facts = CaseFact.objects.all()
    summaries.cells_refresh(cells={(f.creditor_id, f.unit_path, f.cohort_month) for f in facts})
    summaries.cycles_refresh(units={(f.creditor_id, f.unit_path) for f in facts})
    assert sorted(SummaryRow.objects.values_list(*columns)) == whole
    assert sorted(CycleDays.objects.values_list("unit_path", "milestone", "days", "cases")) == cycles


def test_cells_refresh_takes_a_fixed_number_of_queries(personas, django_assert_num_queries):
    p = personas
    for i in range(2):
        make_fact(make_case(p.creditor, p.beijing, opened_on=dt.date(2026, 1, 5 + i)), claim="1.00")
    cell = (p.creditor.pk, p.beijing.path, JAN)
    # The cell's monthly rows (a delete and one INSERT … SELECT for "all" and each of the 10 stored
    # dimensions), then its unit's rows as sums of the monthly ones (a delete and one INSERT … SELECT);
    # inside one savepoint.
    with django_assert_num_queries(16):
        summaries.cells_refresh(cells=[cell])
    for i in range(18):
        make_fact(make_case(p.creditor, p.beijing, opened_on=dt.date(2026, 1, 7 + i)), claim="1.00")
    with django_assert_num_queries(16):
        summaries.cells_refresh(cells=[cell])
    assert _row(p.beijing.path, JAN).claim == Decimal("20.00")


def test_loan_defaults_rebuild_groups_loans_by_unit_province_and_month(personas):
    p = personas
    loan = case_factories.loan
    loan(p.creditor, p.beijing, overdue_since=dt.date(2026, 2, 3))
    loan(p.creditor, p.beijing, overdue_since=dt.date(2026, 2, 27))
    loan(p.creditor, p.beijing, overdue_since=dt.date(2026, 1, 31))
    loan(p.creditor, p.beijing_chaoyang, overdue_since=dt.date(2026, 2, 1))
    loan(p.creditor, p.guangdong, overdue_since=dt.date(2026, 2, 1))
    loan(p.creditor, p.head_office, overdue_since=dt.date(2026, 2, 1))  # no region code
    loan(p.creditor, p.beijing)  # not overdue
    loan(p.other_creditor, p.other_head_office, overdue_since=dt.date(2026, 2, 1))
    assert summaries.loan_defaults_rebuild() == 6
    rows = sorted(LoanDefaultMonth.objects.values_list("creditor_id", "unit_path", "province", "month", "loans"))
    a, b = p.creditor.pk, p.other_creditor.pk
    assert rows == sorted(
        [
            (a, p.beijing.path, "11", JAN, 1),
            (a, p.beijing.path, "11", FEB, 2),
            (a, p.beijing_chaoyang.path, "11", FEB, 1),
            (a, p.guangdong.path, "44", FEB, 1),
            (a, p.head_office.path, "", FEB, 1),
            (b, p.other_head_office.path, "", FEB, 1),
        ]
    )
    assert summaries.loan_defaults_rebuild() == 6  # idempotent: replaced, not added
    assert LoanDefaultMonth.objects.count() == 6
