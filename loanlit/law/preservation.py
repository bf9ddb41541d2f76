"""Terms of seizures, freezes and distraints (查封、冻结、扣押) in preservation and enforcement, and renewals.

* Maximum terms (CPL Interpretation art. 485 para 1; SPC Property Preservation Provisions (2020) art. 18):
  bank deposits 1 year, movables 2 years, real estate and other property rights (equity, receivables,
  other rights) 3 years. The court may set a shorter term; never a longer one.
* Counting (CPL art. 85; Civil Code arts. 202–203): the day the measure takes effect is not counted, the
  term ends on the same day N months later (the month's last day where that day does not exist) and an
  end on a rest day rolls over to the next working day. This is the method of ``law.periods`` (rules
  ``preservation_*``), so a full statutory term here gives the same dates as the deadlines app.
* A term the court states (on the ruling or the registry's receipt) wins over the computation and is not
  rolled over: the court fixed the day.
* Renewal (续行): apply at least 7 days before expiry (Preservation Provisions art. 18 para 2); the latest
  safe application day is the working day on or before the nominal expiry − 7 days. The court must renew
  before the term ends (CPL Interpretation art. 485 para 2); the renewed term runs on from the previous
  nominal expiry and is again at most the maximum for the asset.
* A preservation measure turns into an enforcement measure without a new ruling and its term keeps
  running (CPL Interpretation art. 168): nothing here restarts on the move to enforcement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from loanlit.law.calendar import DEFAULT_POLICY, Calendar, RolloverPolicy
from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError
from loanlit.law.periods import PRESERVATION_RENEWAL_LEAD, RULES, add_months, compute_for_spec

__all__ = [
    "ASSET_TERM_CLASS",
    "MAX_TERM_MONTHS",
    "MEASURE_KINDS_FOR_ASSET",
    "AssetClass",
    "MeasureKind",
    "MeasureTerm",
    "TermClass",
    "check_measure_kind",
    "days_to_renewal",
    "max_term_months",
    "measure_term",
    "renewal_term",
    "term_class",
]


class AssetClass(StrEnum):
    REAL_ESTATE = "real_estate"
    VEHICLE = "vehicle"
    DEPOSIT = "deposit"
    EQUITY = "equity"
    RECEIVABLE = "receivable"
    OTHER_MOVABLE = "other_movable"
    OTHER_RIGHT = "other_right"


class TermClass(StrEnum):
    """The three statutory term classes; the values are the deadlines app's asset types."""

    DEPOSIT = "deposit"  # 冻结银行存款: 1 year
    MOVABLE = "movable"  # 查封、扣押动产: 2 years
    REAL_ESTATE = "real_estate"  # 查封不动产、冻结其他财产权: 3 years


class MeasureKind(StrEnum):
    SEIZURE = "seizure"  # 查封
    FREEZE = "freeze"  # 冻结
    DISTRAINT = "distraint"  # 扣押


ASSET_TERM_CLASS: Final[Mapping[str, TermClass]] = {
    AssetClass.REAL_ESTATE: TermClass.REAL_ESTATE,
    AssetClass.VEHICLE: TermClass.MOVABLE,
    AssetClass.DEPOSIT: TermClass.DEPOSIT,
    AssetClass.EQUITY: TermClass.REAL_ESTATE,
    AssetClass.RECEIVABLE: TermClass.REAL_ESTATE,
    AssetClass.OTHER_MOVABLE: TermClass.MOVABLE,
    AssetClass.OTHER_RIGHT: TermClass.REAL_ESTATE,
}
MAX_TERM_MONTHS: Final[Mapping[TermClass, int]] = {
    TermClass.DEPOSIT: 12,
    TermClass.MOVABLE: 24,
    TermClass.REAL_ESTATE: 36,
}
_RULE_FOR_CLASS: Final[Mapping[TermClass, str]] = {
    TermClass.DEPOSIT: "preservation_deposit",
    TermClass.MOVABLE: "preservation_movable",
    TermClass.REAL_ESTATE: "preservation_real_estate",
}
# Real estate and movables are seized (查封), movables also distrained (扣押); deposits and rights are frozen.
MEASURE_KINDS_FOR_ASSET: Final[Mapping[str, frozenset[MeasureKind]]] = {
    AssetClass.REAL_ESTATE: frozenset({MeasureKind.SEIZURE}),
    AssetClass.VEHICLE: frozenset({MeasureKind.SEIZURE, MeasureKind.DISTRAINT}),
    AssetClass.OTHER_MOVABLE: frozenset({MeasureKind.SEIZURE, MeasureKind.DISTRAINT}),
    AssetClass.DEPOSIT: frozenset({MeasureKind.FREEZE}),
    AssetClass.EQUITY: frozenset({MeasureKind.FREEZE}),
    AssetClass.RECEIVABLE: frozenset({MeasureKind.FREEZE}),
    AssetClass.OTHER_RIGHT: frozenset({MeasureKind.FREEZE}),
}


