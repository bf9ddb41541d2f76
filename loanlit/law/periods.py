"""Procedural and civil periods (期间) computed under CPL (2023) art. 85 and Civil Code arts. 200–204.

* The start day is not counted: day, month and year periods run from the next day (CPL art. 85
  para 2; CPL Interpretation art. 125).
* Day periods end on start + N days; month and year periods on the same day-of-month, or the last
  day of the month where that day does not exist (Civil Code art. 202).
* A period ending on a rest day ends on the next working day (CPL art. 85 para 3; Civil Code
  art. 203); make-up working days and swapped rest days follow :class:`RolloverPolicy`.
* Time in the post is excluded: compare the postmark date with the deadline (CPL art. 85 para 4).
* Each party's period runs from its own service date (CPL Interpretation art. 244).
* Trial limits exclude publication, appraisal, settlement and jurisdiction time (CPL Interpretation
  art. 243), passed in as suspension intervals.

The calendar is injected; a year without holiday data gives a provisional result (``confirmed`` is
False and the reminder falls on the earlier of the nominal end and the provisional date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from loanlit.law.calendar import DAY_KIND_LABELS, DEFAULT_POLICY, Calendar, DayKind, RolloverPolicy
from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError
from loanlit.law.procedure_checks import (
    EvidenceCheck,
    EvidenceStatus,
    Procedure,
    TimelinessResult,
    check_evidence_period,
    filing_is_timely,
)

__all__ = [
    "RULES",
    "RULE_ALIASES",
    "DeadlineResult",
    "EffectiveDateResult",
    "EvidenceCheck",
    "EvidenceStatus",
    "Procedure",
    "RuleKind",
    "RuleSpec",
    "TimelinessResult",
    "Unit",
    "add_months",
    "check_evidence_period",
    "compute_deadline",
    "compute_for_spec",
    "filing_is_timely",
    "judgment_effective_date",
    "party_deadlines",
    "resolve_rule",
    "rule_texts",
]


class Unit(StrEnum):
    DAYS = "days"
    MONTHS = "months"


class RuleKind(StrEnum):
    PERIOD = "period"  # a party's procedural period
    PUBLICATION = "publication"  # roll-over follows RolloverPolicy.publication_rollover
    TRIAL_LIMIT = "trial_limit"  # the court's limit; suspension intervals are excluded
    CIVIL = "civil"  # Civil Code periods (limitation, guarantee period)
    PRESERVATION = "preservation"  # term of a preservation measure; reminder = expiry − 7 days


@dataclass(frozen=True)
class RuleSpec:
    """One named period: its length, label and the article it comes from."""

    name: str
    amount: int
    unit: Unit
    kind: RuleKind
    label_zh: str
    label_en: str
    article_zh: str
    article_en: str


_CPL = "《民事诉讼法》（2023年修正）"
_CPL_EN = "CPL (2023)"
_INTERP = ("《民诉法解释》", "CPL Interpretation")
_PRESERVATION = (
    "《民诉法解释》第485条；《财产保全规定》第18条",
    "CPL Interpretation art. 485; Preservation Provisions art. 18",
)


def _cpl(article: int, para: int | str | None = None) -> tuple[str, str]:
    """A CPL (2023) citation in both languages; ``para`` is a number or "last"."""
    if para is None:
        return f"{_CPL}第{article}条", f"{_CPL_EN} art. {article}"
    if para == "last":
        return f"{_CPL}第{article}条末款", f"{_CPL_EN} art. {article} last para"
    return f"{_CPL}第{article}条第{para}款", f"{_CPL_EN} art. {article} para {para}"


def _and_interp(citation: tuple[str, str], article: int) -> tuple[str, str]:
    return f"{citation[0]}；{_INTERP[0]}第{article}条", f"{citation[1]}; {_INTERP[1]} art. {article}"


_D, _M = Unit.DAYS, Unit.MONTHS
_P, _PUB, _T = RuleKind.PERIOD, RuleKind.PUBLICATION, RuleKind.TRIAL_LIMIT
_C, _S = RuleKind.CIVIL, RuleKind.PRESERVATION

# name, length, unit, kind, label zh, label en, (article zh, article en)
_TABLE: Final[tuple[tuple[str, int, Unit, RuleKind, str, str, tuple[str, str]], ...]] = (
    ("appeal_judgment", 15, _D, _P, "不服判决上诉期", "appeal against a judgment", _cpl(171, 1)),
    ("appeal_ruling", 10, _D, _P, "不服裁定上诉期", "appeal against a ruling", _cpl(171, 2)),
    ("appeal_foreign", 30, _D, _P, "境外当事人上诉期", "appeal, no domicile in the PRC", _cpl(286)),
    ("answer", 15, _D, _P, "答辩期", "answer to the complaint", _cpl(128)),
    ("answer_foreign", 30, _D, _P, "境外被告答辩期", "answer, no domicile in the PRC", _cpl(285)),
    ("publication", 30, _D, _PUB, "公告送达期", "service by publication", _and_interp(_cpl(95), 138)),
    ("publication_foreign", 60, _D, _PUB, "涉外公告送达期", "foreign service by publication", _cpl(283, "last")),
    ("sue_after_preservation", 30, _D, _P, "诉前保全后起诉期", "suing after pre-suit preservation", _cpl(104, 3)),
    (
        "fee_payment", 7, _D, _P, "预交案件受理费期", "paying the acceptance fee",
        ("《诉讼费用交纳办法》第22条；《民诉法解释》第213条", "Fee Measures art. 22; CPL Interpretation art. 213"),
    ),
    ("trial_ordinary", 6, _M, _T, "普通程序审理期限", "ordinary trial limit", _and_interp(_cpl(152), 243)),
    ("trial_summary", 3, _M, _T, "简易程序审理期限", "summary trial limit", _and_interp(_cpl(164), 258)),
    ("trial_small_claims", 2, _M, _T, "小额诉讼审理期限", "small-claims trial limit", _cpl(168)),
    ("trial_second_instance", 3, _M, _T, "二审判决审理期限", "second-instance limit (judgments)", _cpl(183, 1)),
    ("trial_second_instance_ruling", 30, _D, _T, "二审裁定审理期限", "second-instance limit (rulings)", _cpl(183, 2)),
    (
        "enforcement_limit", 6, _M, _T, "执行案件办理期限", "enforcement case time limit",
        (
            "《最高人民法院关于严格执行案件审理期限制度的若干规定》第5条；" + _cpl(237)[0],
            "SPC Time-Limit Provisions (2000) art. 5; " + _cpl(237)[1],
        ),
    ),
    ("enforcement_application", 24, _M, _P, "申请执行期间", "period to apply for enforcement", _cpl(250)),
    (
        "limitation", 36, _M, _C, "诉讼时效期间", "limitation period",
        ("《民法典》第188条、第189条", "Civil Code arts. 188, 189"),
    ),
    (
        "guarantee_period", 6, _M, _C, "保证期间（未约定）", "guarantee period (none agreed)",
        ("《民法典》第692条第2款", "Civil Code art. 692 para 2"),
    ),
    ("retrial_application", 6, _M, _P, "申请再审期间", "period to apply for retrial", _cpl(216)),
    ("preservation_deposit", 12, _M, _S, "冻结银行存款期限", "freeze of bank deposits", _PRESERVATION),
    ("preservation_movable", 24, _M, _S, "查封、扣押动产期限", "seizure of movables", _PRESERVATION),
    ("preservation_real_estate", 36, _M, _S, "查封不动产等期限", "seizure of real estate, other rights", _PRESERVATION),
)  # fmt: skip

RULES: Final[Mapping[str, RuleSpec]] = {
    name: RuleSpec(name, amount, unit, kind, zh, en, article[0], article[1])
    for name, amount, unit, kind, zh, en, article in _TABLE
}

# The period types used by vectors.json, mapped to the rule names above.
RULE_ALIASES: Final[Mapping[str, str]] = {
    "appeal_no_domicile_in_prc": "appeal_foreign",
    "answer_after_publication": "answer",
    "service_by_publication": "publication",
    "foreign_service_by_publication": "publication_foreign",
    "apply_to_sue_after_pre_suit_preservation": "sue_after_preservation",
    "trial_limit_ordinary": "trial_ordinary",
    "trial_limit_summary": "trial_summary",
    "trial_limit_small_claims": "trial_small_claims",
    "trial_limit_second_instance": "trial_second_instance",
    "enforcement_case_limit": "enforcement_limit",
    "apply_for_enforcement_2y": "enforcement_application",
    "limitation_3y": "limitation",
    "limitation_3y_installments": "limitation",
    "guarantee_period_default_6m": "guarantee_period",
}

PRESERVATION_RENEWAL_LEAD: Final = timedelta(days=7)


@dataclass(frozen=True)
class DeadlineResult:
    """One computed period. ``nominal_end`` is before roll-over, ``deadline`` after it."""

    rule: str
    start: date
    nominal_end: date
    deadline: date
    rolled: bool
    confirmed: bool
    reminder_date: date
    explanation: list[Msg] = field(default_factory=list)
    excluded_days: int = 0
    clamped: bool = False


def resolve_rule(rule: str) -> RuleSpec:
    spec = RULES.get(RULE_ALIASES.get(rule, rule))
    if spec is None:
        raise LawInputError("period.unknown_rule", rule=rule)
    return spec


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def add_months(start: date, months: int) -> tuple[date, bool]:
    """Same day-of-month ``months`` later, or that month's last day if it has no such day
    (Civil Code art. 202); returns the date and whether it was clamped."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = _days_in_month(year, month + 1)
    return date(year, month + 1, min(start.day, last)), start.day > last


