"""CaseFact: every field of every portfolio case, the outcome classes' edge cases, batch-shaped queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loanlit.accounts.models import User
from loanlit.cases import services as cases
from loanlit.cases.models import Court, LawFirm, Proceeding
from loanlit.cases.tests import factories
from loanlit.core.models import OrgUnit
from loanlit.parties.models import Party
from loanlit.parties.services import normalize_name
from loanlit.parties.tests.support import bad_check_ric, make_ric
from loanlit.reports.models import CaseFact, OutcomeClass, SummaryState
from loanlit.reports.services import facts
from loanlit.reports.services.facts import _decision, _ProceedingRow, outcome_class
from loanlit.reports.tests import facts_support
from loanlit.reports.tests.portfolio import CREDITOR_A, DAYS, EXPECTED, NOW, TOTALS_A, build_portfolio

pytestmark = pytest.mark.django_db
no_summaries = facts_support.no_summaries  # the fixture
D = Decimal


@pytest.fixture
def portfolio(personas, no_summaries):
    return build_portfolio(personas, refresh=False)


NAMED = ("unit", "court", "handler", "law_firm")


def _resolved(fact: CaseFact) -> dict[str, Any]:
    """The fact's values with units, courts, handlers and firms by the names EXPECTED uses."""
    skip = {"refreshed_at", "creditor", "unit_path", *NAMED}
    values = {f: getattr(fact, f) for f in facts.FACT_FIELDS if f not in skip}
    values["unit"] = OrgUnit.objects.get(pk=fact.unit_id).code
    values["court"] = Court.objects.get(pk=fact.court_id).caseno_code if fact.court_id else None
    values["handler"] = User.objects.get(pk=fact.handler_id).username if fact.handler_id else None
    values["law_firm"] = LawFirm.objects.get(pk=fact.law_firm_id).name if fact.law_firm_id else None
    return values


def test_every_fact_of_every_portfolio_case(portfolio):
    with time_machine.travel(NOW, tick=False):
        assert facts.facts_refresh(case_ids=portfolio.ids()) == 11
    # EXPECTED names every column but the three checked here.
    assert set(facts.FACT_FIELDS) == {*EXPECTED["won"], "creditor", "unit_path", "refreshed_at"}
    for label, expected in EXPECTED.items():
        fact = CaseFact.objects.get(case_id=portfolio.cases[label].pk)
        assert _resolved(fact) == expected, label
        case = portfolio.case(label)
        assert (fact.creditor_id, fact.unit_path, fact.refreshed_at) == (case.creditor_id, case.unit_path, NOW)


def test_the_portfolio_totals_the_other_tests_rely_on(portfolio):
    """TOTALS_A and DAYS of portfolio.py, recomputed from the facts (counts over all, money over CNY)."""
    facts.facts_refresh(case_ids=portfolio.ids())
    rows = list(CaseFact.objects.filter(creditor=portfolio.creditor))
    assert len(rows) == len(CREDITOR_A) == TOTALS_A["cases"]
    cny = [r for r in rows if r.currency == "CNY"]
    money = {
        name: sum((getattr(r, name) for r in cny), D("0.00"))
        for name in (
            "claim",
            "claim_principal",
            "adjudicated",
            "recovered",
            "recovered_after_write_off",
            "recovered_cash",
            "recovered_in_kind",
            "recovered_transfer",
            "recovered_restructuring",
            "written_off_amount",
            "costs",
        )
    }
    money["recovered_adjudicated"] = sum((r.recovered for r in cny if r.adjudicated > 0), D("0.00"))
    counts = {
        "cases": len(rows),
        "open_cases": sum(r.is_open for r in rows),
        "closed_cases": sum(not r.is_open for r in rows),
        "foreign_cases": len(rows) - len(cny),
        "adjudicated_cases": sum(r.adjudicated > 0 for r in rows),
        "recovered_cases": sum(r.recovered > 0 for r in rows),
        "enforcement_cases": sum(r.entered_enforcement for r in rows),
        "terminated_cases": sum(r.terminated_for_now for r in rows),
        "written_off_cases": sum(r.written_off for r in rows),
        **{cls: sum(r.outcome_class == cls for r in rows) for cls in OutcomeClass.values},
    }
    label = {case.pk: name for name, case in portfolio.cases.items()}
    days: dict[str, int] = {}
    for index, (milestone, column) in enumerate(
        (("judgment", "judged_on"), ("recovery", "first_recovery_on"), ("close", "closed_on"))
    ):
        reached = [r for r in rows if getattr(r, column) is not None]
        days[f"{milestone}_days"] = sum((getattr(r, column) - r.opened_on).days for r in reached)
        days[f"{milestone}_n"] = len(reached)
        for r in rows:
            expected = DAYS[label[r.case_id]][index]
            assert ((getattr(r, column) - r.opened_on).days if getattr(r, column) else None) == expected
    assert {**money, **counts, **days} == TOTALS_A


