"""MoneyField and RateField: exact Decimals in Python, signed 64-bit integers in every database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core import checks, exceptions
from django.db import models
from django.db.models import Count, Expression, ExpressionWrapper, F, QuerySet, Sum, Value
from django.db.models.expressions import (  # type: ignore[attr-defined]  # public, but not in django-stubs
    Combinable,
    register_combinable_fields,
)
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext_lazy as _

from loanlit.core import money as m
from loanlit.core.fields.forms import MoneyFormField, RateFormField


class _ScaledDecimalDescriptor(DeferredAttribute):
    """Normalises on assignment: ``obj.amount = 12.5`` fails at once, "12.30" becomes Decimal("12.30")."""

    field: _ScaledDecimalField

    def __set__(self, instance: models.Model, value: Any) -> None:
        if value is not None and not hasattr(value, "resolve_expression"):
            value = self.field.to_decimal(value)
        instance.__dict__[self.field.attname] = value


class _ScaledDecimalField(models.Field):
    """A Decimal stored as an integer count of ``10**-places``: exact on SQLite, PostgreSQL and MySQL.

    Not an ``IntegerField`` subclass on purpose: Django's integer lookups round floats silently and
    integer arithmetic would give minor units back as plain ints; here every door is explicit.
    """

    descriptor_class = _ScaledDecimalDescriptor
    places: ClassVar[int]
    empty_strings_allowed = False

    def get_internal_type(self) -> str:
        return "BigIntegerField"

    # Conversions between the Python value (Decimal) and the column (int).
    def to_decimal(self, value: Any) -> Decimal:
        raise NotImplementedError

    def to_units(self, value: Any) -> int:
        return int(self.to_decimal(value).scaleb(self.places))

    def from_units(self, units: Any) -> Decimal:
        if isinstance(units, int):
            return Decimal(units).scaleb(-self.places)
        # Database-computed values: PostgreSQL and MySQL return SUM as numeric (integral), AVG may
        # carry a fraction of a unit — rounded half up, as a computed amount is.
        exact = Decimal(str(units)).scaleb(-self.places)
        return m.round_half_up(exact, Decimal(1).scaleb(-self.places))

    def get_prep_value(self, value: Any) -> int | None:
        value = super().get_prep_value(value)
        if value is None:
            return None
        return self.to_units(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        return self.from_units(value)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            return self.to_decimal(value)
        except m.MoneyError as exc:
            raise exceptions.ValidationError(exc.message, code=exc.code, params=exc.params) from None

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else self.format(value)

    def format(self, value: Decimal) -> str:
        raise NotImplementedError


class MoneyField(_ScaledDecimalField):
    """An amount: ``Decimal`` with two places in Python, integer fen in the database.

    ``currency_field`` names a sibling ``CurrencyField`` holding the ISO code of this amount (several
    amounts may share one); ``money_of(obj, "amount")`` combines them into a ``Money``. Without it the
    amount is in ``DEFAULT_CURRENCY`` (CNY) by convention.

    Arithmetic in queries: ``F("a") + F("b")`` and ``F("a") - F("b")`` are amounts; ``F("a") * 2`` is an
    amount; anything else (``F("a") + 1``, ``F("a") / 3``) is refused by Django with a FieldError — wrap
    literals with ``money_value()`` and give other results an explicit ``output_field``.
    """

    places = m.MONEY_PLACES
    description = _("Amount of money")
    default_error_messages = {"invalid": _("Enter an amount in digits, such as 1,234.56.")}

    def __init__(self, *args: Any, currency_field: str | None = None, **kwargs: Any) -> None:
        self.currency_field = currency_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, _path, args, kwargs = super().deconstruct()
        if self.currency_field:
            kwargs["currency_field"] = self.currency_field
        return name, "loanlit.core.fields.MoneyField", args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.currency_field:
            try:
                target = self.model._meta.get_field(self.currency_field)
            except exceptions.FieldDoesNotExist:
                target = None
            if not isinstance(target, models.CharField):
                errors.append(
                    checks.Error(
                        f"currency_field={self.currency_field!r} must name a CharField (CurrencyField) on the model.",
                        obj=self,
                        id="loanlit_core.E001",
                    )
                )
        return errors

    def to_decimal(self, value: Any) -> Decimal:
        return m.to_money(value)

    def format(self, value: Decimal) -> str:
        return f"{m.to_money(value):.2f}"

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        return super().formfield(
            form_class=form_class or MoneyFormField, choices_form_class=choices_form_class, **kwargs
        )


class RateField(_ScaledDecimalField):
    """A rate in percent: ``Decimal`` with six places in Python, integer millionths of a percent stored.

    ``Decimal("3.45")`` (3.45 %) is stored as 3450000. ``F`` arithmetic allows only rate ± rate.
    """

    places = m.RATE_PLACES
    description = _("Rate in percent")
    default_error_messages = {"invalid": _("Enter a rate in percent, such as 3.45.")}

    def deconstruct(self) -> tuple[Any, ...]:
        name, _path, args, kwargs = super().deconstruct()
        return name, "loanlit.core.fields.RateField", args, kwargs

    def to_decimal(self, value: Any) -> Decimal:
        return m.to_rate(value)

    def format(self, value: Decimal) -> str:
        return m.format_rate(value)

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        return super().formfield(
            form_class=form_class or RateFormField, choices_form_class=choices_form_class, **kwargs
        )


class CurrencyField(models.CharField):
    """The ISO 4217 code companion of one or more MoneyFields (default CNY)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("default", m.DEFAULT_CURRENCY)
        kwargs.setdefault("verbose_name", _("currency"))
        kwargs.setdefault("choices", list(m.CURRENCY_CHOICES))
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[Any, ...]:
        name, _path, args, kwargs = super().deconstruct()
        # The choices follow the code's list; keeping them out of migrations avoids churn.
        kwargs.pop("choices", None)
        return name, "loanlit.core.fields.CurrencyField", args, kwargs