def _merge(intervals: Sequence[tuple[date, date]]) -> list[tuple[date, date]]:
    merged: list[tuple[date, date]] = []
    for first, last in sorted(intervals):
        if last < first:
            raise LawInputError("period.bad_interval", first=first.isoformat(), last=last.isoformat())
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _extend_by_suspensions(start: date, end: date, intervals: Sequence[tuple[date, date]]) -> tuple[date, int]:
    """Push ``end`` out by every excluded day (both ends inclusive) that falls while the limit runs
    (CPL Interpretation art. 243); an interval after the limit ended changes nothing."""
    excluded = 0
    for first, last in _merge(intervals):
        first = max(first, start + timedelta(days=1))
        if last < first or first > end:
            continue
        days = (last - first).days + 1
        excluded += days
        end += timedelta(days=days)
    return end, excluded


def _kind(kind: DayKind) -> dict[str, str]:
    zh, en = DAY_KIND_LABELS[kind]
    return {"kind_zh": zh, "kind_en": en}


def compute_deadline(
    rule: str,
    start: date,
    *,
    calendar: Calendar,
    policy: RolloverPolicy = DEFAULT_POLICY,
    suspensions: Sequence[tuple[date, date]] = (),
) -> DeadlineResult:
    """Compute a named period from ``start`` (CPL art. 85; Civil Code arts. 201–203).

    ``start`` is the event the period runs from: the service date for appeals and answers, the last
    posting date for publication, the filing date for trial limits, the last day of the performance
    period (or the effective date where none is set) for ``enforcement_application`` (CPL art. 250),
    the main debt's due or acceleration date for ``guarantee_period`` (Civil Code art. 692), the day
    the measure took effect for ``preservation_*`` (CPL Interpretation art. 485). ``suspensions`` are
    intervals excluded from trial and enforcement limits (CPL Interpretation art. 243); the guarantee
    period cannot be suspended (Civil Code art. 692 para 1).
    """
    return compute_for_spec(resolve_rule(rule), start, calendar=calendar, policy=policy, suspensions=suspensions)