def test_the_cells_left_and_entered_are_refreshed(portfolio, no_summaries):
    case = portfolio.cases["pending"]
    facts.facts_refresh(case_ids=[case.pk])
    assert no_summaries.cells == [(portfolio.creditor.pk, "0001.0001.0001.", dt.date(2025, 6, 1))]
    assert no_summaries.units == [(portfolio.creditor.pk, "0001.0001.0001.")]
    # The fact as it was before the case moved (a stale fact: another unit, another month).
    CaseFact.objects.filter(case_id=case.pk).update(unit_path="0001.0002.", cohort_month=dt.date(2025, 5, 1))
    no_summaries.cells.clear()
    no_summaries.units.clear()
    facts.facts_refresh(case_ids=[case.pk])
    assert sorted(no_summaries.cells) == [
        (portfolio.creditor.pk, "0001.0001.0001.", dt.date(2025, 6, 1)),
        (portfolio.creditor.pk, "0001.0002.", dt.date(2025, 5, 1)),
    ]
    assert sorted(no_summaries.units) == [
        (portfolio.creditor.pk, "0001.0001.0001."),
        (portfolio.creditor.pk, "0001.0002."),
    ]
    assert CaseFact.objects.get(case_id=case.pk).unit_path == "0001.0001.0001."


def test_an_unknown_case_writes_nothing_and_the_state_is_stamped(portfolio, no_summaries):
    missing = max(portfolio.ids()) + 100
    with time_machine.travel(NOW, tick=False):
        assert facts.facts_refresh(case_ids=[missing]) == 0
    assert not CaseFact.objects.exists()
    assert (no_summaries.cells, no_summaries.units) == ([], [])
    state = SummaryState.objects.get(name="cases")
    assert (state.refreshed_at, state.rebuilt_at, state.last_event_id) == (NOW, None, 0)


