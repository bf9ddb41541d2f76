"""Interest caps: the private-lending cap and the judicial total-cost ceiling for licensed lenders.

* Private lending (SPC Private Lending Provisions, 2020 2nd revision, in force 2021-01-01):
  agreed interest is supported up to 4 × the one-year LPR in force when the contract was formed
  (art. 25); overdue interest, penalties and other fees together are capped at the same figure
  (arts. 28–29; vector I07).
* Contracts formed before 2020-08-20 (art. 31 para 2): interest up to 2020-08-19 follows the 2015
  Provisions (24 %/year supported, 2015 art. 26); interest from 2020-08-20 is capped at 4 × the
  one-year LPR on the filing date. A case filed before 2020-08-20 is wholly under the 2015 rules.
* Licensed financial institutions (art. 1 para 2) and the seven kinds of local financial organisations
  (法释〔2020〕27号: micro-lenders, financing guarantors, regional equity markets, pawnshops, financial
  leasing, commercial factoring, local AMCs) are outside that cap. For them the courts police the total
  cost (interest, compound and penalty interest, liquidated damages, fees) at 24 %/year under
  法发〔2017〕22号 item 2 [unverified] or local guidance; the ceiling is a setting, reported as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from loanlit.law.explain import Msg, register
from loanlit.law.interest import require_rate
from loanlit.law.lpr import LprTable, lpr_on
from loanlit.law.money import LawInputError

LenderKind = Literal["private", "licensed", "local_financial"]
LENDER_KINDS: Final[tuple[str, ...]] = ("private", "licensed", "local_financial")
CAP_MULTIPLE: Final = Decimal("4")
NEW_RULES_FROM: Final = date(2020, 8, 20)
OLD_RULES_CAP_PCT: Final = Decimal("24")
DEFAULT_TOTAL_COST_CEILING_PCT: Final = Decimal("24")


@dataclass(frozen=True)
class CapSegment:
    """The cap for interest accruing on days ``from_day``..``to_day`` (None = open-ended)."""

    from_day: date | None
    to_day: date | None
    cap_pct: Decimal
    supported_rate_pct: Decimal


@dataclass(frozen=True)
class CapResult:
    """Outcome of a cap check.

    ``applies`` is False for licensed lenders and local financial organisations (no private-lending cap;
    ``cap_pct`` and ``lpr_1y`` are then None and ``supported_rate_pct`` is the agreed rate, with the
    judicial total-cost ceiling in ``warnings``). For old contracts (formed before 2020-08-20) the
    top-level figures are those for interest from 2020-08-20; ``segments`` also holds the earlier one.
    """

    lpr_1y: Decimal | None
    cap_pct: Decimal | None
    supported_rate_pct: Decimal
    applies: bool
    warnings: list[Msg]
    explanation: tuple[Msg, ...] = ()
    lpr_published: date | None = None
    segments: tuple[CapSegment, ...] = field(default_factory=tuple)


register(
    {
        "cap.private": (
            "民间借贷利率上限 = 合同成立时（{formed}）一年期 LPR {lpr}%（{published} 公布）× 4 = {cap}%"
            "（《最高人民法院关于审理民间借贷案件适用法律若干问题的规定》第二十五条）；约定 {rate}%，支持 {supported}%",
            "Private-lending cap = 4 × the one-year LPR {lpr} % (published {published}) in force at formation "
            "({formed}) = {cap} % (Private Lending Provisions art. 25); agreed {rate} %, supported {supported} %",
        ),
        "cap.combined": (
            "逾期利息 {overdue}%、违约金 {penalty}%、其他费用 {fees}% 合计 {total}%，总计不得超过 {cap}%"
            "（民间借贷规定第二十八条、第二十九条）；支持 {supported}%",
            "Overdue interest {overdue} %, penalty {penalty} % and "
            "other fees {fees} % total {total} %, capped together "
            "at {cap} % (Private Lending Provisions arts. 28–29); supported {supported} %",
        ),
        "cap.transitional_old": (
            "合同成立于 {formed}（2020年8月20日之前）："
            "2020年8月19日前的利息适用2015年规定，以年利率24%为限，支持 {supported}%"
            "（民间借贷规定第三十一条第二款）",
            "Contract formed {formed} (before 2020-08-20): interest up to 2020-08-19 follows the 2015 Provisions, "
            "24 %/year supported, here {supported} % (Private Lending Provisions art. 31 para 2)",
        ),
        "cap.transitional_new": (
            "2020年8月20日起的利息以起诉时（{filed}）一年期 LPR {lpr}%"
            "（{published} 公布）的4倍 {cap}% 为限，支持 {supported}%"
            "（民间借贷规定第三十一条第二款）",
            "Interest from 2020-08-20 is capped at 4 × the one-year LPR {lpr} % (published {published}) on the "
            "filing date {filed} = {cap} %, supported {supported} % (Private Lending Provisions art. 31 para 2)",
        ),
        "cap.filed_before_new_rules": (
            "案件于 {filed}（2020年8月20日之前）受理，整体适用2015年民间借贷规定（年利率24%）",
            "The case was filed on {filed}, before 2020-08-20: the 2015 Private Lending Provisions apply (24 %/year)",
        ),
        "cap.filing_date_required": (
            "合同成立于 2020年8月20日之前（{formed}），须提供起诉日期以适用民间借贷规定第三十一条",
            "The contract was formed before 2020-08-20 ({formed}); the filing date is needed for "
            "Private Lending Provisions art. 31",
        ),
        "cap.licensed_outside": (
            "经金融监管部门批准设立的金融机构不适用民间借贷利率上限（民间借贷规定第一条第二款），按约定利率 {rate}%",
            "Licensed financial institutions are outside the private-lending cap (Private Lending Provisions art. 1 "
            "para 2); agreed rate {rate} %",
        ),
        "cap.local_financial_outside": (
            "地方金融组织（小额贷款公司、融资担保公司、区域性股权市场、"
            "典当行、融资租赁公司、商业保理公司、地方资产管理公司）"
            "因从事相关金融业务引发的纠纷不适用民间借贷规定（法释〔2020〕27号）；约定利率 {rate}%",
            "The seven local financial organisations are outside the Private Lending Provisions for their financial "
            "business (法释〔2020〕27号); agreed rate {rate} %",
        ),
        "cap.total_cost_ceiling": (
            "提示：法院通常对利息、复利、罚息、违约金和其他费用总计超过年利率 {ceiling}% 的部分予以调减"
            "（法发〔2017〕22号第二条，未核实；以当地指导意见为准）；约定 {rate}% 未超过",
            "Note: courts usually reduce interest, compound and penalty interest, liquidated damages and fees above "
            "{ceiling} %/year in total (法发〔2017〕22号 item 2, unverified; "
            "check local guidance); agreed {rate} % is within it",
        ),
        "cap.total_cost_ceiling_exceeded": (
            "警告：约定综合成本 {rate}% 超过司法审查的总成本上限年利率 {ceiling}%（法发〔2017〕22号第二条，未核实），"
            "借款人可请求调减超过部分",
            "Warning: the agreed total cost {rate} % exceeds the judicial total-cost ceiling of {ceiling} %/year "
            "(法发〔2017〕22号 item 2, unverified); the borrower may ask the court to reduce the excess",
        ),
        "cap.unknown_lender": (
            "未知的出借人类型：{lender}（可选：{kinds}）",
            "Unknown lender kind: {lender} (choose from {kinds})",
        ),
    }
)


def _licensed(lender: str, rate: Decimal, ceiling_pct: Decimal) -> CapResult:
    code = "cap.licensed_outside" if lender == "licensed" else "cap.local_financial_outside"
    warn_code = "cap.total_cost_ceiling_exceeded" if rate > ceiling_pct else "cap.total_cost_ceiling"
    return CapResult(
        lpr_1y=None,
        cap_pct=None,
        supported_rate_pct=rate,
        applies=False,
        warnings=[Msg(warn_code, {"rate": rate, "ceiling": ceiling_pct})],
        explanation=(Msg(code, {"rate": rate}),),
    )


def _check_lender(lender: str) -> None:
    if lender not in LENDER_KINDS:
        raise LawInputError("cap.unknown_lender", lender=lender, kinds=", ".join(LENDER_KINDS))


def interest_cap(
    formed: date,
    rate_pct: Decimal,
    lender: LenderKind = "private",
    filed: date | None = None,
    *,
    table: LprTable | None = None,
    ceiling_pct: Decimal = DEFAULT_TOTAL_COST_CEILING_PCT,
) -> CapResult:
    """Supported annual rate for an agreed ``rate_pct`` (Private Lending Provisions arts. 1, 25, 31).

    ``formed``: the day the contract was formed (a contract formed on an LPR publication day is under the
    new value, I04). ``filed``: the filing date, needed only for contracts formed before 2020-08-20.
    ``lender``: "private" (natural persons, ordinary companies), "licensed" (banks, consumer-finance
    companies …) or "local_financial" (the seven organisations of 法释〔2020〕27号). ``ceiling_pct``: the
    configurable judicial total-cost ceiling reported as a warning for the last two.
    Refused (LawInputError) for a formation or filing date after the LPR table's verified-through date.
    """
    _check_lender(lender)
    rate = require_rate(rate_pct)
    ceiling = require_rate(ceiling_pct, name="ceiling_pct")
    if lender != "private":
        return _licensed(lender, rate, ceiling)
    if formed >= NEW_RULES_FROM:
        row = lpr_on(formed, table=table)
        cap = row.lpr_1y * CAP_MULTIPLE
        supported = min(rate, cap)
        params = {
            "formed": formed,
            "lpr": row.lpr_1y,
            "published": row.published,
            "cap": cap,
            "rate": rate,
            "supported": supported,
        }
        return CapResult(
            lpr_1y=row.lpr_1y,
            cap_pct=cap,
            supported_rate_pct=supported,
            applies=True,
            warnings=[],
            explanation=(Msg("cap.private", params),),
            lpr_published=row.published,
            segments=(CapSegment(formed, None, cap, supported),),
        )
    if filed is None:
        raise LawInputError("cap.filing_date_required", formed=formed)
    old_supported = min(rate, OLD_RULES_CAP_PCT)
    if filed < NEW_RULES_FROM:
        return CapResult(
            lpr_1y=None,
            cap_pct=OLD_RULES_CAP_PCT,
            supported_rate_pct=old_supported,
            applies=True,
            warnings=[Msg("cap.filed_before_new_rules", {"filed": filed})],
            explanation=(Msg("cap.transitional_old", {"formed": formed, "supported": old_supported}),),
            segments=(CapSegment(formed, None, OLD_RULES_CAP_PCT, old_supported),),
        )
    row = lpr_on(filed, table=table)
    cap = row.lpr_1y * CAP_MULTIPLE
    supported = min(rate, cap)
    last_old_day = date(2020, 8, 19)
    return CapResult(
        lpr_1y=row.lpr_1y,
        cap_pct=cap,
        supported_rate_pct=supported,
        applies=True,
        warnings=[],
        explanation=(
            Msg("cap.transitional_old", {"formed": formed, "supported": old_supported}),
            Msg(
                "cap.transitional_new",
                {"filed": filed, "lpr": row.lpr_1y, "published": row.published, "cap": cap, "supported": supported},
            ),
        ),
        lpr_published=row.published,
        segments=(
            CapSegment(formed, last_old_day, OLD_RULES_CAP_PCT, old_supported),
            CapSegment(NEW_RULES_FROM, None, cap, supported),
        ),
    )


def overdue_cost_cap(
    formed: date,
    *,
    overdue_rate_pct: Decimal,
    penalty_pct: Decimal = Decimal("0"),
    other_fees_pct: Decimal = Decimal("0"),
    lender: LenderKind = "private",
    filed: date | None = None,
    table: LprTable | None = None,
    ceiling_pct: Decimal = DEFAULT_TOTAL_COST_CEILING_PCT,
) -> CapResult:
    """Overdue interest, penalty and other fees (each %/year) capped *together* at 4 × LPR at formation
    (Private Lending Provisions arts. 28–29; I07). ``supported_rate_pct`` is the supported total.
    """
    parts = {
        "overdue": require_rate(overdue_rate_pct, name="overdue_rate_pct"),
        "penalty": require_rate(penalty_pct, name="penalty_pct"),
        "fees": require_rate(other_fees_pct, name="other_fees_pct"),
    }
    total = sum(parts.values(), Decimal(0))
    base = interest_cap(formed, total, lender, filed, table=table, ceiling_pct=ceiling_pct)
    if not base.applies or base.cap_pct is None:
        return base
    combined = Msg("cap.combined", {**parts, "total": total, "cap": base.cap_pct, "supported": base.supported_rate_pct})
    return CapResult(
        lpr_1y=base.lpr_1y,
        cap_pct=base.cap_pct,
        supported_rate_pct=base.supported_rate_pct,
        applies=True,
        warnings=base.warnings,
        explanation=(*base.explanation, combined),
        lpr_published=base.lpr_published,
        segments=base.segments,
    )
