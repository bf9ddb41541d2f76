"""Money and rate values: Decimal only, exact, currency-aware (DESIGN rule 3).

Python code always works in major units (yuan) as ``Decimal`` with exactly two places; the database
stores integer minor units (fen) through ``MoneyField``. Rates are Decimal percentages stored as integer
millionths of a percent through ``RateField``.

Three doors let a value in, each as strict as its source deserves:

* ``to_money(value)`` for programmatic values (Decimal, int, plain decimal string). A float is a
  ``MoneyTypeError``; a third decimal place is a ``MoneyValueError`` unless ``rounding=True`` asks for
  ROUND_HALF_UP explicitly. Nothing is ever truncated silently.
* ``parse_money(text)`` for what people type: "1,234.56", "1234.5", full-width digits, a leading "¥".
  Exponents ("1e5"), words and a third decimal place are refused with a translated message.
* ``money_from_json(value)`` for API payloads: decimal strings (or integers), never JSON floats.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django.utils.translation import gettext_lazy as _

from loanlit.law.money import round_half_up as _law_round_half_up

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CENT: Final = Decimal("0.01")
MONEY_PLACES: Final = 2
RATE_PLACES: Final = 6
RATE_QUANTUM: Final = Decimal("0.000001")

# The database column is a signed 64-bit integer on every backend.
BIGINT_MIN: Final = -(2**63)
BIGINT_MAX: Final = 2**63 - 1
MONEY_MIN: Final = Decimal(BIGINT_MIN).scaleb(-MONEY_PLACES)
MONEY_MAX: Final = Decimal(BIGINT_MAX).scaleb(-MONEY_PLACES)
RATE_MIN: Final = Decimal(BIGINT_MIN).scaleb(-RATE_PLACES)
RATE_MAX: Final = Decimal(BIGINT_MAX).scaleb(-RATE_PLACES)

DEFAULT_CURRENCY: Final = "CNY"
# ISO 4217 minor-unit exponents of the currencies a Chinese lender meets. Columns always hold two
# places; a currency with fewer (JPY, KRW) must simply have zeros there.
CURRENCY_EXPONENTS: Final[Mapping[str, int]] = {
    "CNY": 2,
    "HKD": 2,
    "MOP": 2,
    "TWD": 2,
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "SGD": 2,
    "AUD": 2,
    "CAD": 2,
    "CHF": 2,
    "JPY": 0,
    "KRW": 0,
}
# The choices of every CurrencyField (and the API schema's one CurrencyEnum).
CURRENCY_CHOICES: Final = tuple((code, code) for code in CURRENCY_EXPONENTS)

# Longer input is refused before Decimal sees it: nobody types a 60-digit amount, and a huge string
# must not cost CPU.
_MAX_INPUT_LENGTH: Final = 40
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED_DECIMAL = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_YUAN_SIGN = "\u00a5"  # NFKC folds the full-width yen/yuan sign to this one


class MoneyError(Exception):
    """A value that cannot be money or a rate. ``message`` is translated; ``code`` is stable."""

    def __init__(self, message: StrOrPromise, *, code: str, params: Mapping[str, object] | None = None) -> None:
        self.message = message
        self.code = code
        self.params = dict(params or {})
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message)


class MoneyTypeError(MoneyError, TypeError):
    """The value has a type money never accepts (float, bool, arbitrary objects)."""


class MoneyValueError(MoneyError, ValueError):
    """The value has the right type but not an acceptable amount (format, places, range)."""


# --- money ---------------------------------------------------------------------------------------


def round_half_up(value: Decimal, quantum: Decimal = CENT) -> Decimal:
    """Round half up (away from zero on a tie) to ``quantum`` — the one rounding rule for computed amounts."""
    return _law_round_half_up(value, quantum)


def _refuse_type(value: object, *, what: str) -> None:
    if isinstance(value, float):
        raise MoneyTypeError(
            _("A float cannot be used as %(what)s (binary floating point is inexact); use Decimal or a string.")
            % {"what": what},
            code="float",
            params={"value": repr(value)},
        )
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise MoneyTypeError(
            _("%(value)s cannot be used as %(what)s; use Decimal, int or a decimal string.")
            % {"value": type(value).__name__, "what": what},
            code="type",
            params={"value": repr(value)},
        )


def _strict_decimal(value: Decimal | int | str, *, what: str) -> Decimal:
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _MAX_INPUT_LENGTH or not _PLAIN_DECIMAL.fullmatch(text):
            raise MoneyValueError(
                _("%(value)s is not a decimal number.") % {"value": repr(value[:_MAX_INPUT_LENGTH])},
                code="invalid",
                params={"value": value[:_MAX_INPUT_LENGTH]},
            )
        return Decimal(text)
    amount = Decimal(value)
    if not amount.is_finite():
        raise MoneyValueError(
            _("%(what)s must be a finite number, not %(value)s.") % {"what": what, "value": value},
            code="not_finite",
            params={"value": str(value)},
        )
    return amount


def _quantize_exact(
    amount: Decimal, *, quantum: Decimal, places: int, rounding: bool, lower: Decimal, upper: Decimal, what: str
) -> Decimal:
    # Range first: quantize() on an absurdly large value would exceed the context precision.
    if not lower <= amount <= upper:
        raise MoneyValueError(
            _("%(what)s is outside the range that can be stored (%(lower)s to %(upper)s).")
            % {"what": what, "lower": lower, "upper": upper},
            code="out_of_range",
            params={"value": str(amount)},
        )
    quantized = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    if quantized != amount and not rounding:
        raise MoneyValueError(
            _("%(value)s has more than %(places)d decimal places; round it explicitly first.")
            % {"value": amount, "places": places},
            code="max_decimal_places",
            params={"value": str(amount), "places": places},
        )
    if not lower <= quantized <= upper:  # rounding may step just past a bound
        raise MoneyValueError(
            _("%(what)s is outside the range that can be stored (%(lower)s to %(upper)s).")
            % {"what": what, "lower": lower, "upper": upper},
            code="out_of_range",
            params={"value": str(amount)},
        )
    return quantized


def to_money(value: Decimal | int | str, *, rounding: bool = False) -> Decimal:
    """Return ``value`` as an amount with exactly two places.

    Accepts Decimal, int (in yuan, not fen) and plain decimal strings ("-12.3"). Floats, bools and other
    types raise ``MoneyTypeError``; NaN, infinity, a malformed string, a value outside the 64-bit
    column's range, or a third decimal place (unless ``rounding=True`` asks for ROUND_HALF_UP) raise
    ``MoneyValueError``. Trailing zeros are not extra places: Decimal("12.340") is 12.34.
    """
    # Fast path for values already in canonical form (every value loaded from the database); it comes
    # before any message is translated, which would otherwise dominate bulk imports.
    if type(value) is Decimal and value.as_tuple().exponent == -MONEY_PLACES and MONEY_MIN <= value <= MONEY_MAX:
        return value
    what = _("an amount")
    _refuse_type(value, what=str(what))
    amount = _strict_decimal(value, what=str(what))
    return _quantize_exact(
        amount,
        quantum=CENT,
        places=MONEY_PLACES,
        rounding=rounding,
        lower=MONEY_MIN,
        upper=MONEY_MAX,
        what=str(_("The amount")),
    )


def is_money(value: object) -> bool:
    """True when ``value`` is already a canonical amount (a Decimal with exactly two places)."""
    return type(value) is Decimal and value.is_finite() and value.as_tuple().exponent == -MONEY_PLACES


def to_minor_units(value: Decimal | int | str) -> int:
    """Amount in yuan → integer fen (the database representation). Strict like ``to_money``."""
    return int(to_money(value).scaleb(MONEY_PLACES))


def from_minor_units(units: int) -> Decimal:
    """Integer fen → amount in yuan with exactly two places."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise MoneyTypeError(
            _("Minor units must be an integer, not %(value)s.") % {"value": type(units).__name__},
            code="type",
            params={"value": repr(units)},
        )
    return Decimal(units).scaleb(-MONEY_PLACES)