def compute_for_spec(
    spec: RuleSpec,
    start: date,
    *,
    calendar: Calendar,
    policy: RolloverPolicy = DEFAULT_POLICY,
    suspensions: Sequence[tuple[date, date]] = (),
) -> DeadlineResult:
    """:func:`compute_deadline` for a rule given by its spec (used for event rules)."""
    if isinstance(start, datetime) or not isinstance(start, date):
        raise LawInputError("period.bad_start", value=repr(start))
    explanation = [Msg(f"period.rule.{spec.name}"), Msg("period.start_not_counted", {"start": start.isoformat()})]
    if spec.unit is Unit.DAYS:
        base, clamped = start + timedelta(days=spec.amount), False
        explanation.append(Msg("period.end_days", {"days": spec.amount, "end": base.isoformat()}))
    else:
        base, clamped = add_months(start, spec.amount)
        explanation.append(Msg("period.end_months", {"months": spec.amount, "end": base.isoformat()}))
        if clamped:
            explanation.append(Msg("period.month_end_clamped", {"end": base.isoformat()}))

    excluded = 0
    nominal_end = base
    if suspensions:
        if spec.kind is not RuleKind.TRIAL_LIMIT:
            raise LawInputError("period.suspension_not_allowed", rule=spec.name)
        nominal_end, excluded = _extend_by_suspensions(start, base, suspensions)
        explanation.append(Msg("period.suspension_excluded", {"days": excluded, "end": nominal_end.isoformat()}))

    info = calendar.day_info(nominal_end)
    rollover = policy.publication_rollover if spec.kind is RuleKind.PUBLICATION else True
    if rollover:
        deadline, confirmed = calendar.next_working_day(nominal_end, policy)
    else:
        deadline, confirmed = nominal_end, info.confirmed
        explanation.append(Msg("period.publication_no_rollover"))
    rolled = deadline != nominal_end
    if rolled:
        explanation.append(
            Msg("period.rolled", {"end": nominal_end.isoformat(), **_kind(info.kind), "deadline": deadline.isoformat()})
        )
    elif rollover:
        explanation.append(Msg("period.working_day", {"end": nominal_end.isoformat(), **_kind(info.kind)}))

    if spec.kind is RuleKind.PRESERVATION:
        reminder, reminder_confirmed = calendar.previous_working_day(nominal_end - PRESERVATION_RENEWAL_LEAD, policy)
        confirmed = confirmed and reminder_confirmed
        explanation.append(
            Msg("period.preservation_renewal", {"expiry": nominal_end.isoformat(), "reminder": reminder.isoformat()})
        )
    else:
        reminder = deadline if confirmed else min(nominal_end, deadline)
    if not confirmed:
        years = sorted({d.year for d in (nominal_end, deadline, reminder) if not calendar.year_has_data(d.year)})
        explanation.append(
            Msg("period.provisional", {"years": ", ".join(map(str, years)), "reminder": reminder.isoformat()})
        )
    if spec.name == "guarantee_period":
        explanation.append(Msg("period.guarantee_fixed"))
    return DeadlineResult(
        rule=spec.name,
        start=start,
        nominal_end=nominal_end,
        deadline=deadline,
        rolled=rolled,
        confirmed=confirmed,
        reminder_date=reminder,
        explanation=explanation,
        excluded_days=excluded,
        clamped=clamped,
    )


