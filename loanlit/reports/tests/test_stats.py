"""Dashboard statistics (selectors.stats): exact figures on both paths, the scope split (unit subtree from
the summaries + live team/share/placement cases), breakdown labels, aging, medians, the regional signal,
the law-firm ranking, drill-down, cross tabulation and the query-count guards.

The selectors scope only; ``reports.view`` is the views' check (a user without ``cases.view`` gets nothing
here, a user without ``reports.view`` gets 404 from the views: see the dashboard tests).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from loanlit.accounts.models import User
from loanlit.cases.models import Case, CaseShare, LawFirmMember, Placement
from loanlit.cases.selectors import keyset_page
from loanlit.reports.definitions import DIMENSIONS, Measures
from loanlit.reports.filters import StatsFilters
from loanlit.reports.models import CaseFact, LoanDefaultMonth, SummaryRow, SummaryState
from loanlit.reports.selectors import crosstab, drilldown, stats
from loanlit.reports.services import summaries
from loanlit.reports.tests.stats_factories import (
    as_dict,
    make_case,
    make_court,
    make_fact,
    make_firm,
    reference_measures,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)
NO_FILTERS = StatsFilters()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def force_live(monkeypatch):
    """Make every figure come from the live path (the oracle for summary == live)."""

    def apply():
        monkeypatch.setattr(StatsFilters, "summary_capable", property(lambda self: False))

    return apply


def fresh(user: User) -> User:
    """A new user object (the per-request caches start empty)."""
    return User.objects.get(pk=user.pk)


class World:
    pass


@pytest.fixture
def world(personas):
    """Six cases of creditor A in Beijing, Chaoyang and Guangdong, one of creditor B (see the module tests)."""
    p = personas
    w = World()
    w.p = p
    w.c1 = make_court("T-BJ", "Beijing test court", "110105")
    w.c2 = make_court("T-GD", "Guangzhou test court", "440103")
    w.f1 = make_firm("First Law Firm")
    w.f2 = make_firm("Second Law Firm")
    LawFirmMember.objects.create(law_firm=w.f1, user=p.external_lawyer, added_on=dt.date(2025, 1, 1))

    w.bj1 = make_fact(
        make_case(p.creditor, p.beijing, opened_on=dt.date(2026, 1, 5), handler=p.case_handler),
        court=w.c1,
        court_province="11",
        borrower_province="11",
        product="consumer",
        handler=p.case_handler,
        law_firm=w.f1,
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
    w.bj2 = make_fact(
        make_case(p.creditor, p.beijing, opened_on=dt.date(2026, 1, 20)),
        court=w.c1,
        court_province="11",
        product="credit_card",
        law_firm=w.f2,
        outcome_class="lost",
        position="first_instance",
        claim="500.00",
        claim_principal="500.00",
        recovered="50.50",
        recovered_cash="50.50",
        recovered_after_write_off="50.50",
        written_off=True,
        written_off_amount="400.00",
        is_open=False,
        closed_on=dt.date(2026, 1, 10),  # before the opening day: not a cycle time
        judged_on=dt.date(2026, 2, 19),  # 30 days
    )
    w.cy1 = make_fact(
        make_case(p.creditor, p.beijing_chaoyang, opened_on=dt.date(2025, 12, 10)),
        court=w.c1,
        court_province="11",
        borrower_province="44",
        product="consumer",
        law_firm=w.f1,
        outcome_class="partly_won",
        position="enforcement",
        claim="2000.00",
        claim_principal="1500.00",
        adjudicated="1800.00",
        recovered="1800.00",
        recovered_cash="1000.00",
        recovered_transfer="800.00",
        costs="60.00",
        is_open=False,
        judged_on=dt.date(2026, 1, 19),  # 40 days
        first_recovery_on=dt.date(2026, 2, 18),  # 70 days
        closed_on=dt.date(2026, 3, 20),  # 100 days
    )
    w.cy_usd = make_fact(
        make_case(p.creditor, p.beijing_chaoyang, opened_on=dt.date(2025, 6, 3)),
        currency="USD",
        claim="7777.77",
        recovered="10.00",
        recovered_cash="10.00",
        position="not_in_court",
        stage="pre_litigation",
    )
    w.gd1 = make_fact(
        make_case(
            p.creditor,
            p.guangdong,
            opened_on=dt.date(2026, 1, 15),
            handler=p.outsider_branch,
            co_handlers=(p.case_handler,),
        ),
        court=w.c2,
        court_province="44",
        borrower_province="44",
        product="business",
        handler=p.outsider_branch,
        law_firm=w.f2,
        outcome_class="won",
        position="enforcement",
        claim="300.00",
        claim_principal="300.00",
        adjudicated="300.00",
        recovered="100.00",
        recovered_cash="100.00",
        entered_enforcement=True,
        judged_on=dt.date(2026, 2, 4),  # 20 days
        first_recovery_on=dt.date(2026, 2, 9),  # 25 days
    )
    w.gd2 = make_fact(
        make_case(p.creditor, p.guangdong, opened_on=dt.date(2026, 2, 1)),
        court=w.c2,
        court_province="44",
        law_firm=w.f1,
        claim="400.00",
        claim_principal="400.00",
    )
    w.b1 = make_fact(
        make_case(p.other_creditor, p.other_head_office, opened_on=dt.date(2026, 1, 8), co_handlers=(p.case_handler,)),
        claim="9999.00",
        recovered="9999.00",
    )
    Placement.objects.create(case=w.gd2.case, law_firm=w.f1, placed_on=dt.date(2026, 2, 2))
    Placement.objects.create(
        case=w.bj1.case, law_firm=w.f1, placed_on=dt.date(2026, 1, 6), recalled_on=dt.date(2026, 1, 30)
    )
    CaseShare.objects.create(case=w.gd2.case, user=p.branch_manager, granted_at=timezone.now())
    summaries.summaries_rebuild_all()
    SummaryState.objects.create(name="cases", refreshed_at=timezone.now())
    return w


def facts_of(*rows):
    return [CaseFact.objects.get(pk=r.pk) for r in rows]


def visible_facts(w, name):
    return {
        "case_handler": [w.bj1, w.bj2, w.cy1, w.cy_usd, w.gd1],
        "branch_manager": [w.bj1, w.bj2, w.cy1, w.cy_usd, w.gd2],
        "legal_manager": [w.bj1, w.bj2, w.cy1, w.cy_usd, w.gd1, w.gd2],
        "read_only": [w.bj1, w.bj2, w.cy1, w.cy_usd],
        "outsider_branch": [w.gd1, w.gd2],
        "outsider_creditor": [w.b1],
        "external_lawyer": [w.gd2],
        "security_admin": [],
    }[name]


# --- totals ---------------------------------------------------------------------------------------------


def test_case_handler_totals_are_exact_for_every_measure(world):
    w = world
    result = stats.stats_for_user(user=fresh(w.p.case_handler), filters=NO_FILTERS)
    assert result.live is False
    assert result.as_of == SummaryState.objects.get(name="cases").refreshed_at
    assert result.extra["live_cases"] == 1  # the Guangdong case of their team
    assert as_dict(result.totals) == {
        "cases": 5,
        "open_cases": 3,
        "closed_cases": 2,
        "foreign_cases": 1,
        "adjudicated_cases": 3,
        "recovered_cases": 5,
        "enforcement_cases": 2,
        "terminated_cases": 1,
        "written_off_cases": 1,
        "won": 2,
        "partly_won": 1,
        "lost": 1,
        "recovered_withdrawn": 0,
        "withdrawn": 0,
        "pending": 1,
        "claim": Decimal("3800.10"),
        "claim_principal": Decimal("3200.00"),
        "adjudicated": Decimal("3050.55"),
        "recovered": Decimal("2250.75"),
        "recovered_adjudicated": Decimal("2200.25"),
        "recovered_after_write_off": Decimal("50.50"),
        "recovered_cash": Decimal("1350.75"),
        "recovered_in_kind": Decimal("100.00"),
        "recovered_transfer": Decimal("800.00"),
        "recovered_restructuring": Decimal("0.00"),
        "written_off_amount": Decimal("400.00"),
        "costs": Decimal("100.04"),
        "judgment_days": 150,
        "judgment_n": 4,
        "recovery_days": 185,
        "recovery_n": 3,
        "close_days": 100,
        "close_n": 1,
    }
    t = result.totals
    assert (t.won_rate, t.partly_won_rate, t.lost_rate) == (Decimal("50.00"), Decimal("25.00"), Decimal("25.00"))
    assert t.recovery_rate == Decimal("72.13")  # 2200.25 / 3050.55
    assert t.recovery_rate_claim == Decimal("59.23")  # 2250.75 / 3800.10
    assert t.terminated_rate == Decimal("50.00")
    assert t.cost_ratio == Decimal("4.44")  # 100.04 / 2250.75
    assert (t.mean_days_to_judgment, t.mean_days_to_recovery, t.mean_days_to_close) == (
        Decimal("37.5"),
        Decimal("61.7"),
        Decimal("100.0"),
    )


def test_live_path_gives_the_same_totals(world, force_live):
    summary = stats.stats_for_user(user=fresh(world.p.case_handler), filters=NO_FILTERS)
    force_live()
    live = stats.stats_for_user(user=fresh(world.p.case_handler), filters=NO_FILTERS)
    assert live.live is True and live.as_of is None
    assert as_dict(live.totals) == as_dict(summary.totals)


@pytest.mark.parametrize(
    "name",
    [
        "case_handler",
        "branch_manager",
        "legal_manager",
        "read_only",
        "outsider_branch",
        "outsider_creditor",
        "external_lawyer",
        "security_admin",
    ],
)
def test_every_user_counts_exactly_the_cases_they_may_see(world, force_live, name):
    w = world
    user = getattr(w.p, name)
    expected = as_dict(reference_measures(facts_of(*visible_facts(w, name))))
    assert as_dict(stats.stats_for_user(user=fresh(user), filters=NO_FILTERS).totals) == expected
    force_live()
    assert as_dict(stats.stats_for_user(user=fresh(user), filters=NO_FILTERS).totals) == expected
    # and the drill-down lists exactly those cases
    cases = set(drilldown.drilldown_for_user(user=fresh(user), filters=NO_FILTERS).values_list("pk", flat=True))
    assert cases == {f.case_id for f in visible_facts(w, name)}


def test_a_team_case_inside_the_subtree_is_counted_once(world):
    w = world
    # The handler of bj1 is also its co-handler and the case is shared with them: still one case.
    w.bj1.case.co_handlers.add(w.p.case_handler)
    CaseShare.objects.create(case=w.bj1.case, user=w.p.case_handler, granted_at=timezone.now())
    result = stats.stats_for_user(user=fresh(w.p.case_handler), filters=NO_FILTERS)
    assert result.totals.cases == 5
    assert result.extra["live_cases"] == 1


def test_a_share_through_a_group_adds_the_case_and_an_expired_one_does_not(world):
    w = world
    group = Group.objects.create(name="Recovery desk")
    w.p.read_only.groups.add(group)
    CaseShare.objects.create(case=w.gd1.case, group=group, granted_at=timezone.now())
    CaseShare.objects.create(
        case=w.gd2.case, user=w.p.read_only, granted_at=timezone.now(), expires_on=timezone.localdate()
    )
    result = stats.stats_for_user(user=fresh(w.p.read_only), filters=NO_FILTERS)
    assert result.totals.cases == 5
    assert result.totals.claim == Decimal("3800.10")


def test_an_external_lawyer_sees_only_placed_cases_live(world):
    result = stats.stats_for_user(user=fresh(world.p.external_lawyer), filters=NO_FILTERS)
    assert result.live is True
    assert (result.totals.cases, result.totals.claim) == (1, Decimal("400.00"))
    assert stats.regional_signal_for_user(user=fresh(world.p.external_lawyer), filters=NO_FILTERS, today=TODAY) == []


def test_a_user_without_case_access_gets_nothing_and_nothing_is_written(world):
    user = fresh(world.p.security_admin)
    before = (SummaryRow.objects.count(), CaseFact.objects.count())
    assert stats.stats_for_user(user=user, filters=NO_FILTERS).totals == Measures()
    assert all(not stats.breakdown_for_user(user=user, filters=NO_FILTERS, dimension=d) for d in DIMENSIONS)
    assert [b.measures.cases for b in stats.aging_for_user(user=user, filters=NO_FILTERS, today=TODAY)] == [0] * 6
    assert [c.n for c in stats.cycle_times_for_user(user=user, filters=NO_FILTERS)] == [0, 0, 0]
    assert stats.firm_ranking_for_user(user=user, filters=NO_FILTERS) == []
    assert not drilldown.drilldown_for_user(user=user, filters=NO_FILTERS).exists()
    assert (SummaryRow.objects.count(), CaseFact.objects.count()) == before


def test_another_creditors_cases_are_never_counted(world):
    w = world
    # case_handler is a co-handler of creditor B's case, but serves creditor A only.
    result = stats.stats_for_user(user=fresh(w.p.case_handler), filters=StatsFilters(creditor=w.p.other_creditor.pk))
    assert result.totals == Measures()
    legal = stats.stats_for_user(user=fresh(w.p.legal_manager), filters=NO_FILTERS)
    assert legal.totals.claim == Decimal("4200.10")
    assert legal.totals.recovered == Decimal("2250.75")


# --- filters ----------------------------------------------------------------------------------------------


def test_unit_creditor_and_period_filters_on_both_paths(world, force_live):
    w = world
    cases = [
        (w.p.branch_manager, StatsFilters(unit=w.p.beijing_chaoyang.pk), [w.cy1, w.cy_usd]),
        (w.p.branch_manager, StatsFilters(unit=w.p.head_office.pk), visible_facts(w, "branch_manager")),
        (w.p.branch_manager, StatsFilters(unit=w.p.guangdong.pk), [w.gd2]),  # the shared case only
        (
            w.p.case_handler,
            StatsFilters(period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 1, 31)),
            [w.bj1, w.bj2, w.gd1],
        ),
        (w.p.legal_manager, StatsFilters(creditor=w.p.creditor.pk, period_from=dt.date(2026, 2, 9)), [w.gd2]),
        (w.p.legal_manager, StatsFilters(unit=999999), []),  # no such unit
    ]
    summary = [stats.stats_for_user(user=fresh(u), filters=f).totals for u, f, _e in cases]
    force_live()
    live = [stats.stats_for_user(user=fresh(u), filters=f).totals for u, f, _e in cases]
    for (_user, _filters, expected), s, lv in zip(cases, summary, live, strict=True):
        assert as_dict(s) == as_dict(lv) == as_dict(reference_measures(facts_of(*expected)))


def test_a_case_filter_makes_everything_live_and_exact(world):
    w = world
    f = StatsFilters(court=w.c1.pk, open_only=True)
    result = stats.stats_for_user(user=fresh(w.p.legal_manager), filters=f)
    assert result.live is True
    assert as_dict(result.totals) == as_dict(reference_measures(facts_of(w.bj1)))
    for name, value, expected in [
        ("court_province", "44", [w.gd1, w.gd2]),
        ("borrower_province", "44", [w.cy1, w.gd1]),
        ("product", "consumer", [w.bj1, w.cy1]),
        ("cause", "金融借款合同纠纷", visible_facts(w, "legal_manager")),
        ("handler", w.p.case_handler.pk, [w.bj1]),
        ("law_firm", w.f2.pk, [w.bj2, w.gd1]),
        ("stage", "pre_litigation", [w.cy_usd]),
        ("position", "enforcement", [w.bj1, w.cy1, w.gd1]),
        ("outcome", "won", [w.bj1, w.gd1]),
    ]:
        totals = stats.stats_for_user(user=fresh(w.p.legal_manager), filters=StatsFilters(**{name: value})).totals
        assert as_dict(totals) == as_dict(reference_measures(facts_of(*expected))), name


# --- breakdowns -------------------------------------------------------------------------------------------


def test_breakdowns_have_exact_figures_and_translated_labels(world):
    w = world
    user = fresh(w.p.legal_manager)

    def table(dimension):
        return {
            b.label: (b.measures.cases, b.measures.claim)
            for b in stats.breakdown_for_user(user=user, filters=NO_FILTERS, dimension=dimension)
        }

    assert table("court_province") == {
        "Beijing": (3, Decimal("3500.10")),
        "Guangdong": (2, Decimal("700.00")),
        "Not known": (1, Decimal("0.00")),  # the USD case: counted, its claim not added
    }
    assert table("borrower_province") == {
        "Beijing": (1, Decimal("1000.10")),
        "Guangdong": (2, Decimal("2300.00")),
        "Not known": (3, Decimal("900.00")),
    }
    assert table("branch") == {"Beijing branch": (4, Decimal("3500.10")), "Guangdong branch": (2, Decimal("700.00"))}
    assert table("court") == {
        "Beijing test court": (3, Decimal("3500.10")),
        "Guangzhou test court": (2, Decimal("700.00")),
        "Not known": (1, Decimal("0.00")),
    }
    assert table("product") == {
        "Consumer loan": (2, Decimal("3000.10")),
        "Credit card": (1, Decimal("500.00")),
        "Business loan": (1, Decimal("300.00")),
        "Not known": (2, Decimal("400.00")),
    }
    assert table("cause") == {"Financial loan contract dispute": (6, Decimal("4200.10"))}
    assert table("handler") == {
        "case_handler": (1, Decimal("1000.10")),
        "outsider_branch": (1, Decimal("300.00")),
        "Not known": (4, Decimal("2900.00")),
    }
    assert table("law_firm") == {
        "First Law Firm": (3, Decimal("3400.10")),
        "Second Law Firm": (2, Decimal("800.00")),
        "Not known": (1, Decimal("0.00")),
    }
    assert table("stage") == {"Filed": (5, Decimal("4200.10")), "Pre-litigation": (1, Decimal("0.00"))}
    assert table("position") == {
        "Enforcement": (3, Decimal("3300.10")),
        "First instance": (2, Decimal("900.00")),
        "Not before a court": (1, Decimal("0.00")),
    }
    assert table("outcome") == {
        "Won": (2, Decimal("1300.10")),
        "Partly won": (1, Decimal("2000.00")),
        "Lost": (1, Decimal("500.00")),
        "No trial outcome yet": (2, Decimal("400.00")),
    }
    cohorts = stats.breakdown_for_user(user=user, filters=NO_FILTERS, dimension="cohort")
    assert [(b.key, b.label, b.measures.cases) for b in cohorts] == [
        ("2025-06", "2025-06", 1),
        ("2025-12", "2025-12", 1),
        ("2026-01", "2026-01", 3),
        ("2026-02", "2026-02", 1),
    ]
    largest_first = stats.breakdown_for_user(user=user, filters=NO_FILTERS, dimension="court", limit=1)
    assert [(b.key, b.measures.cases) for b in largest_first] == [(str(w.c1.pk), 3)]


def test_breakdown_labels_follow_the_language(world):
    with translation.override("zh-hans"):
        buckets = stats.breakdown_for_user(user=fresh(world.p.legal_manager), filters=NO_FILTERS, dimension="cause")
    assert [b.label for b in buckets] == ["金融借款合同纠纷"]


def test_branch_breakdown_splits_under_the_scope_unit_and_keys_team_cases_by_their_unit(world):
    w = world
    buckets = stats.breakdown_for_user(user=fresh(w.p.branch_manager), filters=NO_FILTERS, dimension="branch")
    assert [(b.key, b.label, b.measures.cases) for b in buckets] == [
        (w.p.beijing.path, "Beijing branch", 2),  # the branch's own cases
        (w.p.beijing_chaoyang.path, "Chaoyang sub-branch", 2),
        (w.p.guangdong.path, "Guangdong branch", 1),  # shared with the branch manager
    ]
    under_chaoyang = stats.breakdown_for_user(
        user=fresh(w.p.branch_manager), filters=StatsFilters(unit=w.p.beijing_chaoyang.pk), dimension="branch"
    )
    assert [(b.key, b.measures.cases) for b in under_chaoyang] == [(w.p.beijing_chaoyang.path, 2)]


@pytest.mark.parametrize("name", ["case_handler", "branch_manager", "legal_manager", "outsider_branch"])
def test_every_breakdown_is_the_same_on_both_paths_and_matches_the_reference(world, force_live, name):
    w = world
    user = getattr(w.p, name)
    summary = {d: stats.breakdown_for_user(user=fresh(user), filters=NO_FILTERS, dimension=d) for d in DIMENSIONS}
    force_live()
    live = {d: stats.breakdown_for_user(user=fresh(user), filters=NO_FILTERS, dimension=d) for d in DIMENSIONS}
    facts = facts_of(*visible_facts(w, name))
    for dimension in DIMENSIONS:
        got = {b.key: (b.label, as_dict(b.measures)) for b in summary[dimension]}
        assert got == {b.key: (b.label, as_dict(b.measures)) for b in live[dimension]}, dimension
        if dimension == "branch":
            continue
        column = DIMENSIONS[dimension].fact_field
        groups = defaultdict(list)
        for f in facts:
            value = getattr(f, column)
            key = "" if value is None else value.strftime("%Y-%m") if isinstance(value, dt.date) else str(value)
            groups[key].append(f)
        assert {k: m for k, (_label, m) in got.items()} == {
            k: as_dict(reference_measures(v)) for k, v in groups.items()
        }, dimension


# --- aging, cycle times, signal, firms --------------------------------------------------------------------


def test_aging_counts_open_cases_by_whole_months_since_filing(world, force_live):
    w = world
    summary = stats.aging_for_user(user=fresh(w.p.case_handler), filters=NO_FILTERS, today=TODAY)
    assert [(b.key, b.label, b.measures.open_cases) for b in summary] == [
        ("m0_2", "Under 3 months", 2),  # bj1 (January), gd1 (January, team)
        ("m3_5", "3–5 months", 0),
        ("m6_11", "6–11 months", 1),  # cy_usd (June 2025: 9 months)
        ("m12_23", "1–2 years", 0),
        ("m24_35", "2–3 years", 0),
        ("m36", "3 years and more", 0),
    ]
    force_live()
    live = stats.aging_for_user(user=fresh(w.p.case_handler), filters=NO_FILTERS, today=TODAY)
    assert [b.measures for b in live] == [b.measures for b in summary]


def test_cycle_times_have_exact_means_and_medians(world, force_live):
    w = world
    expected = [
        ("judgment", 4, Decimal("37.5"), Decimal("35.0")),  # 20 30 40 60: the mean of the middle two
        ("recovery", 3, Decimal("61.7"), Decimal("70.0")),  # 25 70 90
        ("close", 1, Decimal("100.0"), Decimal("100.0")),  # bj2's negative span left out
    ]
    got = stats.cycle_times_for_user(user=fresh(w.p.case_handler), filters=NO_FILTERS)
    assert [(c.milestone, c.n, c.mean, c.median) for c in got] == expected
    period = StatsFilters(period_from=dt.date(2026, 1, 1))  # CycleDays know no month: built live
    assert [
        (c.milestone, c.n, c.mean, c.median)
        for c in stats.cycle_times_for_user(user=fresh(w.p.case_handler), filters=period)
    ] == [
        ("judgment", 3, Decimal("36.7"), Decimal("30.0")),  # 20 30 60
        ("recovery", 2, Decimal("57.5"), Decimal("57.5")),  # 25 90
        ("close", 0, None, None),
    ]
    force_live()
    live = stats.cycle_times_for_user(user=fresh(w.p.case_handler), filters=NO_FILTERS)
    assert [(c.milestone, c.n, c.mean, c.median) for c in live] == expected


def test_median_rounds_half_up_to_one_place():
    assert stats._median({1: 1, 2: 1}) == Decimal("1.5")
    assert stats._median({1: 2, 4: 1}) == Decimal("1.0")
    assert stats._median({3: 2, 8: 2}) == Decimal("5.5")
    assert stats._median({}) is None


def test_regional_signal_flags_a_rise_above_the_trailing_average(world):
    w = world
    p = w.p

    def months(unit, province, counts):
        for month, n in counts.items():
            LoanDefaultMonth.objects.create(
                creditor=p.creditor, unit_path=unit.path, province=province, month=month, loans=n
            )

    months(p.beijing, "11", {dt.date(2026, 3, 1): 4, dt.date(2025, 9, 1): 6, dt.date(2026, 2, 1): 3})
    months(p.beijing_chaoyang, "11", {dt.date(2026, 3, 1): 1, dt.date(2025, 8, 1): 50})  # August: outside
    months(p.guangdong, "44", {dt.date(2026, 3, 1): 2, dt.date(2025, 10, 1): 12})
    LoanDefaultMonth.objects.create(
        creditor=p.other_creditor, unit_path=p.beijing.path, province="11", month=dt.date(2026, 3, 1), loans=99
    )
    rows = stats.regional_signal_for_user(user=fresh(p.legal_manager), filters=NO_FILTERS, today=TODAY)
    assert [(r.province, r.label, r.this_month, r.trailing_average, r.flagged) for r in rows] == [
        ("11", "Beijing", 5, Decimal("1.50"), True),  # (6 + 3) / 6
        ("44", "Guangdong", 2, Decimal("2.00"), False),  # 12 / 6: not above
    ]
    branch = stats.regional_signal_for_user(user=fresh(p.branch_manager), filters=NO_FILTERS, today=TODAY)
    assert [(r.province, r.this_month) for r in branch] == [("11", 5)]
    chaoyang = stats.regional_signal_for_user(
        user=fresh(p.branch_manager), filters=StatsFilters(unit=p.beijing_chaoyang.pk), today=TODAY
    )
    assert [(r.province, r.this_month, r.trailing_average) for r in chaoyang] == [("11", 1, Decimal("0.00"))]


def test_law_firms_rank_by_recovery_rate(world):
    w = world
    ranks = stats.firm_ranking_for_user(user=fresh(w.p.legal_manager), filters=NO_FILTERS)
    assert [(r.name, r.measures.cases, r.measures.recovery_rate) for r in ranks] == [
        ("First Law Firm", 3, Decimal("76.36")),  # 2100.25 / 2750.55
        ("Second Law Firm", 2, Decimal("33.33")),  # 100.00 / 300.00
    ]
    assert ranks[0].law_firm_id == w.f1.pk


# --- drill-down -------------------------------------------------------------------------------------------


def test_drilldown_lists_the_cases_behind_a_figure(world):
    w = world
    user = w.p.branch_manager

    def ids(**kwargs):
        filters = kwargs.pop("filters", NO_FILTERS)
        qs = drilldown.drilldown_for_user(user=fresh(user), filters=filters, today=TODAY, **kwargs)
        return [c.pk for c in qs]

    case = {name: getattr(w, name).case_id for name in ("bj1", "bj2", "cy1", "cy_usd", "gd1", "gd2")}
    assert ids() == [case["gd2"], case["bj2"], case["bj1"], case["cy1"], case["cy_usd"]]  # newest first
    assert ids(dimension="branch", key=w.p.beijing.path) == [case["bj2"], case["bj1"]]  # the branch's own
    assert ids(dimension="branch", key=w.p.beijing_chaoyang.path) == [case["cy1"], case["cy_usd"]]
    assert ids(dimension="court", key=str(w.c1.pk), measure="won") == [case["bj1"]]
    assert ids(dimension="court", key="") == [case["cy_usd"]]
    assert ids(dimension="outcome", key="lost") == [case["bj2"]]
    assert ids(measure="terminated_cases") == [case["bj1"]]
    assert ids(measure="open_cases") == [case["gd2"], case["bj1"], case["cy_usd"]]
    assert ids(measure="won_rate") == [case["bj2"], case["bj1"], case["cy1"]]
    assert ids(measure="written_off_amount") == [case["bj2"]]
    assert ids(dimension="cohort", key="2025-12") == [case["cy1"]]
    assert ids(dimension="aging", key="m6_11") == [case["cy_usd"]]
    assert ids(dimension="aging", key="m0_2") == [case["gd2"], case["bj1"]]
    assert ids(dimension="law_firm", key=str(w.f1.pk), filters=StatsFilters(unit=w.p.guangdong.pk)) == [case["gd2"]]
    for bad in [
        {"dimension": "court", "key": "x"},
        {"dimension": "cohort", "key": "2026-13"},
        {"dimension": "nope", "key": "1"},
        {"dimension": "aging", "key": "m99"},
        {"measure": "nope"},
    ]:
        assert ids(**bad) == [], bad


def test_drilldown_pages_with_the_case_list_keyset(world):
    qs = drilldown.drilldown_for_user(user=fresh(world.p.legal_manager), filters=NO_FILTERS)
    first = keyset_page(qs, size=4)
    second = keyset_page(qs, after=first.next_after, size=4)
    assert len(first.items) == 4 and first.next_after is not None
    assert len(second.items) == 2 and second.next_after is None
    assert [c.pk for c in first.items + second.items] == list(
        Case.objects.filter(creditor=world.p.creditor).order_by("-opened_on", "-pk").values_list("pk", flat=True)
    )


# --- cross tabulation -------------------------------------------------------------------------------------


def test_crosstab_one_and_two_dimensions_on_both_paths(world, force_live):
    w = world
    user = w.p.branch_manager
    pairs = [["court"], ["court", "cohort"], ["branch", "outcome"], ["cohort", "branch"], ["court", "outcome"]]
    summary = {tuple(d): crosstab.crosstab_for_user(user=fresh(user), filters=NO_FILTERS, dimensions=d) for d in pairs}
    by_month = [(r.key1, r.label2, r.measures.cases) for r in summary[("cohort", "branch")]]
    assert by_month == [
        ("2025-06", "Chaoyang sub-branch", 1),
        ("2025-12", "Chaoyang sub-branch", 1),
        ("2026-01", "Beijing branch", 2),
        ("2026-02", "Guangdong branch", 1),
    ]
    court_outcome = {(r.label1, r.label2): r.measures.claim for r in summary[("court", "outcome")]}
    assert court_outcome == {
        ("Beijing test court", "Won"): Decimal("1000.10"),
        ("Beijing test court", "Lost"): Decimal("500.00"),
        ("Beijing test court", "Partly won"): Decimal("2000.00"),
        ("Guangzhou test court", "No trial outcome yet"): Decimal("400.00"),
        ("Not known", "No trial outcome yet"): Decimal("0.00"),
    }
    assert (summary[("court",)][0].key1, summary[("court",)][0].key2) == (str(w.c1.pk), "")
    force_live()
    for dims in pairs:
        live = crosstab.crosstab_for_user(user=fresh(user), filters=NO_FILTERS, dimensions=dims)
        assert [(r.key1, r.key2, as_dict(r.measures)) for r in live] == [
            (r.key1, r.key2, as_dict(r.measures)) for r in summary[tuple(dims)]
        ], dims
    with pytest.raises(ValueError):
        crosstab.crosstab_for_user(user=fresh(user), filters=NO_FILTERS, dimensions=["court", "cohort", "stage"])


# --- property: random portfolios ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [11, 2026])
def test_random_portfolios_summary_equals_live_equals_reference(personas, seed, monkeypatch):
    p = personas
    rng = random.Random(seed)
    units = [p.head_office, p.beijing, p.beijing_chaoyang, p.guangdong]
    users = [p.legal_manager, p.branch_manager, p.case_handler, p.outsider_branch, p.read_only]
    firm = make_firm("Random Firm")
    court = make_court("T-R", "Random court", "310101")
    for _i in range(30):
        creditor, unit = (
            (p.other_creditor, p.other_head_office) if rng.random() < 0.1 else (p.creditor, rng.choice(units))
        )
        opened = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(400))
        case = make_case(
            creditor,
            unit,
            opened_on=opened,
            handler=rng.choice([None, p.case_handler, p.outsider_branch]),
            co_handlers=tuple(u for u in (p.case_handler, p.read_only) if rng.random() < 0.15),
        )
        if rng.random() < 0.1:
            CaseShare.objects.create(case=case, user=p.branch_manager, granted_at=timezone.now())
        money = {
            name: f"{rng.randrange(0, 100000) / 100:.2f}" for name in ("claim", "adjudicated", "recovered", "costs")
        }
        if rng.random() < 0.5:
            money["adjudicated"] = "0.00"
        make_fact(
            case,
            currency="USD" if rng.random() < 0.15 else "CNY",
            court=court if rng.random() < 0.5 else None,
            court_province=rng.choice(["", "11", "44"]),
            product=rng.choice(["", "consumer", "mortgage"]),
            law_firm=firm if rng.random() < 0.5 else None,
            outcome_class=rng.choice(["won", "partly_won", "lost", "withdrawn", "recovered_withdrawn", "pending"]),
            is_open=rng.random() < 0.6,
            entered_enforcement=rng.random() < 0.4,
            terminated_for_now=rng.random() < 0.2,
            judged_on=opened + dt.timedelta(days=rng.randrange(-10, 300)) if rng.random() < 0.6 else None,
            first_recovery_on=opened + dt.timedelta(days=rng.randrange(0, 300)) if rng.random() < 0.5 else None,
            closed_on=opened + dt.timedelta(days=rng.randrange(-5, 500)) if rng.random() < 0.4 else None,
            **money,
        )
    summaries.summaries_rebuild_all()
    filters = [
        NO_FILTERS,
        StatsFilters(unit=p.beijing.pk),
        StatsFilters(period_from=dt.date(2025, 6, 1), period_to=dt.date(2025, 12, 1)),
    ]
    dims = ["court", "branch", "cohort", "outcome", "law_firm"]

    def run():
        out = []
        for user in users:
            for f in filters:
                u = fresh(user)
                out.append(as_dict(stats.stats_for_user(user=u, filters=f).totals))
                for d in dims:
                    out.append(
                        {b.key: as_dict(b.measures) for b in stats.breakdown_for_user(user=u, filters=f, dimension=d)}
                    )
                out.append([(c.n, c.mean, c.median) for c in stats.cycle_times_for_user(user=u, filters=f)])
                out.append([b.measures.cases for b in stats.aging_for_user(user=u, filters=f, today=TODAY)])
        return out

    summary = run()
    # the oracle: every visible case's fact, in Python
    for user in users:
        visible = set(Case.objects.filter(stats.visible_q(fresh(user))).values_list("pk", flat=True))
        facts = [f for f in CaseFact.objects.all() if f.case_id in visible]
        got = stats.stats_for_user(user=fresh(user), filters=NO_FILTERS).totals
        assert as_dict(got) == as_dict(reference_measures(facts)), user.username
    monkeypatch.setattr(StatsFilters, "summary_capable", property(lambda self: False))
    assert run() == summary


# --- query counts -----------------------------------------------------------------------------------------


def _dashboard(user) -> None:
    """Every selector the dashboard calls, for one user object."""
    stats.stats_for_user(user=user, filters=NO_FILTERS)
    for dimension in DIMENSIONS:
        stats.breakdown_for_user(user=user, filters=NO_FILTERS, dimension=dimension, limit=10)
    stats.aging_for_user(user=user, filters=NO_FILTERS, today=TODAY)
    stats.cycle_times_for_user(user=user, filters=NO_FILTERS)
    stats.regional_signal_for_user(user=user, filters=NO_FILTERS, today=TODAY)
    stats.firm_ranking_for_user(user=user, filters=NO_FILTERS)
    keyset_page(drilldown.drilldown_for_user(user=user, filters=NO_FILTERS, dimension="court", key=""), size=50)


def _dashboard_queries(user) -> int:
    user = fresh(user)
    with CaptureQueriesContext(connection) as ctx:
        _dashboard(user)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("live", [False, True])
def test_the_dashboard_takes_a_fixed_number_of_queries(personas, live, monkeypatch, django_assert_num_queries):
    p = personas
    court = make_court("T-Q", "Query court", "110105")
    firm = make_firm("Query Firm")

    def add(n, start):
        for i in range(n):
            unit = [p.guangdong, p.beijing, p.beijing_chaoyang][i % 3]  # a team case in both worlds
            case = make_case(
                p.creditor,
                unit,
                opened_on=dt.date(2025, 1, 1) + dt.timedelta(days=start + 17 * i),
                handler=p.outsider_branch,
                co_handlers=(p.case_handler,) if unit == p.guangdong else (),
            )
            make_fact(
                case,
                court=court if i % 2 else None,
                law_firm=firm,
                handler=p.outsider_branch,
                claim="10.00",
                judged_on=case.opened_on + dt.timedelta(days=i),
            )
        summaries.summaries_rebuild_all()

    if live:
        monkeypatch.setattr(StatsFilters, "summary_capable", property(lambda self: False))
    add(2, 0)
    small = _dashboard_queries(p.case_handler)
    add(18, 3)
    assert CaseFact.objects.count() == 20
    large = _dashboard_queries(p.case_handler)
    assert small == large
    user = fresh(p.case_handler)
    with django_assert_num_queries(large):
        _dashboard(user)