for _connector in (Combinable.ADD, Combinable.SUB):
    register_combinable_fields(MoneyField, _connector, MoneyField, MoneyField)
    register_combinable_fields(RateField, _connector, RateField, RateField)
register_combinable_fields(MoneyField, Combinable.MUL, models.IntegerField, MoneyField)
register_combinable_fields(models.IntegerField, Combinable.MUL, MoneyField, MoneyField)


# --- query helpers -------------------------------------------------------------------------------


def money_value(amount: Decimal | int | str) -> Value:
    """A literal amount for query expressions: ``F("paid") + money_value("10.50")`` adds 1050 fen."""
    return Value(m.to_money(amount), output_field=MoneyField())


def rate_value(rate: Decimal | int | str) -> Value:
    return Value(m.to_rate(rate), output_field=RateField())


def money_expr(expression: Combinable) -> ExpressionWrapper:
    """Declare an expression's result to be an amount (converted back to Decimal when read)."""
    return ExpressionWrapper(expression, output_field=MoneyField())


def money_sum(queryset: QuerySet[Any], field: str | Expression | F) -> Decimal:
    """Exact SUM of an amount column (or amount expression) as Decimal; 0.00 for no rows."""
    expression = F(field) if isinstance(field, str) else field
    total = queryset.aggregate(_money_sum=Sum(expression, output_field=MoneyField(), default=Decimal("0.00")))
    return total["_money_sum"]


def money_avg(queryset: QuerySet[Any], field: str) -> Decimal | None:
    """Exact average rounded half up to the cent (the database's AVG goes through floating point)."""
    result = queryset.aggregate(_money_total=Sum(field, output_field=MoneyField()), _money_count=Count(field))
    if not result["_money_count"]:
        return None
    return m.round_half_up(result["_money_total"] / result["_money_count"])


def money_of(obj: models.Model, field_name: str) -> m.Money | None:
    """The ``Money`` (amount + currency) of ``obj.<field_name>``; None when the amount is empty."""
    field = obj._meta.get_field(field_name)
    if not isinstance(field, MoneyField):
        raise TypeError(f"{field_name!r} is not a MoneyField")
    amount = getattr(obj, field.attname)
    if amount is None:
        return None
    currency = getattr(obj, field.currency_field) if field.currency_field else m.DEFAULT_CURRENCY
    return m.Money(amount, currency)
