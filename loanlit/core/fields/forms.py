"""Form fields for amounts, rates and personal data, with translated errors for every bad input."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from loanlit.core import money as m
from loanlit.core.fields import kinds


class MoneyFormField(forms.Field):
    """Accepts "1,234.56", "1234.5", "¥1,234.56" and full-width digits; cleans to a two-place Decimal.

    Refuses "12.345" (a third decimal place is never rounded away), "abc", "1e5" and out-of-range
    amounts, each with a translated message.
    """

    widget = forms.TextInput
    default_error_messages = {
        "min_value": _("Enter an amount of at least %(limit_value)s."),
        "max_value": _("Enter an amount of at most %(limit_value)s."),
    }

    def __init__(self, *, min_value: Decimal | None = None, max_value: Decimal | None = None, **kwargs: Any) -> None:
        self.min_value = None if min_value is None else m.to_money(min_value)
        self.max_value = None if max_value is None else m.to_money(max_value)
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        return attrs

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal) and value.is_finite():
            return m.format_money(value, grouping=False)
        return value

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            if isinstance(value, str):
                return m.parse_money(value)
            return m.to_money(value)
        except m.MoneyError as exc:
            raise ValidationError(exc.message, code=exc.code) from None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                self.error_messages["min_value"],
                code="min_value",
                params={"limit_value": m.format_money(self.min_value)},
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                self.error_messages["max_value"],
                code="max_value",
                params={"limit_value": m.format_money(self.max_value)},
            )


class RateFormField(forms.Field):
    """Accepts "3.45" or "3.45%" (percent), at most six decimal places; cleans to Decimal."""

    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        return attrs

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal) and value.is_finite():
            return m.format_rate(value)
        return value

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            if isinstance(value, str):
                return m.parse_rate(value)
            return m.to_rate(value)
        except m.MoneyError as exc:
            raise ValidationError(exc.message, code=exc.code) from None


class PersonalDataFormField(forms.CharField):
    """Normalises and checks an ID number, mobile, bank account or text; cleans to the normalised str.

    Never pre-fills: an edit form must not put the plaintext (or the mask, which would then be saved
    as the value) into the page, so ``prepare_value`` always renders empty.
    """

    def __init__(
        self,
        *,
        kind: str = kinds.TEXT,
        validator: Callable[[str], object] | None = None,
        **kwargs: Any,
    ) -> None:
        self.kind = kinds.get_kind(kind)
        self.extra_validator = validator
        kwargs.setdefault("max_length", self.kind.max_length)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs["autocomplete"] = "off"
        if self.kind.name in (kinds.MOBILE, kinds.BANK_ACCOUNT):
            attrs["inputmode"] = "numeric"
        return attrs

    def prepare_value(self, value: Any) -> Any:
        return ""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if text in self.empty_values:
            return ""
        try:
            return kinds.clean_value(self.kind, text, validator=self.extra_validator)
        except kinds.PersonalDataError as exc:
            raise ValidationError(exc.message, code=exc.code) from None
