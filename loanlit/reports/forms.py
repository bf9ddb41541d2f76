"""The statistics filter form (GET): parses and checks the shared filters into ``filters.StatsFilters``.

Every choice offered is limited to what the user may see (their creditors, the units of their subtree, the
handlers and law firms in their scope). A bad value is a translated form error; the page then shows the
figures without any filter rather than failing.
"""

from __future__ import annotations

import re
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.selectors import creditors_visible_to, org_units_visible_to
from loanlit.cases import selectors as case_selectors
from loanlit.cases.forms import BLANK, StyledForm, cause_choices
from loanlit.cases.models import CaseStage
from loanlit.cases.positions import POSITION_LABELS
from loanlit.loans.models import LoanContract
from loanlit.reports.definitions import DIMENSIONS, PROVINCES
from loanlit.reports.filters import StatsFilters
from loanlit.reports.models import OutcomeClass
from loanlit.reports.selectors import drilldown, stats

FILTER_FIELDS: Final = tuple(f.name for f in dataclass_fields(StatsFilters))
MONTH_RE: Final = re.compile(r"^(\d{4})-(\d{2})$")
# Drill-down dimensions: the stored ones, the filing-month cohort and the aging buckets of open cases.
AGING: Final = "aging"
DRILL_DIMENSIONS: Final = (*DIMENSIONS, AGING)
# Measures a drill-down may name: those the drill-down selector knows (rates give their denominator's cases).
DRILL_MEASURES: Final = tuple(drilldown.DRILL_MEASURES)


class MonthField(forms.Field):
    """A month as ``YYYY-MM`` (an ``<input type="month">``) → the first day of that month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, for example 2026-03.")}

    def to_python(self, value: Any) -> date | None:
        text = str(value).strip() if value not in self.empty_values else ""
        if not text:
            return None
        match = MONTH_RE.match(text)
        if match is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(match.group(1)), int(match.group(2))
        if not (1 <= month <= 12 and 1900 <= year <= 2999):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(year, month, 1)


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [*BLANK, *[(value, label) for value, label in choices if value != ""]]


class StatsFilterForm(StyledForm):
    creditor = forms.ModelChoiceField(label=_("Creditor"), queryset=CaseStage.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=CaseStage.objects.none(), required=False)
    period_from = MonthField(label=_("Filed from (month)"), required=False)
    period_to = MonthField(label=_("Filed until (month)"), required=False)
    court = forms.ModelChoiceField(label=_("Court"), queryset=CaseStage.objects.none(), required=False)
    court_province = forms.ChoiceField(label=_("Region (court's province)"), choices=(), required=False)
    borrower_province = forms.ChoiceField(label=_("Borrower's registered region"), choices=(), required=False)
    product = forms.ChoiceField(label=_("Product"), choices=_blank(LoanContract.Product.choices), required=False)
    cause = forms.ChoiceField(label=_("Cause of action"), choices=(), required=False)
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=CaseStage.objects.none(), required=False)
    law_firm = forms.ModelChoiceField(label=_("Law firm"), queryset=CaseStage.objects.none(), required=False)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=CaseStage.objects.none(), required=False)
    position = forms.ChoiceField(label=_("Procedural position"), choices=(), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=_blank(OutcomeClass.choices), required=False)
    open_only = forms.BooleanField(label=_("Open cases only"), required=False)
    currency = forms.ChoiceField(label=_("Amounts in"), choices=(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        fields: dict[str, Any] = self.fields
        fields["creditor"].queryset = creditors_visible_to(user).order_by("name")
        fields["unit"].queryset = org_units_visible_to(user).order_by("path")
        fields["court"].queryset = case_selectors.courts()
        fields["handler"].queryset = case_selectors.handler_choices(user=user)
        fields["law_firm"].queryset = case_selectors.law_firms_for_user(user=user)
        fields["stage"].queryset = case_selectors.stages()
        provinces = [(code, label) for code, label in PROVINCES.items()]
        fields["court_province"].choices = _blank(provinces)
        fields["borrower_province"].choices = _blank(provinces)
        fields["cause"].choices = [*BLANK, *cause_choices()]
        fields["position"].choices = _blank(POSITION_LABELS.items())
        # Amounts are shown in one currency at a time: the currencies of the user's cases, the usual one first.
        self.currencies = stats.currencies_for_user(user=user)
        fields["currency"].choices = [(code, code) for code in self.currencies]

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-describedby"] = f"{self.add_prefix(name)}-error"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("The last month must not be before the first month."))
        return data

    def filters(self) -> StatsFilters:
        """The filters asked for; no filter at all when the form is unbound or has an error."""
        if not self.is_bound or not self.is_valid():
            return StatsFilters(currency=self.currencies[0])
        data = self.cleaned_data

        def pk(name: str) -> int | None:
            value = data.get(name)
            return value.pk if value is not None else None

        stage = data.get("stage")
        return StatsFilters(
            creditor=pk("creditor"),
            unit=pk("unit"),
            period_from=data.get("period_from"),
            period_to=data.get("period_to"),
            court=pk("court"),
            court_province=data.get("court_province") or "",
            borrower_province=data.get("borrower_province") or "",
            product=data.get("product") or "",
            cause=data.get("cause") or "",
            handler=pk("handler"),
            law_firm=pk("law_firm"),
            stage=stage.code if stage is not None else "",
            position=data.get("position") or "",
            outcome=data.get("outcome") or "",
            open_only=bool(data.get("open_only")),
            currency=data.get("currency") or self.currencies[0],
        )

    def described(self) -> list[tuple[str, str]]:
        """(label, value shown) of each filter set, for the page and the exports' notes."""
        if not self.is_bound or not self.is_valid():
            return []
        out = []
        for name in FILTER_FIELDS:
            field = self.fields[name]
            value = self.cleaned_data.get(name)
            if value in (None, "", False):
                continue
            if name == "currency" and value == self.currencies[0]:
                continue  # the currency shown anyway
            if isinstance(value, date):
                shown = value.strftime("%Y-%m")
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                shown = str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
            elif value is True:
                shown = str(_("Yes"))
            else:
                shown = str(value)
            out.append((str(field.label), shown))
        return out


class DrilldownForm(StatsFilterForm):
    """The filters plus which figure: a dimension and its bucket key, the measure, the keyset cursor."""

    dimension = forms.ChoiceField(required=False, choices=(), widget=forms.HiddenInput)
    key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    measure = forms.ChoiceField(required=False, choices=(), widget=forms.HiddenInput)
    after = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["dimension"].choices = [("", ""), *[(code, code) for code in DRILL_DIMENSIONS]]
        fields["measure"].choices = [("", ""), *[(code, code) for code in DRILL_MEASURES]]
        fields["dimension"].error_messages["invalid_choice"] = _("This figure is not one the dashboard shows.")
        fields["measure"].error_messages["invalid_choice"] = _("This figure is not one the dashboard shows.")

    def clean_after(self) -> tuple[date, int] | None:
        raw = self.cleaned_data.get("after") or ""
        if not raw:
            return None
        day, _sep, pk = raw.partition(".")
        try:
            return date.fromisoformat(day), int(pk)
        except ValueError:
            raise forms.ValidationError(_("This page link is not valid. Start again from the first page.")) from None