def test_the_query_count_is_the_same_for_3_and_for_10_cases(portfolio):
    facts.facts_refresh(case_ids=portfolio.ids("won"))  # the state row exists from here on

    def count(ids: list[int]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            facts.facts_refresh(case_ids=ids)
        return len(ctx.captured_queries)

    three = count(portfolio.ids("won", "partly", "zhongben"))
    ten = count(portfolio.ids(*CREDITOR_A))
    assert three == ten
    assert ten <= 20


# --- outcome classes -------------------------------------------------------------------------------------


def _row(pk: int, kind: str, result: str, on: dt.date | None, *, principal: str | None = None, other: str = "0"):
    return _ProceedingRow(
        pk=pk,
        kind=kind,
        court_id=None,
        region_code="",
        result=result,
        result_on=on,
        is_active=False,
        judgment_id=pk if principal is not None else None,
        judged_on=on if principal is not None else None,
        adjudicated=D(principal or "0") + D(other),
        principal_awarded=D(principal or "0"),
        other_awarded=D(other),
    )


def _classify(rows, *, principal="1000.00", other="100.00", total=None, recovered="0.00", case_outcome=""):
    total = total if total is not None else str(D(principal) + D(other))
    return outcome_class(
        decision=_decision(rows),
        claim_principal=D(principal),
        claim_other=D(other),
        claim_total=D(total),
        recovered=D(recovered),
        case_outcome=case_outcome,
    )


JAN, JUN, DEC = dt.date(2025, 1, 10), dt.date(2025, 6, 10), dt.date(2025, 12, 10)


@pytest.mark.parametrize(
    ("rows", "claim", "expected"),
    [
        ([], {}, "pending"),
        ([_row(1, "first_instance", "", None)], {}, "pending"),
        # A judgment result without its items: not classifiable yet.
        ([_row(1, "first_instance", "judgment", JAN)], {}, "pending"),
        ([_row(1, "first_instance", "judgment", JAN, principal="1000.00", other="100.00")], {}, "won"),
        ([_row(1, "first_instance", "judgment", JAN, principal="1000.00", other="99.99")], {}, "partly_won"),
        ([_row(1, "first_instance", "judgment", JAN, principal="999.99", other="100.00")], {}, "lost"),
        ([_row(1, "first_instance", "dismissed", JAN)], {}, "lost"),
        # Principal claimed 0: the principal is "in full"; the rest decides.
        ([_row(1, "first_instance", "judgment", JAN, principal="0", other="100.00")], {"principal": "0"}, "won"),
        (
            [_row(1, "first_instance", "judgment", JAN, principal="0", other="50.00")],
            {"principal": "0"},
            "partly_won",
        ),
        # Awarded more than claimed (e.g. interest to a later date) is still won.
        ([_row(1, "first_instance", "judgment", JAN, principal="1000.00", other="150.00")], {}, "won"),
        # The second instance's judgment overrides the first's, both ways.
        (
            [
                _row(1, "first_instance", "judgment", JAN, principal="1000.00", other="100.00"),
                _row(2, "second_instance", "judgment", JUN, principal="800.00", other="100.00"),
            ],
            {},
            "lost",
        ),
        (
            [
                _row(1, "first_instance", "dismissed", JAN),
                _row(2, "second_instance", "judgment", JUN, principal="1000.00", other="100.00"),
            ],
            {},
            "won",
        ),
        # Appeal dismissed or withdrawn (驳回上诉 / 撤回上诉): the first-instance judgment stands.
        (
            [
                _row(1, "first_instance", "judgment", JAN, principal="1000.00", other="100.00"),
                _row(2, "second_instance", "dismissed", JUN),
            ],
            {},
            "won",
        ),
        (
            [
                _row(1, "first_instance", "judgment", JAN, principal="1000.00", other="10.00"),
                _row(2, "second_instance", "withdrawn", JUN),
            ],
            {},
            "partly_won",
        ),
        # A retrial judgment years later decides.
        (
            [
                _row(1, "first_instance", "judgment", JAN, principal="1000.00", other="100.00"),
                _row(2, "second_instance", "dismissed", JUN),
                _row(3, "retrial", "judgment", DEC, principal="500.00"),
            ],
            {},
            "lost",
        ),
        # Mediation statements compare like judgments.
        ([_row(1, "pre_filing_mediation", "mediation", JAN, principal="1000.00", other="100.00")], {}, "won"),
        ([_row(1, "pre_filing_mediation", "mediation", JAN, principal="1000.00", other="0")], {}, "partly_won"),
        # A failed pre-filing mediation then a judgment: the later one decides.
        (
            [
                _row(1, "pre_filing_mediation", "withdrawn", JAN),
                _row(2, "first_instance", "judgment", JUN, principal="900.00", other="100.00"),
            ],
            {},
            "lost",
        ),
        # Withdrawn: after full payment or not.
        ([_row(1, "first_instance", "withdrawn", JAN)], {}, "withdrawn"),
        ([_row(1, "first_instance", "withdrawn", JAN)], {"recovered": "1099.99"}, "withdrawn"),
        ([_row(1, "first_instance", "withdrawn", JAN)], {"recovered": "1100.00"}, "recovered_withdrawn"),
        ([_row(1, "first_instance", "paid", JAN)], {"recovered": "1200.00"}, "recovered_withdrawn"),
        ([_row(1, "first_instance", "withdrawn", JAN)], {"case_outcome": "recovered_in_full"}, "recovered_withdrawn"),
        # No claim computed: nothing recovered is no "full payment".
        ([_row(1, "first_instance", "withdrawn", JAN)], {"principal": "0", "other": "0"}, "withdrawn"),
        # Enforcement and preservation are not trial proceedings.
        ([_row(1, "enforcement", "concluded", JAN), _row(2, "preservation", "other", JAN)], {}, "pending"),
        # An "other" result decides nothing.
        ([_row(1, "first_instance", "other", JAN)], {}, "pending"),
        # Payment orders and arbitration are trial-level.
        ([_row(1, "payment_order", "judgment", JAN, principal="1000.00", other="100.00")], {}, "won"),
        ([_row(1, "arbitration", "dismissed", JAN)], {}, "lost"),
    ],
)
def test_outcome_classes(rows, claim, expected):
    assert _classify(rows, **claim) == expected


def test_a_mediation_statement_recorded_through_the_services_is_classified(personas, no_summaries):
    _borrower, loan = factories.borrower_loan(personas.creditor, personas.beijing, seq=41, principal="8000.00")
    case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.case_handler,
        opened_on=dt.date(2025, 9, 1),
    )
    case = cases.case_compute_claim(
        actor=None,
        case=case,
        as_of=dt.date(2025, 9, 1),
        override=cases.ClaimOverride(principal=D("8000.00"), interest=D("400.00"), reason="statement"),
        version=case.version,
    ).case
    mediation = cases.proceeding_open(
        actor=None,
        case=case,
        kind=Proceeding.Kind.PRE_FILING_MEDIATION,
        court=Court.objects.get(caseno_code="京0105"),
        filed_on=dt.date(2025, 9, 3),
    )
    cases.proceeding_record_judgment(
        actor=None,
        proceeding=mediation,
        judged_on=dt.date(2025, 9, 20),
        kind="mediation",
        items=[
            cases.JudgmentItemInput(kind="principal", amount=D("8000.00")),
            cases.JudgmentItemInput(kind="interest", amount=D("200.00")),
        ],
        version=mediation.version,
    )
    facts.facts_refresh(case_ids=[case.pk])
    fact = CaseFact.objects.get(case=case)
    assert (fact.outcome_class, fact.adjudicated, fact.judged_on, fact.position) == (
        "partly_won",
        D("8200.00"),
        dt.date(2025, 9, 20),
        "pre_filing_mediation",
    )
    assert (fact.court_province, fact.borrower_province, fact.product) == ("11", "11", "consumer")


