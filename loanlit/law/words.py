"""Amounts in Chinese capital numerals (大写金额) per the PBoC Payment and Settlement Measures
(支付结算办法, 1997), annex on filling in instruments and settlement vouchers, with the house style
of rules.md where the annex leaves 零 optional:

* 零 between 元 and 角 whenever the yuan digit is 0 and 角 is not (壹仟陆佰捌拾元零叁角贰分);
* 零 after 元 whenever 角 is 0 and 分 is not (required by the annex: 叁佰贰拾伍元零肆分);
* no 零 after 万 when only the 万 digit is 0 (壹拾万柒仟元零伍角叁分);
* 整 after 元, never after 角 or 分.

The amount is a Decimal rounded half-up to the cent first; floats and negatives are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from loanlit.law.explain import Msg, register
from loanlit.law.money import LawInputError, require_money, round_half_up

DIGITS: Final = "零壹贰叁肆伍陆柒捌玖"
_IN_GROUP: Final = ("仟", "佰", "拾", "")
CURRENCY: Final = "人民币"
# Up to 万亿 (trillions); larger amounts do not occur in loan litigation and would read oddly.
MAX_AMOUNT: Final = Decimal("9999999999999999.99")


@dataclass(frozen=True)
class AmountWords:
    amount: Decimal  # after rounding to the cent
    words: str  # without the 人民币 prefix
    with_currency: str
    explanation: list[Msg]


def _group_words(group: int) -> str:
    """One 4-digit group; a run of zeros inside it becomes one 零, trailing zeros are dropped."""
    digits = f"{group:04d}"
    out: list[str] = []
    zero_pending = False
    started = False
    for digit, unit in zip(digits, _IN_GROUP, strict=True):
        if digit == "0":
            zero_pending = started
            continue
        if zero_pending:
            out.append("零")
        out.append(DIGITS[int(digit)] + unit)
        zero_pending = False
        started = True
    return "".join(out)


def _below_yi(value: int) -> str:
    high, low = divmod(value, 10000)
    if not high:
        return _group_words(low)
    out = _group_words(high) + "万"
    if low:
        # 零 bridges a gap only when the thousands digit below 万 is 0 (壹拾万柒仟, 壹拾万零伍佰).
        out += ("零" if low < 1000 else "") + _group_words(low)
    return out


def _integer_words(value: int) -> str:
    """Positive integers; 亿 groups recurse, so 1.2 trillion reads 壹万贰仟亿."""
    high, low = divmod(value, 10**8)
    if not high:
        return _below_yi(low)
    out = _integer_words(high) + "亿"
    if low:
        out += ("零" if low < 10**7 else "") + _below_yi(low)
    return out


def amount_in_words(amount: object) -> AmountWords:
    """Chinese capital numerals for a CNY amount (PBoC 支付结算办法 1997, annex; house style rules.md).

    ``amount`` must be a Decimal or int; it is rounded ROUND_HALF_UP to 0.01 before conversion.
    """
    exact = require_money(amount, name="amount")
    value = round_half_up(exact)
    if value > MAX_AMOUNT:
        raise LawInputError("words.too_large", value=str(value))
    cents = int(value * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    parts: list[str] = []
    if yuan:
        parts.append(_integer_words(yuan) + "元")
    elif not rest:
        parts.append("零元")
    if not rest:
        parts.append("整")
    else:
        if yuan and (jiao == 0 or yuan % 10 == 0):
            parts.append("零")
        if jiao:
            parts.append(DIGITS[jiao] + "角")
        if fen:
            parts.append(DIGITS[fen] + "分")
    words = "".join(parts)
    explanation = [Msg("words.rule")]
    if value != exact:
        explanation.append(Msg("words.rounded", {"exact": str(exact), "rounded": str(value)}))
    return AmountWords(amount=value, words=words, with_currency=CURRENCY + words, explanation=explanation)


register(
    {
        "words.rule": (
            "大写金额按《支付结算办法》（1997）附件《正确填写票据和结算凭证的基本规定》书写",
            "Written in capitals per the PBoC Payment and Settlement Measures (1997), annex on filling in "
            "instruments and settlement vouchers",
        ),
        "words.rounded": (
            "金额 {exact} 四舍五入至分为 {rounded}",
            "Amount {exact} rounded half-up to the cent: {rounded}",
        ),
        "words.too_large": ("金额 {value} 超出可书写范围", "Amount {value} is too large to write in capitals"),
    }
)