@dataclass(frozen=True)
class MeasureTerm:
    """One term of a measure (the first, or a renewal).

    ``start`` is the day the term runs from (not counted); ``nominal_expiry`` its last day before
    roll-over, ``expiry`` after it; ``renewal_due`` the latest safe day to apply for renewal.
    """

    asset: str
    term_class: TermClass
    start: date
    term_months: int
    max_months: int
    nominal_expiry: date
    expiry: date
    renewal_due: date
    rolled: bool
    stated: bool
    confirmed: bool
    applied_late: bool = False
    explanation: tuple[Msg, ...] = ()


def term_class(asset: str) -> TermClass:
    """The statutory term class of an asset kind (CPL Interpretation art. 485)."""
    found = ASSET_TERM_CLASS.get(asset)
    if found is None:
        raise LawInputError("preservation.unknown_asset", asset=asset)
    return found


def max_term_months(asset: str) -> int:
    return MAX_TERM_MONTHS[term_class(asset)]


def check_measure_kind(asset: str, kind: str) -> None:
    """Refuse a measure that does not fit the asset (a bank deposit is frozen, never seized)."""
    allowed = MEASURE_KINDS_FOR_ASSET.get(asset)
    if allowed is None:
        raise LawInputError("preservation.unknown_asset", asset=asset)
    if kind not in {k.value for k in MeasureKind}:
        raise LawInputError("preservation.unknown_measure", kind=kind)
    if kind not in allowed:
        raise LawInputError("preservation.measure_not_for_asset", kind=kind, asset=asset)


