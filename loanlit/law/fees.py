"""Court fees (诉讼费用交纳办法, State Council Decree No. 481, in force 2007-04-01).

Every fee is computed exactly with Decimal; a halving applies to the exact value and the result is
rounded half-up (四舍五入) only at the end, to the cent unless a court rounds to whole yuan
(rules.md, "Court fee rounding" decision; vector F10). The Measures are silent on rounding, so the
unit is a parameter; the fee the court actually charged is stored beside the computed one by the caller.

Fees are stated in CNY only. A claim in another currency is converted at the exchange rate of the
filing date, which the caller must state (currency, rate and rate date); without them the fee is refused.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from loanlit.law.explain import Msg, register
from loanlit.law.money import CENT, LawInputError, require_money, round_half_up

FeeKind = Literal["acceptance", "appeal", "preservation", "enforcement", "payment_order"]
HalvingGround = Literal["summary", "mediation", "withdrawal", "counterclaim", "third_party_claim"]

FEE_KINDS: Final[tuple[FeeKind, ...]] = ("acceptance", "appeal", "preservation", "enforcement", "payment_order")
HALVING_GROUNDS: Final[tuple[HalvingGround, ...]] = (
    "summary",
    "mediation",
    "withdrawal",
    "counterclaim",
    "third_party_claim",
)
YUAN: Final = Decimal("1")

# Art. 13(1): (upper bound of the bracket, marginal rate); the first 10,000 is a flat 50.
ACCEPTANCE_FLAT: Final = Decimal("50")
ACCEPTANCE_BRACKETS: Final[tuple[tuple[Decimal | None, Decimal], ...]] = (
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
# Art. 14(1): enforcement application fee; the first 10,000 is a flat 50.
ENFORCEMENT_FLAT: Final = Decimal("50")
ENFORCEMENT_BRACKETS: Final[tuple[tuple[Decimal | None, Decimal], ...]] = (
    (Decimal("500000"), Decimal("0.015")),
    (Decimal("5000000"), Decimal("0.01")),
    (Decimal("10000000"), Decimal("0.005")),
    (None, Decimal("0.001")),
)
# Art. 14(2): preservation fee on the amount actually preserved; the first 1,000 is a flat 30; cap 5,000.
PRESERVATION_FLAT: Final = Decimal("30")
PRESERVATION_FLAT_LIMIT: Final = Decimal("1000")
PRESERVATION_BRACKETS: Final[tuple[tuple[Decimal | None, Decimal], ...]] = (
    (Decimal("100000"), Decimal("0.01")),
    (None, Decimal("0.005")),
)
PRESERVATION_CAP: Final = Decimal("5000")
FLAT_LIMIT: Final = Decimal("10000")


@dataclass(frozen=True)
class FeeResult:
    """A computed fee: ``fee`` rounded for payment, ``exact`` the unrounded value it came from.

    ``base`` is the CNY amount the fee was computed on (after any currency conversion).
    """

    fee: Decimal
    exact: Decimal
    explanation: tuple[Msg, ...]
    base: Decimal = Decimal("0")
    halved: bool = False


register(
    {
        "fee.acceptance": (
            "案件受理费：诉讼标的额 {base} 元，按《诉讼费用交纳办法》第十三条第（一）项分段累计计算为 {exact} 元",
            "Acceptance fee: claim of CNY {base}, cumulative brackets of the Fee Measures art. 13(1) give {exact}",
        ),
        "fee.appeal": (
            "上诉案件受理费：按不服一审判决部分的上诉请求数额 {base} "
            "元计算（《诉讼费用交纳办法》第十七条、第十三条）为 {exact} 元",
            "Appeal fee on the amount appealed, CNY {base} (Fee Measures arts. 17 and 13): {exact}",
        ),
        "fee.payment_order": (
            "申请支付令费用：比照财产案件受理费标准的三分之一交纳（《诉讼费用交纳办法》第十四条第"
            "（三）项），{full} ÷ 3 = {exact} 元",
            "Payment-order fee: one third of the property-case fee (Fee Measures art. 14(3)), {full} / 3 = {exact}",
        ),
        "fee.preservation": (
            "申请保全措施费用：按实际保全的财产数额 {base} 元计算"
            "（《诉讼费用交纳办法》第十四条第（二）项）为 {exact} 元",
            "Preservation fee on the amount actually preserved, CNY {base} (Fee Measures art. 14(2)): {exact}",
        ),
        "fee.preservation_capped": (
            "申请保全措施费用最多不超过 5000 元（《诉讼费用交纳办法》第十四条第（二）项）",
            "The preservation fee is capped at CNY 5,000 (Fee Measures art. 14(2))",
        ),
        "fee.enforcement": (
            "申请执行费：按执行金额 {base} 元分段累计计算（《诉讼费用交纳办法》第十四条第"
            "（一）项）为 {exact} 元，执行后交纳（第二十条第二款）",
            "Enforcement fee on CNY {base}, cumulative brackets of Fee Measures art. 14(1): {exact}; "
            "paid after enforcement (art. 20 para 2)",
        ),
        "fee.halved": (
            "减半交纳（理由：{grounds}；《诉讼费用交纳办法》第十五条、第十六条、第十八条），"
            "多个减半事由只减半一次（民诉法解释第二百零六条）：{exact} 元",
            "Halved (grounds: {grounds}; Fee Measures arts. 15, 16, 18); several grounds halve only once "
            "(CPL Interpretation art. 206): {exact}",
        ),
        "fee.rounded": (
            "按四舍五入保留至 {unit} 元：{fee} 元",
            "Rounded half-up to CNY {unit}: {fee}",
        ),
        "fee.converted": (
            "{currency} {amount} 按起诉日 {rate_date} 汇率 {rate} 折合人民币 {base} 元",
            "{currency} {amount} converted at the filing-date rate {rate} of {rate_date}: CNY {base}",
        ),
        "fee.currency_rate_required": (
            "以 {currency} 计算的标的额须注明起诉日的汇率及汇率日期，才能计算诉讼费用",
            "A claim in {currency} needs the filing-date exchange rate and its date before a fee can be computed",
        ),
        "fee.unknown_kind": (
            "未知的诉讼费用种类：{kind}（可选：{kinds}）",
            "Unknown court fee kind: {kind} (choose from {kinds})",
        ),
        "fee.unknown_ground": (
            "未知的减半事由：{ground}（可选：{grounds}）",
            "Unknown halving ground: {ground} (choose from {grounds})",
        ),
        "fee.not_halvable": (
            "{kind} 费用不适用减半",
            "The {kind} fee cannot be halved",
        ),
        "fee.bad_rounding_unit": (
            "诉讼费用只能四舍五入至分（0.01）或元（1）",
            "Court fees round to the cent (0.01) or the yuan (1) only",
        ),
    }
)


def _cumulative(
    amount: Decimal, flat: Decimal, flat_limit: Decimal, brackets: Sequence[tuple[Decimal | None, Decimal]]
) -> Decimal:
    """Flat fee up to ``flat_limit``, then each marginal rate on the part inside its bracket."""
    total = flat
    lower = flat_limit
    for upper, rate in brackets:
        if amount <= lower:
            break
        top = amount if upper is None else min(amount, upper)
        total += (top - lower) * rate
        if upper is None:
            break
        lower = upper
    return total


def to_cny(
    amount: object,
    *,
    currency: str = "CNY",
    exchange_rate: object = None,
    rate_date: date | None = None,
    name: str = "amount",
) -> tuple[Decimal, tuple[Msg, ...]]:
    """Return the CNY amount a fee is computed on, converting a foreign-currency claim exactly.

    ``exchange_rate`` is CNY per one unit of ``currency`` on the filing date ([practice]: the rate
    of the filing date; the Fee Measures fix no source), ``rate_date`` the date of that rate.
    A foreign currency without both is refused (LawInputError ``fee.currency_rate_required``).
    """
    value = require_money(amount, name=name)
    code = currency.strip().upper()
    if code in ("CNY", "RMB"):
        return value, ()
    if exchange_rate is None or rate_date is None:
        raise LawInputError("fee.currency_rate_required", currency=code)
    rate = require_money(exchange_rate, name="exchange_rate")
    base = value * rate
    return base, (
        Msg("fee.converted", {"currency": code, "amount": value, "rate": rate, "rate_date": rate_date, "base": base}),
    )


def _check_unit(rounding_unit: Decimal) -> Decimal:
    if rounding_unit not in (CENT, YUAN):
        raise LawInputError("fee.bad_rounding_unit")
    return rounding_unit


def _grounds(halved: bool, grounds: Collection[str]) -> tuple[str, ...]:
    for ground in grounds:
        if ground not in HALVING_GROUNDS:
            raise LawInputError("fee.unknown_ground", ground=ground, grounds=", ".join(HALVING_GROUNDS))
    named = tuple(g for g in HALVING_GROUNDS if g in grounds)
    if halved and not named:
        return ("stated",)
    return named


def _finish(
    exact_full: Decimal,
    first: Msg,
    *,
    base: Decimal,
    grounds: tuple[str, ...],
    rounding_unit: Decimal,
    prefix: tuple[Msg, ...],
) -> FeeResult:
    lines = [*prefix, first]
    exact = exact_full
    if grounds:
        # Interpretation art. 206: halve once, however many grounds apply.
        exact = exact_full / 2
        lines.append(Msg("fee.halved", {"grounds": ", ".join(grounds), "exact": exact}))
    fee = round_half_up(exact, rounding_unit)
    lines.append(Msg("fee.rounded", {"unit": rounding_unit, "fee": fee}))
    return FeeResult(fee=fee, exact=exact, explanation=tuple(lines), base=base, halved=bool(grounds))


def property_case_fee_exact(amount: Decimal) -> Decimal:
    """Exact acceptance fee of a property case (诉讼费用交纳办法 art. 13(1)), unrounded, not halved."""
    return _cumulative(require_money(amount), ACCEPTANCE_FLAT, FLAT_LIMIT, ACCEPTANCE_BRACKETS)


def acceptance_fee(
    claim: Decimal,
    *,
    halved: bool = False,
    grounds: Collection[HalvingGround] = (),
    currency: str = "CNY",
    exchange_rate: Decimal | None = None,
    rate_date: date | None = None,
    rounding_unit: Decimal = CENT,
) -> FeeResult:
    """Acceptance fee of a property case (诉讼费用交纳办法 art. 13(1)).

    ``claim`` is the total money claimed as the complaint states it (principal, interest, penalty and
    compound interest to the cut-off date, liquidated damages, lawyer's fees claimed as loss).
    Halving (``halved=True`` or any of ``grounds``: summary procedure art. 16, mediation or withdrawal
    art. 15, counterclaim / independent third-party claim art. 18) applies once only, however many
    grounds are given (CPL Interpretation art. 206; vector F11).
    """
    base, prefix = to_cny(claim, currency=currency, exchange_rate=exchange_rate, rate_date=rate_date, name="claim")
    exact = property_case_fee_exact(base)
    return _finish(
        exact,
        Msg("fee.acceptance", {"base": base, "exact": exact}),
        base=base,
        grounds=_grounds(halved, grounds),
        rounding_unit=_check_unit(rounding_unit),
        prefix=prefix,
    )


def appeal_fee(
    appealed_amount: Decimal,
    *,
    halved: bool = False,
    grounds: Collection[HalvingGround] = (),
    currency: str = "CNY",
    exchange_rate: Decimal | None = None,
    rate_date: date | None = None,
    rounding_unit: Decimal = CENT,
) -> FeeResult:
    """Appeal fee on the amount of the first-instance judgment appealed against (诉讼费用交纳办法 art. 17,
    scale of art. 13(1)); an appeal closed by mediation or withdrawal is halved once (arts. 15; Interp. 206).
    """
    base, prefix = to_cny(
        appealed_amount, currency=currency, exchange_rate=exchange_rate, rate_date=rate_date, name="appealed_amount"
    )
    exact = property_case_fee_exact(base)
    return _finish(
        exact,
        Msg("fee.appeal", {"base": base, "exact": exact}),
        base=base,
        grounds=_grounds(halved, grounds),
        rounding_unit=_check_unit(rounding_unit),
        prefix=prefix,
    )


def payment_order_fee(
    amount: Decimal,
    *,
    currency: str = "CNY",
    exchange_rate: Decimal | None = None,
    rate_date: date | None = None,
    rounding_unit: Decimal = CENT,
) -> FeeResult:
    """Payment-order application fee: one third of the property-case fee (诉讼费用交纳办法 art. 14(3); F13)."""
    base, prefix = to_cny(amount, currency=currency, exchange_rate=exchange_rate, rate_date=rate_date)
    full = property_case_fee_exact(base)
    exact = full / 3
    return _finish(
        exact,
        Msg("fee.payment_order", {"full": full, "exact": round_half_up(exact, Decimal("0.0001"))}),
        base=base,
        grounds=(),
        rounding_unit=_check_unit(rounding_unit),
        prefix=prefix,
    )


def preservation_fee(
    preserved_amount: Decimal,
    *,
    currency: str = "CNY",
    exchange_rate: Decimal | None = None,
    rate_date: date | None = None,
    rounding_unit: Decimal = CENT,
) -> FeeResult:
    """Preservation application fee on the amount actually preserved (诉讼费用交纳办法 art. 14(2)).

    Up to 1,000 (or no amount involved: pass 0): 30; 1% of the part to 100,000; 0.5% above; at most 5,000
    (reached at exactly 896,000, vector F25).
    """
    base, prefix = to_cny(preserved_amount, currency=currency, exchange_rate=exchange_rate, rate_date=rate_date)
    uncapped = _cumulative(base, PRESERVATION_FLAT, PRESERVATION_FLAT_LIMIT, PRESERVATION_BRACKETS)
    first = Msg("fee.preservation", {"base": base, "exact": uncapped})
    if uncapped <= PRESERVATION_CAP:
        return _finish(uncapped, first, base=base, grounds=(), rounding_unit=_check_unit(rounding_unit), prefix=prefix)
    return _finish(
        PRESERVATION_CAP,
        Msg("fee.preservation_capped"),
        base=base,
        grounds=(),
        rounding_unit=_check_unit(rounding_unit),
        prefix=(*prefix, first),
    )


def enforcement_fee(
    enforced_amount: Decimal,
    *,
    currency: str = "CNY",
    exchange_rate: Decimal | None = None,
    rate_date: date | None = None,
    rounding_unit: Decimal = CENT,
) -> FeeResult:
    """Enforcement application fee on the amount enforced (诉讼费用交纳办法 art. 14(1)); paid after
    enforcement, not in advance (art. 20 para 2). Up to 10,000: 50; then 1.5% to 500,000, 1% to
    5,000,000, 0.5% to 10,000,000, 0.1% above. A case with no amount involved (50–500 per case) is
    fixed by the court and not computed here.
    """
    base, prefix = to_cny(enforced_amount, currency=currency, exchange_rate=exchange_rate, rate_date=rate_date)
    exact = _cumulative(base, ENFORCEMENT_FLAT, FLAT_LIMIT, ENFORCEMENT_BRACKETS)
    return _finish(
        exact,
        Msg("fee.enforcement", {"base": base, "exact": exact}),
        base=base,
        grounds=(),
        rounding_unit=_check_unit(rounding_unit),
        prefix=prefix,
    )


def court_fee(
    kind: str,
    amount: Decimal,
    *,
    halved: bool = False,
    grounds: Collection[HalvingGround] = (),
    currency: str = "CNY",
    exchange_rate: Decimal | None = None,
    rate_date: date | None = None,
    rounding_unit: Decimal = CENT,
) -> FeeResult:
    """Dispatch to the fee of ``kind`` (acceptance | appeal | preservation | enforcement | payment_order).

    Only acceptance and appeal fees can be halved (诉讼费用交纳办法 arts. 15–18); halving another kind
    is refused rather than ignored.
    """
    if kind == "acceptance":
        return acceptance_fee(
            amount,
            halved=halved,
            grounds=grounds,
            currency=currency,
            exchange_rate=exchange_rate,
            rate_date=rate_date,
            rounding_unit=rounding_unit,
        )
    if kind == "appeal":
        return appeal_fee(
            amount,
            halved=halved,
            grounds=grounds,
            currency=currency,
            exchange_rate=exchange_rate,
            rate_date=rate_date,
            rounding_unit=rounding_unit,
        )
    if kind not in FEE_KINDS:
        raise LawInputError("fee.unknown_kind", kind=kind, kinds=", ".join(FEE_KINDS))
    if halved or grounds:
        raise LawInputError("fee.not_halvable", kind=kind)
    single = {"preservation": preservation_fee, "enforcement": enforcement_fee, "payment_order": payment_order_fee}[
        kind
    ]
    return single(
        amount, currency=currency, exchange_rate=exchange_rate, rate_date=rate_date, rounding_unit=rounding_unit
    )
