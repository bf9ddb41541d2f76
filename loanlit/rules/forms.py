"""Forms of the calculators and the reference-data pages: every bad input gets a translated error."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from loanlit.core import money as m
from loanlit.core.fields import MoneyFormField, RateFormField
from loanlit.law.caps import LENDER_KINDS
from loanlit.law.fees import FEE_KINDS
from loanlit.law.interest import DAY_COUNT_BASES
from loanlit.law.periods import RULES
from loanlit.rules.texts import law_language

_LINE: Final = re.compile(r"\s*(\d{4}-\d{2}-\d{2})[\s,;]+(\S+)\s*")
_DAY_TOKEN: Final = re.compile(r"\d{4}-\d{2}-\d{2}(?:\.\.\d{4}-\d{2}-\d{2})?")
MAX_LINES: Final = 600  # a 50-year monthly schedule; more is not a loan
MAX_RANGE_DAYS: Final = 31

FEE_KIND_LABELS: Final = {
    "acceptance": _("Acceptance fee (property case)"),
    "appeal": _("Appeal fee"),
    "preservation": _("Preservation fee"),
    "enforcement": _("Enforcement fee"),
    "payment_order": _("Payment-order fee"),
}
BASIS_LABELS: Final = {
    "actual/360": _("Actual/360 (bank default)"),
    "actual/365": _("Actual/365"),
    "30/360": _("30/360"),
}
LENDER_LABELS: Final = {
    "private": _("Private lender"),
    "licensed": _("Licensed financial institution"),
    "local_financial": _("Local financial organisation"),
}
IDENTIFIER_LABELS: Final = {
    "ric": _("Resident identity number"),
    "uscc": _("Unified social credit code"),
    "mobile": _("Mobile number"),
}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), input_formats=["%Y-%m-%d"])


def amount_field(label: Any, **kwargs: Any) -> MoneyFormField:
    return MoneyFormField(label=label, min_value=Decimal("0"), **kwargs)


class NonNegativeRateField(RateFormField):
    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and value < 0:
            raise ValidationError(_("A rate cannot be negative."), code="negative")


class StyledForm(forms.Form):
    """Bootstrap classes on the text-like widgets; invalid fields marked for assistive technology."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.Select | forms.Textarea):
                continue
            widget.attrs.setdefault("class", "form-control form-control-sm")

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
                css = self.fields[name].widget.attrs.get("class", "")
                if "form-control" in css and "is-invalid" not in css:
                    self.fields[name].widget.attrs["class"] = css + " is-invalid"


def _rule_choices() -> list[tuple[str, str]]:
    english = law_language() == "en"
    return [(s.name, f"{s.label_en if english else s.label_zh} ({s.name})") for s in RULES.values()]