def _require_date(value: object, name: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise LawInputError("preservation.bad_date", name=name, value=repr(value))
    return value


def _term(
    asset: str,
    start: date,
    *,
    calendar: Calendar,
    term_months: int | None,
    stated_expiry: date | None,
    policy: RolloverPolicy,
    heading: Msg,
) -> MeasureTerm:
    klass = term_class(asset)
    maximum = MAX_TERM_MONTHS[klass]
    months = maximum if term_months is None else term_months
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= maximum:
        raise LawInputError("preservation.term_too_long", months=months, maximum=maximum, asset=asset)
    rule = RULES[_RULE_FOR_CLASS[klass]]
    if stated_expiry is not None:
        stated_expiry = _require_date(stated_expiry, "stated_expiry")
        longest, _clamped = add_months(start, maximum)
        if not start < stated_expiry <= longest:
            raise LawInputError(
                "preservation.stated_out_of_range",
                expiry=stated_expiry.isoformat(),
                start=start.isoformat(),
                longest=longest.isoformat(),
            )
        due, due_confirmed = calendar.previous_working_day(stated_expiry - PRESERVATION_RENEWAL_LEAD, policy)
        confirmed = due_confirmed and calendar.day_info(stated_expiry).confirmed
        return MeasureTerm(
            asset=asset,
            term_class=klass,
            start=start,
            term_months=months,
            max_months=maximum,
            nominal_expiry=stated_expiry,
            expiry=stated_expiry,
            renewal_due=due,
            rolled=False,
            stated=True,
            confirmed=confirmed,
            explanation=(
                heading,
                Msg("preservation.stated", {"expiry": stated_expiry.isoformat()}),
                Msg("period.preservation_renewal", {"expiry": stated_expiry.isoformat(), "reminder": due.isoformat()}),
            ),
        )
    spec = rule if months == maximum else replace(rule, amount=months)
    result = compute_for_spec(spec, start, calendar=calendar, policy=policy)
    lines = [heading]
    if months == maximum:
        lines.extend(result.explanation)
    else:
        # The first line of a period result names the full statutory rule: a shorter term replaces it.
        lines.append(Msg("preservation.term", {"months": months, "maximum": maximum}))
        lines.extend(result.explanation[1:])
    return MeasureTerm(
        asset=asset,
        term_class=klass,
        start=start,
        term_months=months,
        max_months=maximum,
        nominal_expiry=result.nominal_end,
        expiry=result.deadline,
        renewal_due=result.reminder_date,
        rolled=result.rolled,
        stated=False,
        confirmed=result.confirmed,
        explanation=tuple(lines),
    )


def measure_term(
    asset: str,
    took_effect_on: date,
    *,
    calendar: Calendar,
    term_months: int | None = None,
    stated_expiry: date | None = None,
    policy: RolloverPolicy = DEFAULT_POLICY,
) -> MeasureTerm:
    """The first term of a measure that took effect on ``took_effect_on`` (CPL Interpretation art. 485;
    Preservation Provisions art. 18). ``term_months`` defaults to the statutory maximum; a
    ``stated_expiry`` from the court wins."""
    start = _require_date(took_effect_on, "took_effect_on")
    heading = Msg("preservation.first_term", {"start": start.isoformat(), "class": term_class(asset).value})
    return _term(
        asset,
        start,
        calendar=calendar,
        term_months=term_months,
        stated_expiry=stated_expiry,
        policy=policy,
        heading=heading,
    )


def renewal_term(
    asset: str,
    *,
    previous_nominal_expiry: date,
    previous_expiry: date,
    renewed_on: date,
    calendar: Calendar,
    applied_on: date | None = None,
    previous_renewal_due: date | None = None,
    term_months: int | None = None,
    stated_expiry: date | None = None,
    policy: RolloverPolicy = DEFAULT_POLICY,
) -> MeasureTerm:
    """The renewed term (续行) after the one ending ``previous_nominal_expiry`` (CPL Interpretation art. 485
    para 2). The court must renew on or before the running term's last day ``previous_expiry``; an
    application after ``previous_renewal_due`` is flagged ``applied_late`` (it is at the applicant's risk,
    Preservation Provisions art. 18 para 2) but a renewal done in time still stands."""
    base = _require_date(previous_nominal_expiry, "previous_nominal_expiry")
    last_day = _require_date(previous_expiry, "previous_expiry")
    renewed = _require_date(renewed_on, "renewed_on")
    if renewed > last_day:
        raise LawInputError(
            "preservation.renewal_after_expiry", renewed=renewed.isoformat(), expiry=last_day.isoformat()
        )
    heading = Msg("preservation.renewal", {"start": base.isoformat(), "renewed": renewed.isoformat()})
    term = _term(
        asset,
        base,
        calendar=calendar,
        term_months=term_months,
        stated_expiry=stated_expiry,
        policy=policy,
        heading=heading,
    )
    late = False
    if applied_on is not None:
        applied = _require_date(applied_on, "applied_on")
        if applied > renewed:
            raise LawInputError(
                "preservation.applied_after_renewal", applied=applied.isoformat(), renewed=renewed.isoformat()
            )
        late = previous_renewal_due is not None and applied > previous_renewal_due
    if late:
        assert previous_renewal_due is not None
        lines = (*term.explanation, Msg("preservation.applied_late", {"due": previous_renewal_due.isoformat()}))
        return replace(term, applied_late=True, explanation=lines)
    return term


def days_to_renewal(term: MeasureTerm, today: date) -> int:
    """Days from ``today`` to the latest safe application day (negative once it has passed)."""
    return (term.renewal_due - today).days


register(
    {
        "preservation.first_term": (
            "措施于 {start} 生效（期限类别：{class}），生效当日不计入期限（《民事诉讼法》第85条）",
            "The measure took effect on {start} (term class: {class}); that day is not counted (CPL art. 85)",
        ),
        "preservation.renewal": (
            "续行期限自原期限届满日 {start} 起接续计算（续行手续于 {renewed} 办理，《民诉法解释》第485条第2款）",
            "The renewed term runs on from the previous expiry {start} (renewal done on {renewed}; "
            "CPL Interpretation art. 485 para 2)",
        ),
        "preservation.term": (
            "期限 {months} 个月（该类财产法定最长 {maximum} 个月，《民诉法解释》第485条；《财产保全规定》第18条）",
            "Term of {months} months (the statutory maximum for this asset is {maximum} months; "
            "CPL Interpretation art. 485; Preservation Provisions art. 18)",
        ),
        "preservation.stated": (
            "以法院裁定或协助执行回执载明的到期日 {expiry} 为准，不再按节假日顺延",
            "The expiry {expiry} stated by the court (ruling or registry receipt) applies; it is not rolled over",
        ),
        "preservation.applied_late": (
            "续行申请晚于最晚安全申请日 {due}（《财产保全规定》第18条第2款：逾期申请的后果由申请人承担）",
            "The renewal was applied for after the latest safe day {due} (Preservation Provisions art. 18 para 2: "
            "a late application is at the applicant's risk)",
        ),
        "preservation.unknown_asset": ("未知的财产类型：{asset}", "Unknown kind of asset: {asset}"),
        "preservation.unknown_measure": ("未知的措施类型：{kind}", "Unknown kind of measure: {kind}"),
        "preservation.measure_not_for_asset": (
            "措施 {kind} 不适用于财产类型 {asset}（银行存款、股权和其他财产权应冻结，不动产、动产应查封或扣押）",
            "A {kind} does not fit an asset of kind {asset} (deposits, equity and other rights are frozen; "
            "real estate and movables are seized or distrained)",
        ),
        "preservation.term_too_long": (
            "期限 {months} 个月无效：{asset} 的期限须为 1 至 {maximum} 个月（《民诉法解释》第485条）",
            "A term of {months} months is not possible: for {asset} it must be 1 to {maximum} months "
            "(CPL Interpretation art. 485)",
        ),
        "preservation.stated_out_of_range": (
            "载明的到期日 {expiry} 须晚于起算日 {start}，且不晚于法定最长期限届满日 {longest}",
            "The stated expiry {expiry} must be after the start {start} and no later than the statutory "
            "maximum {longest}",
        ),
        "preservation.renewal_after_expiry": (
            "续行日期 {renewed} 晚于原期限届满日 {expiry}：期限届满未续行的，措施效力消灭，只能重新采取措施",
            "The renewal on {renewed} is after the term ended on {expiry}: an expired measure cannot be renewed, "
            "only taken again",
        ),
        "preservation.applied_after_renewal": (
            "申请日 {applied} 晚于续行日 {renewed}",
            "The application on {applied} is after the renewal on {renewed}",
        ),
        "preservation.bad_date": ("{name} 必须是日期（不含时间）：{value}", "{name} must be a date: {value}"),
    }
)