# --- the borrower's province ---------------------------------------------------------------------------------


def _case_with_borrower(personas, party: Party, seq: int):
    loan = factories.loan(personas.creditor, personas.beijing, borrower=party)
    return cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        opened_on=dt.date(2025, 9, seq),
    )


def _party(personas, name: str, *, id_type: str, number: str, valid: bool) -> Party:
    row = Party(
        creditor=personas.creditor,
        name=name,
        name_normalized=normalize_name(name),
        id_type=id_type,
        id_valid=valid,
    )
    row.id_number = number
    row.save()
    return row


def test_the_borrower_province_comes_only_from_a_valid_resident_id(personas, no_summaries):
    valid = _party(personas, "Valid", id_type="ric", number=make_ric(51, region="440106"), valid=True)
    bad = _party(personas, "Bad check", id_type="ric", number=bad_check_ric(52), valid=False)
    permit = _party(
        personas, "HK permit", id_type="hk_macau_residence", number=make_ric(53, region="810000"), valid=True
    )
    unknown = _party(personas, "Unknown region", id_type="ric", number=make_ric(54, region="990101"), valid=True)
    ids = [_case_with_borrower(personas, party, n + 1).pk for n, party in enumerate((valid, bad, permit, unknown))]
    facts.facts_refresh(case_ids=ids)
    got = dict(CaseFact.objects.filter(case_id__in=ids).values_list("case_id", "borrower_province"))
    assert [got[pk] for pk in ids] == ["44", "", "", ""]


def test_the_first_borrower_by_position_of_the_first_loan_counts(personas, no_summaries):
    first = factories.party(personas.creditor, "First", ric=make_ric(61, region="310115"))
    second = factories.party(personas.creditor, "Second", ric=make_ric(62, region="440106"))
    other = factories.party(personas.creditor, "Other loan", ric=make_ric(63, region="510104"))
    loan = factories.loan(personas.creditor, personas.beijing, product="mortgage")
    later = factories.loan(personas.creditor, personas.beijing, borrower=other, product="auto")
    from loanlit.loans.models import LoanParty

    LoanParty.objects.create(loan=loan, party=second, role="borrower", position=2)
    LoanParty.objects.create(loan=loan, party=first, role="borrower", position=1)
    case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan, later],
        opened_on=dt.date(2025, 10, 1),
    )
    facts.facts_refresh(case_ids=[case.pk])
    fact = CaseFact.objects.get(case=case)
    assert (fact.product, fact.borrower_province, fact.position, fact.outcome_class) == (
        "mortgage",
        "31",
        "not_in_court",
        "pending",
    )
