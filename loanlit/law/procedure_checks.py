"""Checks on acts done within a period: the postmark rule (CPL 2023 art. 85 para 4) and the
evidence period by procedure (SPC Evidence Provisions 2019 art. 51; CPL Interpretation arts. 99,
266, 275). Re-exported by :mod:`loanlit.law.periods`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError


@dataclass(frozen=True)
class TimelinessResult:
    timely: bool
    compared_date: date
    explanation: list[Msg]


def filing_is_timely(
    deadline: date, *, filed_on: date | None = None, postmark_date: date | None = None
) -> TimelinessResult:
    """Whether an act was in time. For a mailed document the postmark date counts, not the day the
    court received it: time in the post is not part of the period (CPL art. 85 para 4)."""
    if postmark_date is not None:
        compared, code = postmark_date, "period.timely_postmark"
    elif filed_on is not None:
        compared, code = filed_on, "period.timely_filed"
    else:
        raise LawInputError("period.no_filing_date")
    timely = compared <= deadline
    return TimelinessResult(
        timely=timely,
        compared_date=compared,
        explanation=[Msg(code, {"date": compared.isoformat(), "deadline": deadline.isoformat(), "timely": timely})],
    )


Procedure = Literal["ordinary_first_instance", "summary", "small_claims", "second_instance_new_evidence"]
EvidenceStatus = Literal["ok", "invalid", "warning"]

# (comparison, days, soft) per procedure: Evidence Provisions (2019) art. 51; CPL Interpretation
# arts. 99, 266, 275. Small claims says "generally" (一般不得超过七日), so exceeding it only warns.
_EVIDENCE_LIMITS: Final[Mapping[str, tuple[Literal[">=", "<="], int, bool]]] = {
    "ordinary_first_instance": (">=", 15, False),
    "summary": ("<=", 15, False),
    "small_claims": ("<=", 7, True),
    "second_instance_new_evidence": (">=", 10, False),
}


@dataclass(frozen=True)
class EvidenceCheck:
    procedure: str
    days: int
    status: EvidenceStatus
    rule: str  # e.g. ">= 15 days", "generally <= 7 days"
    explanation: list[Msg]

    @property
    def valid(self) -> bool:
        """A warning is still a valid setting; it is shown to the user."""
        return self.status != "invalid"


def check_evidence_period(procedure: str, days: int) -> EvidenceCheck:
    """Check a court-set or agreed evidence period against the procedure's limit (SPC Evidence
    Provisions 2019 art. 51; CPL Interpretation arts. 99, 266, 275)."""
    limit = _EVIDENCE_LIMITS.get(procedure)
    if limit is None:
        raise LawInputError("period.unknown_procedure", procedure=procedure)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise LawInputError("period.bad_days", days=days)
    op, bound, soft = limit
    within = days >= bound if op == ">=" else days <= bound
    rule = f"{'generally ' if soft else ''}{op} {bound} days"
    status: EvidenceStatus = "ok" if within else ("warning" if soft else "invalid")
    return EvidenceCheck(
        procedure=procedure,
        days=days,
        status=status,
        rule=rule,
        explanation=[Msg(f"evidence.{status}", {"procedure": procedure, "days": days, "rule": rule})],
    )


register(
    {
        "period.timely_postmark": (
            "邮寄文书以邮戳日期 {date} 与期限 {deadline} 比较，在途时间不计入期间（《民事诉讼法》第85条第4款）",
            "A mailed document is judged by its postmark date {date} against the deadline {deadline}; time in the "
            "post is not counted (CPL art. 85 para 4)",
        ),
        "period.timely_filed": (
            "提交日期 {date}，期限 {deadline}（《民事诉讼法》第85条）",
            "Filed on {date}, deadline {deadline} (CPL art. 85)",
        ),
        "period.no_filing_date": ("须提供提交日期或邮戳日期", "A filing date or a postmark date is required"),
        "period.unknown_procedure": ("未知的程序：{procedure}", "Unknown procedure: {procedure}"),
        "period.bad_days": ("举证期限天数无效：{days}", "Invalid number of evidence-period days: {days}"),
        "evidence.ok": (
            "举证期限 {days} 日符合 {rule} 的要求（《最高人民法院关于民事诉讼证据的若干规定》第51条）",
            "An evidence period of {days} days meets {rule} (SPC Evidence Provisions 2019 art. 51)",
        ),
        "evidence.invalid": (
            "举证期限 {days} 日不符合 {rule} 的要求（《最高人民法院关于民事诉讼证据的若干规定》第51条）",
            "An evidence period of {days} days does not meet {rule} (SPC Evidence Provisions 2019 art. 51)",
        ),
        "evidence.warning": (
            "小额诉讼举证期限一般不得超过七日，现为 {days} 日（《最高人民法院关于民事诉讼证据的若干规定》第51条）",
            "Small-claims evidence periods are generally at most 7 days; this one is {days} days "
            "(SPC Evidence Provisions 2019 art. 51)",
        ),
    }
)
