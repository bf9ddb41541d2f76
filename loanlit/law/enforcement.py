"""Enforcement periods, the 终本 review rhythm and judicial auction rounds.

* Applying for enforcement: 2 years from the last day of the performance period, or from the effective
  date where none is set (CPL art. 250). A late application is still accepted: the court refuses only on
  the debtor's upheld objection (CPL Interpretation art. 481), so lateness is a warning, never a refusal.
* After 终本 (terminated for now) the creditor may apply to resume at any time when assets turn up; the
  2-year period does not apply (CPL Interpretation art. 517).
* A breached settlement in enforcement (执行和解): apply to resume the original title within 2 years
  from the last performance day the settlement set (SPC Enforcement Settlement Provisions (2020) art. 10).
* The enforcement case limit: 6 months from filing (SPC Time-Limit Provisions (2000) art. 5; the
  applicant may go to the higher court afterwards, CPL art. 237).
* Review of the 终本 pool: the court re-runs its online searches every 6 months for 5 years (SPC 终本
  Provisions (2016), [unverified] per rules.md §6.18); the product reviews every 6 months by default.
* Auctions (SPC Auction and Sale Provisions (2020)): appraisal, first auction, and after a failed
  auction a second one whose reserve may be at most 20% lower (art. 8 para 2 offline; Online Judicial
  Auction Provisions (2016) art. 26 online); after the second fails, a sale (变卖) or settlement in kind
  (以物抵债, arts. 16, 24–25). A successful round or a settlement in kind ends the sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum
from typing import Final

from loanlit.law.calendar import DEFAULT_POLICY, Calendar, RolloverPolicy
from loanlit.law.explain import Msg, register
from loanlit.law.money import CENT, LawInputError, require_money
from loanlit.law.periods import DeadlineResult, add_months, compute_deadline

__all__ = [
    "DEFAULT_REVIEW_MONTHS",
    "MAX_RESERVE_DROP",
    "ApplicationCheck",
    "AuctionResult",
    "AuctionStep",
    "allowed_next_steps",
    "application_check",
    "auction_reserve_floor",
    "check_auction_step",
    "enforcement_limit",
    "next_review_on",
    "resumption_after_settlement_deadline",
]

DEFAULT_REVIEW_MONTHS: Final = 6
MAX_REVIEW_MONTHS: Final = 60
MAX_RESERVE_DROP: Final = Decimal("0.20")


@dataclass(frozen=True)
class ApplicationCheck:
    """Whether an application for enforcement on ``applied_on`` is within the 2-year period."""

    applied_on: date
    deadline: DeadlineResult
    late: bool
    explanation: tuple[Msg, ...]


def application_check(
    applied_on: date,
    *,
    performance_ends: date,
    calendar: Calendar,
    policy: RolloverPolicy = DEFAULT_POLICY,
) -> ApplicationCheck:
    """The 2-year period of CPL art. 250 from ``performance_ends`` (or the effective date)."""
    result = compute_deadline("enforcement_application", performance_ends, calendar=calendar, policy=policy)
    late = applied_on > result.deadline
    code = "enforcement.application_late" if late else "enforcement.application_in_time"
    lines = (*result.explanation, Msg(code, {"applied": applied_on.isoformat(), "deadline": result.deadline}))
    return ApplicationCheck(applied_on=applied_on, deadline=result, late=late, explanation=lines)


def resumption_after_settlement_deadline(
    last_performance_day: date, *, calendar: Calendar, policy: RolloverPolicy = DEFAULT_POLICY
) -> DeadlineResult:
    """The 2 years to apply to resume after a breached settlement, from the settlement's last performance day
    (SPC Enforcement Settlement Provisions (2020) art. 10; CPL art. 250)."""
    return compute_deadline("enforcement_application", last_performance_day, calendar=calendar, policy=policy)


def enforcement_limit(began: date, *, calendar: Calendar, policy: RolloverPolicy = DEFAULT_POLICY) -> DeadlineResult:
    """The 6-month enforcement case limit from filing (SPC Time-Limit Provisions (2000) art. 5; CPL art. 237)."""
    return compute_deadline("enforcement_limit", began, calendar=calendar, policy=policy)


def next_review_on(since: date, *, months: int = DEFAULT_REVIEW_MONTHS) -> date:
    """The next review of a 终本 case: ``months`` after ``since`` (the 终本 ruling or the last review), the
    month's last day where the day does not exist (Civil Code art. 202). An internal date: no roll-over."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_REVIEW_MONTHS:
        raise LawInputError("enforcement.bad_review_interval", months=months, maximum=MAX_REVIEW_MONTHS)
    return add_months(since, months)[0]


# --- auctions ----------------------------------------------------------------------------------------------


class AuctionStep(StrEnum):
    APPRAISAL = "appraisal"
    FIRST_AUCTION = "first_auction"
    SECOND_AUCTION = "second_auction"
    SALE = "sale"
    SETTLEMENT_IN_KIND = "settlement_in_kind"