def parse_money(text: str) -> Decimal:
    """Parse an amount a person typed: "1,234.56", "1234.5", "¥ 1 234.56", full-width digits.

    Thousands separators must group correctly ("1,23.4" is refused: it may be a European decimal
    comma). Exponents, words, a third decimal place and out-of-range values raise
    ``MoneyValueError`` with a translated message; nothing is rounded.
    """
    if not isinstance(text, str):
        _refuse_type(text, what=str(_("an amount")))
        return to_money(text)
    normalised = unicodedata.normalize("NFKC", text).strip()
    if normalised.startswith(_YUAN_SIGN):
        normalised = normalised[1:]
    normalised = normalised.replace(" ", "").replace("\u00a0", "")
    invalid = MoneyValueError(
        _("Enter an amount in digits, such as 1,234.56."), code="invalid", params={"value": text[:_MAX_INPUT_LENGTH]}
    )
    if len(normalised) > _MAX_INPUT_LENGTH:
        looks_numeric = normalised.lstrip("+-").replace(",", "").replace(".", "").isdigit()
        if looks_numeric:
            raise MoneyValueError(_("The amount is too large."), code="out_of_range", params={"value": text[:40]})
        raise invalid
    if _GROUPED_DECIMAL.fullmatch(normalised):
        normalised = normalised.replace(",", "")
    elif not _PLAIN_DECIMAL.fullmatch(normalised):
        raise invalid
    try:
        amount = Decimal(normalised)
    except InvalidOperation:  # unreachable after the patterns above; kept as a guard
        raise invalid from None
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MONEY_PLACES and amount != round_half_up(amount, CENT):
        raise MoneyValueError(
            _("Enter at most %(places)d decimal places.") % {"places": MONEY_PLACES},
            code="max_decimal_places",
            params={"value": text[:_MAX_INPUT_LENGTH], "places": MONEY_PLACES},
        )
    if not MONEY_MIN <= amount <= MONEY_MAX:
        raise MoneyValueError(_("The amount is too large."), code="out_of_range", params={"value": text[:40]})
    return to_money(amount)


