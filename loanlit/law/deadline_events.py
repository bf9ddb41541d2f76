"""Trigger events of a loan case and the deadlines each starts (rules.md §6; vectors E01–E17).

The deadlines app records an event and asks this table which periods to open. Periods with a date
answer are named rules: the ones in :data:`loanlit.law.periods.RULES`, plus the court-side and
short periods in :data:`EVENT_RULES`, computed by :func:`compute_event_deadline` with the same
CPL art. 85 method. A 48-hour limit and "at least N days before" limits are listed but not dated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from loanlit.law.calendar import DEFAULT_POLICY, Calendar, RolloverPolicy
from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError
from loanlit.law.periods import RULES, DeadlineResult, RuleKind, RuleSpec, Unit, compute_for_spec, rule_texts

_CPL = "《民事诉讼法》（2023年修正）"
_CPL_EN = "CPL (2023)"
_D, _P, _T = Unit.DAYS, RuleKind.PERIOD, RuleKind.TRIAL_LIMIT

EVENT_RULES: Final[Mapping[str, RuleSpec]] = {
    spec.name: spec
    for spec in (
        RuleSpec(
            "filing_decision",
            7,
            _D,
            _T,
            "法院决定是否立案期限",
            "court decides on filing",
            f"{_CPL}第126条；《民诉法解释》第208条",
            f"{_CPL_EN} art. 126; CPL Interpretation art. 208",
        ),
        RuleSpec(
            "complaint_copy",
            5,
            _D,
            _T,
            "发送起诉状副本期限",
            "copy of the complaint to the defendant",
            f"{_CPL}第128条",
            f"{_CPL_EN} art. 128",
        ),
        RuleSpec(
            "appeal_fee",
            7,
            _D,
            _P,
            "预交上诉费期限",
            "paying the appeal fee after notice",
            "《诉讼费用交纳办法》第22条；《民诉法解释》第318条",
            "Fee Measures art. 22; CPL Interpretation art. 318",
        ),
        RuleSpec(
            "enforcement_notice",
            10,
            _D,
            _T,
            "发出执行通知期限",
            "enforcement notice and asset-report order",
            "《民诉法解释》第480条",
            "CPL Interpretation art. 480",
        ),
        RuleSpec(
            "enforcement_objection_review",
            15,
            _D,
            _T,
            "执行异议审查期限",
            "court reviews an enforcement objection",
            f"{_CPL}第236条",
            f"{_CPL_EN} art. 236",
        ),
        RuleSpec(
            "enforcement_review_request",
            10,
            _D,
            _P,
            "申请复议期限",
            "request for review of the objection ruling",
            f"{_CPL}第236条",
            f"{_CPL_EN} art. 236",
        ),
        RuleSpec(
            "third_party_objection_suit",
            15,
            _D,
            _P,
            "案外人、当事人提起异议之诉期限",
            "objection suit after a third-party objection ruling",
            f"{_CPL}第238条",
            f"{_CPL_EN} art. 238",
        ),
        RuleSpec(
            "payment_order_response",
            15,
            _D,
            _P,
            "支付令清偿或异议期限",
            "debtor pays or objects to a payment order",
            f"{_CPL}第227条",
            f"{_CPL_EN} art. 227",
        ),
        RuleSpec(
            "pre_filing_mediation",
            30,
            _D,
            _T,
            "诉前在线调解期限",
            "pre-filing online mediation",
            "《人民法院在线调解规则》第24条",
            "SPC Online Mediation Rules (2021) art. 24",
        ),
        RuleSpec(
            "mediation_after_filing_ordinary",
            15,
            _D,
            _T,
            "立案后调解期限（普通程序）",
            "mediation after filing (ordinary procedure)",
            "《人民法院在线调解规则》第24条",
            "SPC Online Mediation Rules (2021) art. 24",
        ),
        RuleSpec(
            "mediation_after_filing_summary",
            7,
            _D,
            _T,
            "立案后调解期限（简易程序）",
            "mediation after filing (summary procedure)",
            "《人民法院在线调解规则》第24条",
            "SPC Online Mediation Rules (2021) art. 24",
        ),
    )
}

Direction = Literal["after", "before"]
DeadlineUnit = Literal["hours", "days", "months"]


@dataclass(frozen=True)
class EventDeadline:
    key: str  # a rule name in RULES or EVENT_RULES when dated; a descriptive key otherwise
    amount: int
    unit: DeadlineUnit
    direction: Direction = "after"
    dated: bool = True  # whether compute_event_deadline gives a date for it


@dataclass(frozen=True)
class TriggerEvent:
    key: str
    deadlines: tuple[EventDeadline, ...]
    article_zh: str
    article_en: str

    @property
    def label(self) -> Msg:
        return Msg(f"event.{self.key}")


def _d(key: str, amount: int, unit: DeadlineUnit = "days") -> EventDeadline:
    return EventDeadline(key, amount, unit)


TRIGGER_EVENTS: Final[Mapping[str, TriggerEvent]] = {
    event.key: event
    for event in (
        TriggerEvent(
            "complaint_submitted",
            (_d("filing_decision", 7),),
            f"{_CPL}第126条；《民诉法解释》第208条",
            f"{_CPL_EN} art. 126; CPL Interpretation art. 208",
        ),
        TriggerEvent(
            "fee_notice_received",
            (_d("fee_payment", 7),),
            "《诉讼费用交纳办法》第22条；《民诉法解释》第213条",
            "Fee Measures art. 22; CPL Interpretation art. 213",
        ),
        TriggerEvent(
            "case_filed",
            (
                _d("complaint_copy", 5),
                _d("trial_ordinary", 6, "months"),
                _d("trial_summary", 3, "months"),
                _d("trial_small_claims", 2, "months"),
            ),
            f"{_CPL}第128条、第152条、第164条、第168条",
            f"{_CPL_EN} arts. 128, 152, 164, 168",
        ),
        TriggerEvent(
            "complaint_served",
            (_d("answer", 15), _d("answer_foreign", 30)),
            f"{_CPL}第128条、第285条",
            f"{_CPL_EN} arts. 128, 285",
        ),
        TriggerEvent(
            "hearing_scheduled",
            (EventDeadline("summons_before_hearing", 3, "days", "before", dated=False),),
            f"{_CPL}第139条",
            f"{_CPL_EN} art. 139",
        ),
        TriggerEvent(
            "preservation_application_received",
            (EventDeadline("preservation_ruling", 48, "hours", dated=False),),
            f"{_CPL}第103条、第104条",
            f"{_CPL_EN} arts. 103-104",
        ),
        TriggerEvent(
            "pre_suit_preservation_taken", (_d("sue_after_preservation", 30),), f"{_CPL}第104条", f"{_CPL_EN} art. 104"
        ),
        TriggerEvent(
            "preservation_term_running",
            (
                _d("preservation_deposit", 12, "months"),
                _d("preservation_movable", 24, "months"),
                _d("preservation_real_estate", 36, "months"),
                EventDeadline("preservation_renewal_lead", 7, "days", "before", dated=False),
            ),
            "《民诉法解释》第485条；《财产保全规定》第18条",
            "CPL Interpretation art. 485; Preservation Provisions (2020) art. 18",
        ),
        TriggerEvent(
            "judgment_served",
            (_d("appeal_judgment", 15), _d("appeal_ruling", 10), _d("appeal_foreign", 30), _d("appeal_fee", 7)),
            f"{_CPL}第171条、第286条；《诉讼费用交纳办法》第22条",
            f"{_CPL_EN} arts. 171, 286; Fee Measures art. 22",
        ),
        TriggerEvent("mediation_statement_signed", (), f"{_CPL}第100条", f"{_CPL_EN} art. 100"),
        TriggerEvent(
            "judgment_effective", (_d("retrial_application", 6, "months"),), f"{_CPL}第216条", f"{_CPL_EN} art. 216"
        ),
        TriggerEvent(
            "performance_period_ended",
            (_d("enforcement_application", 24, "months"),),
            f"{_CPL}第250条",
            f"{_CPL_EN} art. 250",
        ),
        TriggerEvent(
            "enforcement_application_received",
            (_d("enforcement_notice", 10), _d("enforcement_limit", 6, "months")),
            "《民诉法解释》第480条；《最高人民法院关于严格执行案件审理期限制度的若干规定》第5条；" + f"{_CPL}第237条",
            f"CPL Interpretation art. 480; SPC Time-Limit Provisions (2000) art. 5; {_CPL_EN} art. 237",
        ),
        TriggerEvent(
            "enforcement_objection_filed",
            (_d("enforcement_objection_review", 15), _d("enforcement_review_request", 10)),
            f"{_CPL}第236条",
            f"{_CPL_EN} art. 236",
        ),
        TriggerEvent(
            "third_party_objection_ruling",
            (_d("third_party_objection_suit", 15),),
            f"{_CPL}第238条",
            f"{_CPL_EN} art. 238",
        ),
        TriggerEvent(
            "payment_order_served", (_d("payment_order_response", 15),), f"{_CPL}第227条", f"{_CPL_EN} art. 227"
        ),
        TriggerEvent(
            "pre_filing_mediation_accepted",
            (
                _d("pre_filing_mediation", 30),
                _d("mediation_after_filing_ordinary", 15),
                _d("mediation_after_filing_summary", 7),
            ),
            "《人民法院在线调解规则》第24条",
            "SPC Online Mediation Rules (2021) art. 24",
        ),
    )
}


def event_deadlines(event: str) -> tuple[EventDeadline, ...]:
    """The deadlines an event starts (rules.md §6)."""
    found = TRIGGER_EVENTS.get(event)
    if found is None:
        raise LawInputError("event.unknown", event=event)
    return found.deadlines


def compute_event_deadline(
    rule: str,
    start: date,
    *,
    calendar: Calendar,
    policy: RolloverPolicy = DEFAULT_POLICY,
    suspensions: Sequence[tuple[date, date]] = (),
) -> DeadlineResult:
    """Like :func:`loanlit.law.periods.compute_deadline`, also accepting the names in EVENT_RULES
    (CPL art. 85 method throughout)."""
    spec = RULES.get(rule) or EVENT_RULES.get(rule)
    if spec is None:
        raise LawInputError("period.unknown_rule", rule=rule)
    return compute_for_spec(spec, start, calendar=calendar, policy=policy, suspensions=suspensions)


_EVENT_LABELS: Final[dict[str, tuple[str, str]]] = {
    "complaint_submitted": ("提交起诉状", "complaint submitted"),
    "fee_notice_received": ("收到交费通知", "fee notice received"),
    "case_filed": ("立案", "case filed"),
    "complaint_served": ("起诉状副本送达被告", "complaint served on the defendant"),
    "hearing_scheduled": ("确定开庭日期", "hearing scheduled"),
    "preservation_application_received": ("法院收到保全申请", "preservation application received"),
    "pre_suit_preservation_taken": ("诉前保全措施实施", "pre-suit preservation measure taken"),
    "preservation_term_running": ("保全期限起算", "preservation term running"),
    "judgment_served": ("判决书、裁定书送达", "judgment or ruling served"),
    "mediation_statement_signed": (
        "双方签收调解书（签收即生效）",
        "mediation statement signed (effective on signature)",
    ),
    "judgment_effective": ("判决生效", "judgment effective"),
    "performance_period_ended": ("履行期限最后一日", "last day of the performance period"),
    "enforcement_application_received": ("法院收到执行申请", "enforcement application received"),
    "enforcement_objection_filed": ("提出执行异议", "enforcement objection filed"),
    "third_party_objection_ruling": ("案外人异议裁定作出", "third-party objection ruling"),
    "payment_order_served": ("支付令送达", "payment order served"),
    "pre_filing_mediation_accepted": ("诉前调解受理", "pre-filing online mediation accepted"),
}

register(rule_texts(EVENT_RULES.values()))
register({f"event.{key}": texts for key, texts in _EVENT_LABELS.items()})
register({"event.unknown": ("未知的触发事件：{event}", "Unknown trigger event: {event}")})