class AuctionResult(StrEnum):
    DONE = "done"  # an appraisal or a settlement in kind
    SOLD = "sold"
    FAILED = "failed"  # 流拍 / no buyer
    WITHDRAWN = "withdrawn"  # 撤回, 中止: the round did not take place


ROUNDS: Final = frozenset({AuctionStep.FIRST_AUCTION, AuctionStep.SECOND_AUCTION, AuctionStep.SALE})


def allowed_next_steps(history: Sequence[tuple[str, str]]) -> tuple[AuctionStep, ...]:
    """What may follow ``history`` (``(step, result)`` in order): the auction ladder of rules.md §6.16."""
    done = [(AuctionStep(step), AuctionResult(result)) for step, result in history]
    if any(result is AuctionResult.SOLD for _step, result in done) or any(
        step is AuctionStep.SETTLEMENT_IN_KIND for step, _result in done
    ):
        return ()
    held = [(step, result) for step, result in done if result is not AuctionResult.WITHDRAWN]
    appraised = any(step is AuctionStep.APPRAISAL for step, _result in held)
    rounds = [step for step, result in held if step in ROUNDS]
    last_failed = bool(held) and held[-1][1] is AuctionResult.FAILED
    if not appraised:
        return (AuctionStep.APPRAISAL,)
    if not rounds:
        return (AuctionStep.APPRAISAL, AuctionStep.FIRST_AUCTION)
    last = rounds[-1]
    after_failure: dict[AuctionStep, tuple[AuctionStep, ...]] = {
        AuctionStep.FIRST_AUCTION: (AuctionStep.SECOND_AUCTION, AuctionStep.SETTLEMENT_IN_KIND),
        AuctionStep.SECOND_AUCTION: (AuctionStep.SALE, AuctionStep.SETTLEMENT_IN_KIND),
        AuctionStep.SALE: (AuctionStep.SETTLEMENT_IN_KIND,),
    }
    return after_failure[last] if last_failed else ()


def auction_reserve_floor(previous_reserve: Decimal) -> Decimal:
    """The lowest reserve of the next round: at most 20% below the previous one (SPC Auction Provisions (2020)
    art. 8 para 2; Online Judicial Auction Provisions art. 26), rounded up to the cent so it never goes lower."""
    previous = require_money(previous_reserve, name="previous_reserve")
    return (previous * (1 - MAX_RESERVE_DROP)).quantize(CENT, rounding=ROUND_CEILING)


def check_auction_step(
    history: Sequence[tuple[str, str]],
    step: str,
    *,
    reserve: Decimal | None = None,
    previous_reserve: Decimal | None = None,
) -> None:
    """Refuse a step that does not follow ``history``, or a second auction below the 20% floor."""
    try:
        wanted = AuctionStep(step)
    except ValueError:
        raise LawInputError("enforcement.auction_unknown_step", step=step) from None
    allowed = allowed_next_steps(history)
    if wanted not in allowed:
        raise LawInputError(
            "enforcement.auction_out_of_order", step=wanted.value, allowed=", ".join(s.value for s in allowed) or "-"
        )
    if wanted is AuctionStep.SECOND_AUCTION and reserve is not None and previous_reserve is not None:
        floor = auction_reserve_floor(previous_reserve)
        if require_money(reserve, name="reserve") < floor:
            raise LawInputError("enforcement.reserve_below_floor", reserve=reserve, floor=floor)


register(
    {
        "enforcement.application_in_time": (
            "于 {applied} 申请执行，未超过申请执行期间（届满日 {deadline}，《民事诉讼法》第250条）",
            "Applied on {applied}, within the period to apply (it ends on {deadline}; CPL art. 250)",
        ),
        "enforcement.application_late": (
            "于 {applied} 申请执行，已超过申请执行期间（届满日 {deadline}）；法院仍应受理，"
            "被执行人提出异议且成立的，裁定不予执行（《民诉法解释》第481条）",
            "Applied on {applied}, after the period ended on {deadline}; the court still accepts it and refuses "
            "enforcement only if the debtor objects and the objection is upheld (CPL Interpretation art. 481)",
        ),
        "enforcement.bad_review_interval": (
            "复查间隔须为 1 至 {maximum} 个月：{months}",
            "The review interval must be 1 to {maximum} months: {months}",
        ),
        "enforcement.auction_unknown_step": ("未知的拍卖环节：{step}", "Unknown auction step: {step}"),
        "enforcement.auction_out_of_order": (
            "拍卖环节 {step} 不能在此时进行，可进行的环节：{allowed}"
            "（评估 → 一拍 → 流拍后二拍 → 流拍后变卖；流拍后可以物抵债）",
            "The step {step} cannot come now; possible steps: {allowed} (appraisal → first auction → after a "
            "failure a second auction → after a failure a sale; settlement in kind after a failed round)",
        ),
        "enforcement.reserve_below_floor": (
            "二拍保留价 {reserve} 低于一拍保留价降价百分之二十后的 {floor}（《拍卖变卖规定》第8条）",
            "The second auction's reserve {reserve} is below {floor}, 20% under the first reserve "
            "(SPC Auction Provisions art. 8)",
        ),
    }
)
