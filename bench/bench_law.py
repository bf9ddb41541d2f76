"""The rules engine at volume: 1,000,000 deadlines and 1,000,000 court fees (issue 3).

Floors: for deadlines, the bare work of a day period (start + timedelta, then walk forward while
``chinese_calendar.is_workday`` says no); for fees, the bare Decimal bracket loop of art. 13(1).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import chinese_calendar

from bench.common import Figure, timed
from loanlit.law.calendar import Calendar
from loanlit.law.fees import acceptance_fee
from loanlit.law.periods import RULES, compute_deadline

FULL = 1_000_000
SMOKE = 2_000
FIRST_START = date(2010, 1, 1)
START_SPREAD = 5_000  # days: starts from 2010 into 2023, ends up to 2026 (package data)
BRACKETS = (
    (Decimal("10000"), Decimal("0")),
    (Decimal("100000"), Decimal("0.025")),
    (Decimal("200000"), Decimal("0.02")),
    (Decimal("500000"), Decimal("0.015")),
    (Decimal("1000000"), Decimal("0.01")),
    (Decimal("2000000"), Decimal("0.009")),
    (Decimal("5000000"), Decimal("0.008")),
    (Decimal("10000000"), Decimal("0.007")),
    (Decimal("20000000"), Decimal("0.006")),
    (None, Decimal("0.005")),
)
CENT = Decimal("0.01")


def _amounts(count: int) -> list[Decimal]:
    # Spread over every bracket, with cents: 0.01 … about 30,000,000.
    return [Decimal(i * 7919 % 3_000_000_000).scaleb(-2) for i in range(1, count + 1)]


def _bare_fee(amount: Decimal) -> Decimal:
    fee = Decimal(50)
    lower = Decimal(0)
    for upper, rate in BRACKETS:
        if amount <= lower:
            break
        top = amount if upper is None else min(amount, upper)
        fee += (top - lower) * rate
        if upper is None:
            break
        lower = upper
    return fee.quantize(CENT, rounding=ROUND_HALF_UP)


def run(smoke: bool) -> list[Figure]:
    count = SMOKE if smoke else FULL
    calendar = Calendar()
    names = list(RULES)
    starts = [FIRST_START + timedelta(days=i * 37 % START_SPREAD) for i in range(count)]
    rules = [names[i % len(names)] for i in range(count)]

    def deadlines() -> None:
        for rule, start in zip(rules, starts, strict=True):
            compute_deadline(rule, start, calendar=calendar)

    def deadline_floor() -> None:
        step = timedelta(days=15)
        one = timedelta(days=1)
        for start in starts:
            end = start + step
            while not chinese_calendar.is_workday(end):
                end += one

    amounts = _amounts(count)

    def fees() -> None:
        for amount in amounts:
            acceptance_fee(amount)

    def fee_floor() -> None:
        for amount in amounts:
            _bare_fee(amount)

    # The engine must agree with the floor it is measured against.
    for amount in amounts[:: max(1, count // 500)]:
        assert acceptance_fee(amount).fee == _bare_fee(amount), amount

    return [
        Figure(
            "deadlines (compute_deadline, 22 rules)",
            count,
            timed(deadlines),
            "timedelta + is_workday",
            timed(deadline_floor),
        ),
        Figure("acceptance fees (acceptance_fee)", count, timed(fees), "bare Decimal brackets", timed(fee_floor)),
    ]