class DeadlineForm(StyledForm):
    rule = forms.ChoiceField(label=_("Period"))
    start = date_field(_("Runs from"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per form so the labels follow the active language.
        rule_field = self.fields["rule"]
        assert isinstance(rule_field, forms.ChoiceField)
        rule_field.choices = _rule_choices()


class FeeForm(StyledForm):
    kind = forms.ChoiceField(label=_("Fee"), choices=[(k, FEE_KIND_LABELS[k]) for k in FEE_KINDS])
    amount = amount_field(_("Amount (CNY)"))
    halved = forms.BooleanField(label=_("Halved (summary procedure, mediation, withdrawal)"), required=False)


class InterestForm(StyledForm):
    principal = amount_field(_("Principal (CNY)"))
    rate = NonNegativeRateField(label=_("Annual rate (%)"))
    start = date_field(_("From (not counted)"))
    end = date_field(_("To (counted)"))
    basis = forms.ChoiceField(
        label=_("Day-count basis"), choices=[(b, BASIS_LABELS[b]) for b in DAY_COUNT_BASES], initial="actual/360"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date cannot be before the start date."))
        return data


def parse_dated_amounts(text: str) -> list[tuple[date, Decimal]]:
    """Lines of "YYYY-MM-DD amount"; blank lines are skipped, anything else is a numbered error."""
    rows: list[tuple[date, Decimal]] = []
    errors: list[ValidationError] = []
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_LINES:
        raise ValidationError(_("At most %(max)d lines."), params={"max": MAX_LINES}, code="too_many")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            errors.append(
                ValidationError(
                    _("Line %(n)d: write a date and an amount, such as 2025-06-30 10000.00."),
                    params={"n": number},
                    code="bad_line",
                )
            )
            continue
        try:
            day = date.fromisoformat(match[1])
        except ValueError:
            errors.append(
                ValidationError(_("Line %(n)d: %(day)s is not a real date."), params={"n": number, "day": match[1]})
            )
            continue
        try:
            amount = m.parse_money(match[2])
        except m.MoneyError as error:
            errors.append(ValidationError(_("Line %(n)d: %(error)s"), params={"n": number, "error": error.message}))
            continue
        if amount <= 0:
            errors.append(ValidationError(_("Line %(n)d: the amount must be positive."), params={"n": number}))
            continue
        rows.append((day, amount))
    if errors:
        raise ValidationError(errors)
    return rows


class ClaimForm(StyledForm):
    principal = amount_field(_("Loan principal (CNY)"))
    rate = NonNegativeRateField(label=_("Contract annual rate (%)"))
    value_date = date_field(_("Value date"))
    cutoff = date_field(_("Computed to (cut-off)"))
    basis = forms.ChoiceField(
        label=_("Day-count basis"), choices=[(b, BASIS_LABELS[b]) for b in DAY_COUNT_BASES], initial="actual/360"
    )
    penalty_markup = NonNegativeRateField(
        label=_("Penalty markup over the contract rate (%)"), initial=Decimal("50"), required=False
    )
    compound = forms.BooleanField(label=_("Compound interest on unpaid interest"), required=False, initial=True)
    acceleration_date = date_field(_("Acceleration date (optional)"), required=False)
    instalments = forms.CharField(
        label=_('Instalments: one "YYYY-MM-DD principal" per line'),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=40_000,
    )
    payments = forms.CharField(
        label=_('Repayments: one "YYYY-MM-DD amount" per line'),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=40_000,
    )

    def clean_instalments(self) -> list[tuple[date, Decimal]]:
        rows = parse_dated_amounts(self.cleaned_data["instalments"])
        if not rows:
            raise ValidationError(_("Enter at least one instalment."), code="required")
        return rows

    def clean_payments(self) -> list[tuple[date, Decimal]]:
        return parse_dated_amounts(self.cleaned_data.get("payments") or "")

    def clean_penalty_markup(self) -> Decimal:
        value = self.cleaned_data.get("penalty_markup")
        return Decimal("50") if value is None else value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("value_date") and data.get("cutoff") and data["cutoff"] < data["value_date"]:
            self.add_error("cutoff", _("The cut-off cannot be before the value date."))
        return data


class CaseNumberForm(StyledForm):
    text = forms.CharField(label=_("Case number"), max_length=60)


class WordsForm(StyledForm):
    amount = amount_field(_("Amount (CNY)"))


class IdentifierForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=list(IDENTIFIER_LABELS.items()))
    value = forms.CharField(label=_("Number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"}))


class CapForm(StyledForm):
    formed = date_field(_("Contract formed on"))
    rate = NonNegativeRateField(label=_("Agreed annual rate (%)"))
    lender = forms.ChoiceField(
        label=_("Lender"), choices=[(k, LENDER_LABELS[k]) for k in LENDER_KINDS], initial="private"
    )
    filed = date_field(_("Filed on (contracts formed before 2020-08-20)"), required=False)


# --- reference data ----------------------------------------------------------------------------


def parse_day_list(text: str) -> list[date]:
    """ISO dates separated by spaces, commas or new lines; "A..B" is every day from A to B."""
    days: set[date] = set()
    for token in re.split(r"[\s,;]+", unicodedata.normalize("NFKC", text).strip()):
        if not token:
            continue
        if not _DAY_TOKEN.fullmatch(token):
            raise ValidationError(
                _("%(token)s is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)."),
                params={"token": token[:40]},
                code="bad_token",
            )
        first_text, _sep, last_text = token.partition("..")
        try:
            first = date.fromisoformat(first_text)
            last = date.fromisoformat(last_text) if last_text else first
        except ValueError:
            raise ValidationError(
                _("%(token)s is not a real date."), params={"token": token[:40]}, code="bad_date"
            ) from None
        if last < first or (last - first).days >= MAX_RANGE_DAYS:
            raise ValidationError(
                _("%(token)s: a range runs forwards and covers at most %(max)d days."),
                params={"token": token, "max": MAX_RANGE_DAYS},
                code="bad_range",
            )
        day = first
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return sorted(days)


class HolidayOverrideForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2004, max_value=2100)
    notice = forms.CharField(
        label=_("State Council notice number"),
        max_length=100,
        help_text=_("As printed on the notice, e.g. the General Office's reference number."),
    )
    rest_days = forms.CharField(
        label=_("Rest days (holidays and swapped rest days)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dates as YYYY-MM-DD, or ranges as YYYY-MM-DD..YYYY-MM-DD, separated by spaces or lines."),
        max_length=10_000,
    )
    working_days = forms.CharField(
        label=_("Make-up working days"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=10_000,
    )

    def __init__(self, *args: Any, fixed_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_year = fixed_year
        if fixed_year is not None:
            self.fields["year"].disabled = True
            self.fields["year"].initial = fixed_year

    def clean_rest_days(self) -> list[date]:
        return parse_day_list(self.cleaned_data["rest_days"])

    def clean_working_days(self) -> list[date]:
        return parse_day_list(self.cleaned_data.get("working_days") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year = data.get("year")
        for name in ("rest_days", "working_days"):
            for day in data.get(name) or ():
                if year is not None and day.year != year:
                    self.add_error(name, _("%(day)s is not in %(year)d.") % {"day": day.isoformat(), "year": year})
                    break
        both = sorted(set(data.get("rest_days") or ()) & set(data.get("working_days") or ()))
        if both:
            self.add_error(
                "working_days",
                _("%(day)s cannot be both a rest day and a make-up working day.") % {"day": both[0].isoformat()},
            )
        return data


class LprRateForm(StyledForm):
    published = date_field(_("Published on"))
    lpr_1y = NonNegativeRateField(label=_("One-year LPR (%)"))
    lpr_5y = NonNegativeRateField(label=_("Five-year-plus LPR (%)"))
    verified_through = date_field(
        _("Table verified through"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("published") and not data.get("verified_through"):
            data["verified_through"] = data["published"]
        return data
