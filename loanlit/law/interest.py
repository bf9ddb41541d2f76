"""Interest arithmetic: day counts, simple interest, rate segments, penalty rates, delayed performance.

Conventions (rules.md decisions; vectors I10, I11, I13):

* Rates are Decimal percentages per year (``Decimal("4.35")`` is 4.35 %/year); a float is refused.
* A period ``(start, end]`` counts ``end − start`` days: the start day is not counted, the end day is
  (CPL art. 85 para 2 by analogy; rules.md "Interest period ends"). ``count_both_ends=True`` is the
  per-organisation inclusive option (one more day).
* Day-count basis from the contract: ``actual/360`` (bank default), ``actual/365``, or ``30/360``
  (European method, 30E/360: a 31st counts as the 30th, so day counts add up over split periods).
* The exact interest is ``principal × rate_pct / 100 × days / year_days``, computed with 50 significant
  digits; only the result is rounded half-up to the cent. Exact values are therefore additive over split
  periods (to 1e-30); each rounded part may differ from the rounded whole by at most 0.01 per split.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Final, Literal, get_args

from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError, require_money, round_half_up

DayCountBasis = Literal["actual/360", "actual/365", "30/360"]
DAY_COUNT_BASES: Final[tuple[str, ...]] = get_args(DayCountBasis)
PRECISION: Final = 50
HUNDRED: Final = Decimal("100")
# 法释〔2014〕8号 art. 1: the doubled part of debt interest is 0.0175 % (万分之一点七五) per day.
DELAYED_PERFORMANCE_DAILY_PCT: Final = Decimal("0.0175")


@dataclass(frozen=True)
class InterestResult:
    """Interest for one period: counted ``days``, ``interest`` rounded to the cent, the ``exact`` value."""

    days: int
    interest: Decimal
    exact: Decimal
    explanation: tuple[Msg, ...]


@dataclass(frozen=True)
class RateSegment:
    """An annual rate in % applying to every counted day from ``start`` (inclusive) until the next segment."""

    start: date
    rate_pct: Decimal

    def __post_init__(self) -> None:
        require_rate(self.rate_pct)


register(
    {
        "interest.simple": (
            "{principal} 元 × 年利率 {rate}% × {days} 天 ÷ {year_days}"
            "（{basis}，自 {start} 次日起算至 {end}）= {exact} 元，四舍五入为 {interest} 元",
            "CNY {principal} × {rate} %/year × {days} days / {year_days} ({basis}, from the day after {start} "
            "to {end}) = {exact}, rounded half-up to {interest}",
        ),
        "interest.simple_inclusive": (
            "计息天数按首尾两日均计算（机构设置）",
            "Days are counted including both the first and the last day (organisation setting)",
        ),
        "interest.days": (
            "{principal} 元 × 年利率 {rate}% × {days} 天 ÷ "
            "{year_days}（{basis}）= {exact} 元，四舍五入为 {interest} 元",
            "CNY {principal} × {rate} %/year × {days} days / {year_days} "
            "({basis}) = {exact}, rounded half-up to {interest}",
        ),
        "interest.segment": (
            "{from_day} 至 {to_day}：{principal} 元 × {rate}% × {days} 天 ÷ {year_days} = {exact} 元",
            "{from_day} to {to_day}: CNY {principal} × {rate} % × {days} days / {year_days} = {exact}",
        ),
        "interest.segments_total": (
            "分段计息合计 {exact} 元，四舍五入为 {interest} 元（{basis}）",
            "Segments total {exact}, rounded half-up to {interest} ({basis})",
        ),
        "interest.penalty_rate": (
            "罚息利率 = 合同利率 {rate}% × (1 + {markup}%) = {penalty}%"
            "（中国人民银行银发〔2003〕251号第三条：逾期贷款在合同利率基础上加收30%–50%，挪用贷款加收50%–100%）",
            "Penalty rate = contract rate {rate} % × (1 + {markup} %) = {penalty} % (PBoC 银发〔2003〕251号 item 3: "
            "overdue loans +30 % to 50 %, misused loans +50 % to 100 %)",
        ),
        "interest.delayed_performance": (
            "加倍部分债务利息 = {debt} 元 × 日万分之一点七五 × {days} 天"
            "（自履行期间届满日 {start} 次日起至 {end}）= {exact} 元，"
            "四舍五入为 {interest} 元（《民事诉讼法》第二百六十四条；法释〔2014〕8号第一条、第二条）",
            "Doubled part of debt interest = CNY {debt} × 0.0175 "
            "%/day × {days} days (from the day after the performance "
            "deadline {start} to {end}) = {exact}, rounded half-up "
            "to {interest} (CPL art. 264; 法释〔2014〕8号 arts. 1–2)",
        ),
        "interest.end_before_start": (
            "计息截止日 {end} 早于起始日 {start}",
            "The interest end date {end} is before its start date {start}",
        ),
        "interest.unknown_basis": (
            "未知的计息基础：{basis}（可选：{bases}）",
            "Unknown day-count basis: {basis} (choose from {bases})",
        ),
        "interest.no_rate_for_day": (
            "{day} 没有适用的利率分段（第一段自 {first} 起）",
            "No rate segment covers {day} (the first starts {first})",
        ),
        "interest.segments_unordered": (
            "利率分段必须按起始日升序排列且不重复",
            "Rate segments must be in ascending start order without duplicates",
        ),
    }
)


def require_rate(value: object, *, name: str = "rate_pct") -> Decimal:
    """A rate as Decimal %/year: refuses floats, NaN and negatives (LawInputError)."""
    return require_money(value, name=name)


def check_basis(basis: str) -> DayCountBasis:
    if basis not in DAY_COUNT_BASES:
        raise LawInputError("interest.unknown_basis", basis=basis, bases=", ".join(DAY_COUNT_BASES))
    return basis  # type: ignore[return-value]


def year_days(basis: DayCountBasis) -> int:
    """Days in the interest year of ``basis``: 365 for actual/365, 360 otherwise."""
    return 365 if check_basis(basis) == "actual/365" else 360


def _days_30e_360(day: date) -> int:
    return day.year * 360 + day.month * 30 + min(day.day, 30)


def day_count(start: date, end: date, basis: DayCountBasis = "actual/365", *, count_both_ends: bool = False) -> int:
    """Days counted in ``(start, end]`` under ``basis`` (start day not counted, end day counted).

    ``count_both_ends`` adds the start day (inclusive organisation setting). ``end < start`` is refused.
    """
    check_basis(basis)
    if end < start:
        raise LawInputError("interest.end_before_start", start=start, end=end)
    days = _days_30e_360(end) - _days_30e_360(start) if basis == "30/360" else (end - start).days
    return days + 1 if count_both_ends else days


def exact_interest(principal: Decimal, rate_pct: Decimal, days: int, basis: DayCountBasis) -> Decimal:
    """``principal × rate_pct / 100 × days / year_days`` with 50 significant digits (no rounding to cents)."""
    with localcontext(prec=PRECISION):
        return principal * rate_pct * days / (HUNDRED * year_days(basis))


def interest_for_days(
    principal: Decimal, rate_pct: Decimal, days: int, basis: DayCountBasis = "actual/365"
) -> InterestResult:
    """Simple interest for an already counted number of ``days`` (银发〔2003〕251号 item 3 examples I10, I11)."""
    amount = require_money(principal, name="principal")
    rate = require_rate(rate_pct)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise LawInputError("input.not_decimal", name="days", value=repr(days))
    exact = exact_interest(amount, rate, days, basis)
    interest = round_half_up(exact)
    params = {
        "principal": amount,
        "rate": rate,
        "days": days,
        "year_days": year_days(basis),
        "basis": basis,
        "exact": show_exact(exact),
        "interest": interest,
    }
    return InterestResult(days=days, interest=interest, exact=exact, explanation=(Msg("interest.days", params),))


def simple_interest(
    principal: Decimal,
    rate_pct: Decimal,
    start: date,
    end: date,
    basis: DayCountBasis = "actual/365",
    *,
    count_both_ends: bool = False,
) -> InterestResult:
    """Simple interest on ``principal`` at ``rate_pct`` %/year over ``(start, end]``.

    ``start`` is the last day *not* charged (e.g. the disbursement or due date), ``end`` the last day
    charged (e.g. the cut-off or payment date): days = end − start under ``basis`` (actual/360,
    actual/365, 30/360 = 30E/360). Civil Code arts. 674–676 (interest per agreement); rules.md decisions.
    """
    amount = require_money(principal, name="principal")
    rate = require_rate(rate_pct)
    days = day_count(start, end, basis, count_both_ends=count_both_ends)
    exact = exact_interest(amount, rate, days, basis)
    interest = round_half_up(exact)
    params = {
        "principal": amount,
        "rate": rate,
        "days": days,
        "year_days": year_days(basis),
        "basis": basis,
        "start": start,
        "end": end,
        "exact": show_exact(exact),
        "interest": interest,
    }
    lines = [Msg("interest.simple", params)]
    if count_both_ends:
        lines.append(Msg("interest.simple_inclusive"))
    return InterestResult(days=days, interest=interest, exact=exact, explanation=tuple(lines))


def check_segments(segments: Sequence[RateSegment]) -> tuple[RateSegment, ...]:
    starts = [s.start for s in segments]
    if not starts or starts != sorted(set(starts)):
        raise LawInputError("interest.segments_unordered")
    return tuple(segments)


def rate_on(segments: Sequence[RateSegment], day: date) -> Decimal:
    """The rate of the segment in force on ``day`` (the latest segment starting on or before it)."""
    found: RateSegment | None = None
    for segment in segments:
        if segment.start > day:
            break
        found = segment
    if found is None:
        raise LawInputError("interest.no_rate_for_day", day=day, first=segments[0].start)
    return found.rate_pct


def split_by_segments(segments: Sequence[RateSegment], start: date, end: date) -> list[tuple[date, date, Decimal]]:
    """``(start, end]`` cut into sub-periods ``(a, b]`` of one rate each, as ``(a, b, rate_pct)``."""
    segs = check_segments(segments)
    if end < start:
        raise LawInputError("interest.end_before_start", start=start, end=end)
    cuts = [start]
    for segment in segs:
        boundary = segment.start - timedelta(days=1)
        if start < boundary < end:
            cuts.append(boundary)
    cuts.append(end)
    return [(a, b, rate_on(segs, a + timedelta(days=1))) for a, b in itertools.pairwise(cuts) if b > a]


def segmented_interest(
    principal: Decimal,
    segments: Sequence[RateSegment],
    start: date,
    end: date,
    basis: DayCountBasis = "actual/365",
) -> InterestResult:
    """Simple interest over ``(start, end]`` where the rate changes over time (e.g. LPR repricing).

    Each sub-period's exact interest is added and only the total is rounded (rules.md: round at the end).
    """
    amount = require_money(principal, name="principal")
    total = Decimal(0)
    days = 0
    lines: list[Msg] = []
    for a, b, rate in split_by_segments(segments, start, end):
        part_days = day_count(a, b, basis)
        exact = exact_interest(amount, rate, part_days, basis)
        total += exact
        days += part_days
        lines.append(
            Msg(
                "interest.segment",
                {
                    "from_day": a + timedelta(days=1),
                    "to_day": b,
                    "principal": amount,
                    "rate": rate,
                    "days": part_days,
                    "year_days": year_days(basis),
                    "exact": show_exact(exact),
                },
            )
        )
    interest = round_half_up(total)
    lines.append(Msg("interest.segments_total", {"exact": show_exact(total), "interest": interest, "basis": basis}))
    return InterestResult(days=days, interest=interest, exact=total, explanation=tuple(lines))


def penalty_rate(contract_rate_pct: Decimal, markup_pct: Decimal = Decimal("50")) -> Decimal:
    """Penalty rate = contract rate × (1 + markup %) (银发〔2003〕251号 item 3; 4.35 % + 50 % = 6.525 %, I10).

    The notice allows 30–50 % for overdue loans and 50–100 % for misused loans; the contract fixes the
    markup, so any non-negative markup is accepted here.
    """
    rate = require_rate(contract_rate_pct, name="contract_rate_pct")
    markup = require_rate(markup_pct, name="markup_pct")
    return rate * (HUNDRED + markup) / HUNDRED


def penalty_rate_explanation(contract_rate_pct: Decimal, markup_pct: Decimal) -> Msg:
    return Msg(
        "interest.penalty_rate",
        {"rate": contract_rate_pct, "markup": markup_pct, "penalty": penalty_rate(contract_rate_pct, markup_pct)},
    )


def delayed_performance_interest(debt: Decimal, *, performance_ends: date, paid_on: date) -> InterestResult:
    """Doubled part of debt interest for delayed performance (CPL 2023 art. 264; 法释〔2014〕8号 arts. 1–2).

    ``debt`` is the unpaid money debt fixed by the judgment *excluding ordinary debt interest*;
    ``performance_ends`` the last day of the performance period (not counted); ``paid_on`` the day of
    payment, or of the transfer, auction or set-off ruling (counted). Rate 0.0175 % per day (I13).
    """
    amount = require_money(debt, name="debt")
    if paid_on < performance_ends:
        raise LawInputError("interest.end_before_start", start=performance_ends, end=paid_on)
    days = (paid_on - performance_ends).days
    exact = delayed_performance_exact(amount, days)
    interest = round_half_up(exact)
    params = {
        "debt": amount,
        "days": days,
        "start": performance_ends,
        "end": paid_on,
        "exact": show_exact(exact),
        "interest": interest,
    }
    return InterestResult(
        days=days, interest=interest, exact=exact, explanation=(Msg("interest.delayed_performance", params),)
    )


def delayed_performance_exact(debt: Decimal, days: int) -> Decimal:
    """``debt × 0.0175 % × days`` unrounded (法释〔2014〕8号 art. 1)."""
    with localcontext(prec=PRECISION):
        return debt * DELAYED_PERFORMANCE_DAILY_PCT * days / HUNDRED


def show_exact(exact: Decimal) -> str:
    """An exact value shortened for display (6 decimals, no exponent); computations keep the full value."""
    text = f"{round_half_up(exact, Decimal('0.000001')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