def party_deadlines(
    rule: str,
    service_dates: Mapping[str, date],
    *,
    calendar: Calendar,
    policy: RolloverPolicy = DEFAULT_POLICY,
) -> dict[str, DeadlineResult]:
    """Each party's period from its own service date (CPL Interpretation art. 244)."""
    return {
        party: compute_deadline(rule, served, calendar=calendar, policy=policy)
        for party, served in service_dates.items()
    }


@dataclass(frozen=True)
class EffectiveDateResult:
    effective_on: date
    last_deadline: date
    confirmed: bool
    explanation: list[Msg]


def judgment_effective_date(
    service_dates: Mapping[str, date],
    *,
    calendar: Calendar,
    rule: str = "appeal_judgment",
    policy: RolloverPolicy = DEFAULT_POLICY,
) -> EffectiveDateResult:
    """Expected effective date of an unappealed first-instance judgment: the day after the last
    party's appeal period ends (CPL art. 171; practice — confirm with the court's 生效证明)."""
    if not service_dates:
        raise LawInputError("period.no_service_dates")
    results = party_deadlines(rule, service_dates, calendar=calendar, policy=policy)
    last = max(r.deadline for r in results.values())
    effective = last + timedelta(days=1)
    return EffectiveDateResult(
        effective_on=effective,
        last_deadline=last,
        confirmed=all(r.confirmed for r in results.values()),
        explanation=[
            Msg("period.effective_after_last_party", {"last": last.isoformat(), "effective": effective.isoformat()})
        ],
    )


def rule_texts(specs: Iterable[RuleSpec]) -> dict[str, tuple[str, str]]:
    """The ``period.rule.<name>`` explanation texts for ``specs``."""
    texts: dict[str, tuple[str, str]] = {}
    for spec in specs:
        unit_zh = "日" if spec.unit is Unit.DAYS else "个月"
        unit_en = "days" if spec.unit is Unit.DAYS else "months"
        texts[f"period.rule.{spec.name}"] = (
            f"{spec.label_zh}：{spec.amount}{unit_zh}（{spec.article_zh}）",
            f"{spec.label_en}: {spec.amount} {unit_en} ({spec.article_en})",
        )
    return texts


