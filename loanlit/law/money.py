"""Money primitives for the rules: Decimal only, ROUND_HALF_UP (四舍五入) to the cent at the end."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

CENT: Final = Decimal("0.01")


class LawInputError(ValueError):
    """An input a rule cannot accept; ``code`` and ``params`` give the translated message (explain.py)."""

    def __init__(self, code: str, **params: object) -> None:
        from loanlit.law.explain import render

        super().__init__(render(code, "en", **params))
        self.code = code
        self.params = params


def require_money(value: object, *, name: str = "amount", allow_negative: bool = False) -> Decimal:
    """Return ``value`` as a Decimal, refusing floats, NaN/infinity and (unless allowed) negatives."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise LawInputError("input.not_decimal", name=name, value=repr(value))
    amount = Decimal(value)
    if not amount.is_finite():
        raise LawInputError("input.not_finite", name=name, value=str(value))
    if amount < 0 and not allow_negative:
        raise LawInputError("input.negative", name=name, value=str(value))
    return amount


def round_half_up(value: Decimal, quantum: Decimal = CENT) -> Decimal:
    """Round half up (四舍五入) to ``quantum``, by default the cent."""
    return value.quantize(quantum, rounding=ROUND_HALF_UP)
