"""Integration: the crafted portfolio (tests/portfolio.py, built through the real services) → the real
facts builder and summaries (``facts_rebuild_all``) → the dashboard figures, exact, on both paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from loanlit.accounts.models import User
from loanlit.reports.filters import StatsFilters
from loanlit.reports.selectors import drilldown, stats
from loanlit.reports.tests.portfolio import TODAY, TOTALS_A, build_portfolio
from loanlit.reports.tests.stats_factories import as_dict

pytestmark = pytest.mark.django_db

D = Decimal
NO_FILTERS = StatsFilters()


@pytest.fixture
def portfolio(personas):
    return build_portfolio(personas)


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def _both_paths(monkeypatch, compute):
    summary = compute()
    monkeypatch.setattr(StatsFilters, "summary_capable", property(lambda self: False))
    live = compute()
    monkeypatch.undo()
    return summary, live


def test_head_office_totals_are_the_portfolio_totals_on_both_paths(portfolio, monkeypatch):
    user = portfolio.personas.legal_manager

    def compute():
        return as_dict(stats.stats_for_user(user=fresh(user), filters=NO_FILTERS).totals)

    summary, live = _both_paths(monkeypatch, compute)
    assert summary == live == TOTALS_A


def test_head_office_cycle_times_aging_and_rates(portfolio, monkeypatch):
    user = portfolio.personas.legal_manager
    result = stats.stats_for_user(user=fresh(user), filters=NO_FILTERS)
    t = result.totals
    assert t.won_rate == D("57.14")  # 4 of 7 decided
    assert t.recovery_rate == D("29.95")  # 91,000 / 303,800
    assert t.recovery_rate_claim == D("25.65")  # 127,500 / 497,100
    assert t.terminated_rate == D("33.33")
    assert t.cost_ratio == D("7.36")  # 9,390 / 127,500

    def compute():
        return [
            (c.milestone, c.n, c.mean, c.median)
            for c in stats.cycle_times_for_user(user=fresh(user), filters=NO_FILTERS)
        ]

    summary, live = _both_paths(monkeypatch, compute)
    assert (
        summary
        == live
        == [
            ("judgment", 6, D("78.5"), D("66.5")),
            ("recovery", 7, D("108.0"), D("134.0")),
            ("close", 2, D("112.0"), D("112.0")),
        ]
    )
    aging = stats.aging_for_user(user=fresh(user), filters=NO_FILTERS, today=TODAY)
    # Open cases by filing month vs March 2026: Jan/Feb 2025 (won, zhongben, partly, transfer) 14 and 13
    # months; Mar 2025 (reduced) 12; May-Jul 2025 (withdrawn, pending, usd) 10, 9, 8.
    assert [(b.key, b.measures.open_cases) for b in aging] == [
        ("m0_2", 0),
        ("m3_5", 0),
        ("m6_11", 3),
        ("m12_23", 5),
        ("m24_35", 0),
        ("m36", 0),
    ]


def test_breakdowns_by_branch_and_region(portfolio, monkeypatch):
    p = portfolio
    user = p.personas.legal_manager

    def compute():
        with translation.override("en"):
            branch = {
                b.label: (b.measures.cases, b.measures.claim, b.measures.recovered)
                for b in stats.breakdown_for_user(user=fresh(user), filters=NO_FILTERS, dimension="branch")
            }
            region = {
                b.key: (b.measures.cases, b.measures.claim, b.measures.recovered)
                for b in stats.breakdown_for_user(user=fresh(user), filters=NO_FILTERS, dimension="court_province")
            }
        return branch, region

    summary, live = _both_paths(monkeypatch, compute)
    assert summary == live
    branch, region = summary
    assert branch == {
        "Beijing branch": (7, D("376600.00"), D("78000.00")),
        "Guangdong branch": (3, D("120500.00"), D("49500.00")),
    }
    assert region == {
        "11": (6, D("294600.00"), D("78000.00")),
        "31": (1, D("82000.00"), D("0.00")),
        "44": (3, D("120500.00"), D("49500.00")),
    }
    chaoyang = stats.stats_for_user(user=fresh(user), filters=StatsFilters(unit=p.chaoyang.pk)).totals
    assert (chaoyang.cases, chaoyang.claim, chaoyang.recovered) == (2, D("96000.00"), D("20000.00"))


def test_branch_scope_and_drilldown_on_the_portfolio(portfolio):
    p = portfolio
    handler = fresh(p.personas.case_handler)
    totals = stats.stats_for_user(user=handler, filters=NO_FILTERS).totals
    assert (totals.cases, totals.foreign_cases, totals.claim) == (7, 1, D("376600.00"))
    won = drilldown.drilldown_for_user(user=handler, filters=NO_FILTERS, dimension="outcome", key="won")
    assert sorted(won.values_list("pk", flat=True)) == sorted(p.ids("won", "zhongben", "usd"))
    other = fresh(p.personas.outsider_creditor)
    assert stats.stats_for_user(user=other, filters=NO_FILTERS).totals.claim == D("9000.00")
    # April 2025: the usd loan (Beijing) fell overdue; October 2024 - March 2025 before it.
    signal = stats.regional_signal_for_user(
        user=fresh(p.personas.legal_manager), filters=NO_FILTERS, today=dt.date(2025, 4, 15)
    )
    assert [(r.province, r.this_month, r.trailing_average, r.flagged) for r in signal] == [
        ("11", 1, D("1.00"), False),  # won, zhongben (Oct), partly (Nov), dismiss (Dec), withdrawn, pending: 6 / 6
        ("44", 0, D("0.50"), False),  # transfer (Dec), reduced, paidoff (Jan): 3 / 6
    ]
    assert stats.regional_signal_for_user(user=fresh(p.personas.legal_manager), filters=NO_FILTERS, today=TODAY) == []


def test_amounts_in_another_currency_are_that_currency_only_and_every_case_still_counts(portfolio, monkeypatch):
    """The USD case (claim, adjudicated USD 10,300, recovered USD 2,000) shown in USD: its amounts alone, the
    nine CNY cases counted as "in another currency"; the currency list puts CNY first (most cases)."""
    user = portfolio.personas.legal_manager
    usd = StatsFilters(currency="USD")

    def compute():
        return stats.stats_for_user(user=fresh(user), filters=usd).totals

    summary, live = _both_paths(monkeypatch, compute)
    assert as_dict(summary) == as_dict(live)
    assert (summary.cases, summary.foreign_cases) == (10, 9)
    assert (summary.claim, summary.adjudicated, summary.recovered) == (D("10300.00"), D("10300.00"), D("2000.00"))
    assert summary.costs == D("0.00")
    assert summary.recovery_rate == D("19.42")  # 2,000 / 10,300
    assert stats.currencies_for_user(user=fresh(user)) == ["CNY", "USD"]
    # The drill-down behind the USD "recovered" figure is the USD case alone.
    cases = drilldown.drilldown_for_user(user=fresh(user), filters=usd, measure="recovered")
    assert list(cases.values_list("pk", flat=True)) == [portfolio.cases["usd"].pk]
    foreign = drilldown.drilldown_for_user(user=fresh(user), filters=usd, measure="foreign_cases")
    assert foreign.count() == 9