register(rule_texts(RULES.values()))
register(
    {
        "period.start_not_counted": (
            "起算日 {start} 不计入，从次日开始计算（《民事诉讼法》第85条第2款；《民诉法解释》第125条）",
            "The start day {start} is not counted; the period runs from the next day (CPL art. 85 para 2; "
            "CPL Interpretation art. 125)",
        ),
        "period.end_days": ("按日计算，第 {days} 日为 {end}", "Counted in days: day {days} is {end}"),
        "period.end_months": (
            "按月计算，{months} 个月后的对应日为 {end}（《民法典》第202条）",
            "Counted in months: the corresponding day {months} months later is {end} (Civil Code art. 202)",
        ),
        "period.month_end_clamped": (
            "到期月份没有对应日，以该月最后一日 {end} 为期间最后一日（《民法典》第202条）",
            "The final month has no corresponding day, so its last day {end} ends the period (Civil Code art. 202)",
        ),
        "period.suspension_excluded": (
            "扣除不计入期限的期间共 {days} 日，期限届满日顺延至 {end}（《民诉法解释》第243条）",
            "{days} excluded days are not counted, moving the end to {end} (CPL Interpretation art. 243)",
        ),
        "period.rolled": (
            "期间届满日 {end} 为休息日（{kind_zh}），以休息日后的第一日 {deadline} 为期间届满日"
            "（《民事诉讼法》第85条第3款；《民法典》第203条）",
            "The period ends on {end}, a rest day ({kind_en}), so it ends on the next working day {deadline} "
            "(CPL art. 85 para 3; Civil Code art. 203)",
        ),
        "period.working_day": (
            "期间届满日 {end} 为工作日（{kind_zh}），不顺延（《民事诉讼法》第85条第3款）",
            "The period ends on {end}, a working day ({kind_en}): no roll-over (CPL art. 85 para 3)",
        ),
        "period.publication_no_rollover": (
            "按本机构设置，公告期不适用节假日顺延",
            "By this organisation's setting, the publication period does not roll over past rest days",
        ),
        "period.preservation_renewal": (
            "保全期限于 {expiry} 届满；应至少在届满前七日申请续行，最晚安全申请日为 {reminder}"
            "（《财产保全规定》第18条）",
            "The measure expires on {expiry}; apply to renew at least 7 days before, by {reminder} at the latest "
            "(Preservation Provisions art. 18)",
        ),
        "period.provisional": (
            "缺少 {years} 年节假日数据：本日期为暂算（仅按周末及元旦、劳动节、国庆节固定日期），未经确认；"
            "提醒按较早日期 {reminder} 安排，录入当年放假通知后将重新计算",
            "Holiday data for {years} is missing: this date is provisional (weekends and the fixed-date holidays only) "
            "and unconfirmed; the reminder uses the earlier date {reminder} and the date is recomputed once the "
            "year's notice is entered",
        ),
        "period.guarantee_fixed": (
            "保证期间不发生中止、中断和延长（《民法典》第692条第1款）",
            "The guarantee period is not suspended, interrupted or extended (Civil Code art. 692 para 1)",
        ),
        "period.effective_after_last_party": (
            "最后一名当事人的上诉期于 {last} 届满，判决预计于 {effective} 生效（惯例，以法院生效证明为准）",
            "The last party's appeal period ends on {last}; the judgment is expected to take effect on {effective} "
            "(practice: confirm with the court's certificate of effectiveness)",
        ),
        "period.unknown_rule": ("未知的期间规则：{rule}", "Unknown period rule: {rule}"),
        "period.bad_start": (
            "起算日必须是日期（不含时间）：{value}",
            "The start must be a date (without time): {value}",
        ),
        "period.bad_interval": (
            "扣除期间的结束日 {last} 早于开始日 {first}",
            "Excluded interval ends {last} before it starts {first}",
        ),
        "period.suspension_not_allowed": (
            "期间 {rule} 不能扣除中止期间（仅审理和执行期限可扣除；保证期间不中止，《民法典》第692条）",
            "Period {rule} cannot exclude intervals (only trial and enforcement limits can; the guarantee period is "
            "never suspended, Civil Code art. 692)",
        ),
        "period.no_service_dates": ("未提供任何送达日期", "No service dates were given"),
    }
)