def format_money(value: Decimal, *, grouping: bool = True) -> str:
    """Display form: "1,234.56" (or "1234.56" without grouping); always two places."""
    amount = to_money(value)
    return f"{amount:,.2f}" if grouping else f"{amount:.2f}"


# --- JSON ----------------------------------------------------------------------------------------


def money_to_json(value: Decimal | None) -> str | None:
    """Amount → its JSON form, a decimal string with two places ("1234.56"); None stays None."""
    if value is None:
        return None
    return f"{to_money(value):.2f}"


def money_from_json(value: object) -> Decimal | None:
    """JSON value → amount. Accepts decimal strings and integers; JSON floats are refused.

    Parse documents with ``json_loads`` (``parse_float=Decimal``) so "12.345" in a number position
    is refused for its places rather than mangled by binary floating point.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return to_money(value)
    _refuse_type(value, what=str(_("an amount")))
    return to_money(value)  # type: ignore[arg-type]  # _refuse_type narrowed it to Decimal | int


class MoneyJSONEncoder(json.JSONEncoder):
    """Encodes Decimal as its exact string and ``Money`` as {"amount": "1234.56", "currency": "CNY"}."""

    def default(self, o: Any) -> Any:
        if isinstance(o, Money):
            return o.as_json()
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


def json_dumps(data: Any, **kwargs: Any) -> str:
    """``json.dumps`` with ``MoneyJSONEncoder``; floats are never produced for amounts."""
    return json.dumps(data, cls=MoneyJSONEncoder, ensure_ascii=False, **kwargs)


def json_loads(text: str | bytes) -> Any:
    """``json.loads`` reading every JSON number with a fraction as Decimal (never float)."""
    return json.loads(text, parse_float=Decimal)


# --- currency ------------------------------------------------------------------------------------


def validate_currency(code: object) -> str:
    """Return ``code`` if it is a supported ISO 4217 code, else raise ``MoneyValueError``."""
    if not isinstance(code, str) or code not in CURRENCY_EXPONENTS:
        raise MoneyValueError(
            _("%(code)s is not a supported currency code.") % {"code": repr(code)},
            code="currency",
            params={"value": repr(code)},
        )
    return code


@dataclass(frozen=True, slots=True)
class Money:
    """An amount with its currency. Arithmetic only within one currency; never a float."""

    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        amount = to_money(self.amount)
        validate_currency(self.currency)
        exponent = CURRENCY_EXPONENTS[self.currency]
        if exponent < MONEY_PLACES and amount != amount.quantize(Decimal(1).scaleb(-exponent)):
            raise MoneyValueError(
                _("%(currency)s amounts have %(places)d decimal places.")
                % {"currency": self.currency, "places": exponent},
                code="currency_places",
                params={"value": str(amount)},
            )
        object.__setattr__(self, "amount", amount)

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise MoneyTypeError(_("Only Money can be added to Money."), code="type", params={"value": repr(other)})
        if other.currency != self.currency:
            raise MoneyValueError(
                _("Cannot combine %(a)s and %(b)s amounts.") % {"a": self.currency, "b": other.currency},
                code="currency_mismatch",
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.currency} {format_money(self.amount)}"

    def as_json(self) -> dict[str, str]:
        return {"amount": f"{self.amount:.2f}", "currency": self.currency}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Money:
        amount = money_from_json(data.get("amount"))
        if amount is None:
            raise MoneyValueError(_("The amount is missing."), code="required")
        return cls(amount, validate_currency(data.get("currency", DEFAULT_CURRENCY)))


# --- rates ---------------------------------------------------------------------------------------


def to_rate(value: Decimal | int | str, *, rounding: bool = False) -> Decimal:
    """Return a rate in percent (Decimal("3.45") = 3.45 %) with exactly six places.

    Same strictness as ``to_money``: floats are ``MoneyTypeError``; a seventh place is refused unless
    ``rounding=True`` asks for ROUND_HALF_UP.
    """
    if type(value) is Decimal and value.as_tuple().exponent == -RATE_PLACES and RATE_MIN <= value <= RATE_MAX:
        return value
    what = _("a rate")
    _refuse_type(value, what=str(what))
    rate = _strict_decimal(value, what=str(what))
    return _quantize_exact(
        rate,
        quantum=RATE_QUANTUM,
        places=RATE_PLACES,
        rounding=rounding,
        lower=RATE_MIN,
        upper=RATE_MAX,
        what=str(_("The rate")),
    )


def rate_to_units(value: Decimal | int | str) -> int:
    """Rate in percent → integer millionths of a percent: Decimal("3.45") → 3450000."""
    return int(to_rate(value).scaleb(RATE_PLACES))


def rate_from_units(units: int) -> Decimal:
    """Integer millionths of a percent → rate in percent with six places: 3450000 → Decimal("3.450000")."""
    if isinstance(units, bool) or not isinstance(units, int):
        raise MoneyTypeError(
            _("Rate units must be an integer, not %(value)s.") % {"value": type(units).__name__},
            code="type",
            params={"value": repr(units)},
        )
    return Decimal(units).scaleb(-RATE_PLACES)


def format_rate(value: Decimal) -> str:
    """Shortest exact text with at least two places: 3.450000 → "3.45", 3.123456 → "3.123456"."""
    text = f"{to_rate(value):.6f}"
    whole, fraction = text.split(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{whole}.{fraction}"


def parse_rate(text: str) -> Decimal:
    """Parse a rate a person typed: "3.45", "3.45%", full-width digits; at most six places."""
    if not isinstance(text, str):
        _refuse_type(text, what=str(_("a rate")))
        return to_rate(text)
    normalised = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if normalised.endswith("%"):
        normalised = normalised[:-1]
    if not normalised or len(normalised) > _MAX_INPUT_LENGTH or not _PLAIN_DECIMAL.fullmatch(normalised):
        raise MoneyValueError(
            _("Enter a rate in percent, such as 3.45."), code="invalid", params={"value": text[:_MAX_INPUT_LENGTH]}
        )
    try:
        return to_rate(normalised)
    except MoneyValueError as exc:
        if exc.code == "max_decimal_places":
            raise MoneyValueError(
                _("Enter at most %(places)d decimal places.") % {"places": RATE_PLACES},
                code="max_decimal_places",
                params=exc.params,
            ) from None
        raise


def rate_to_json(value: Decimal | None) -> str | None:
    """Rate → JSON decimal string ("3.45"); None stays None."""
    return None if value is None else format_rate(value)
