"""The fixed reports' filter form (GET): creditor, unit, filing months, the report month, a window in days.

Choices are limited to what the user may see (their creditors, the units of their subtree). A bad value is
a translated form error: the page shows it and no figures, never a server error.
"""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.selectors import creditors_visible_to, org_units_visible_to
from loanlit.cases.forms import StyledForm
from loanlit.core.models import Creditor, OrgUnit
from loanlit.reports.definitions import DEFAULT_CURRENCY
from loanlit.reports.filters import StatsFilters
from loanlit.reports.forms import MonthField
from loanlit.reports.selectors import stats

MAX_DAYS: Final = 366


class ReportFilterForm(StyledForm):
    """``fields_used`` names the fields a report offers; the others are removed."""

    creditor = forms.ModelChoiceField(label=_("Creditor"), queryset=Creditor.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), required=False)
    period_from = MonthField(label=_("Filed from (month)"), required=False)
    period_to = MonthField(label=_("Filed until (month)"), required=False)
    month = MonthField(label=_("Month"), required=False)
    days = forms.IntegerField(
        label=_("Within (days)"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        error_messages={
            "invalid": _("Enter a whole number of days."),
            "min_value": _("Enter at least 1 day."),
            "max_value": _("Enter at most %(limit_value)s days."),
        },
    )

    currency = forms.ChoiceField(label=_("Amounts in"), choices=(), required=False)

    def __init__(self, *args: Any, user: Any, fields_used: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields_used:
                del self.fields[name]
        # The currencies of the user's cases, the usual one first (amounts are never added across them).
        self.currencies = stats.currencies_for_user(user=user) if "currency" in self.fields else [DEFAULT_CURRENCY]
        if "currency" in self.fields:
            self.fields["currency"].choices = [(code, code) for code in self.currencies]  # type: ignore[attr-defined]
        if "creditor" in self.fields:
            self.fields["creditor"].queryset = creditors_visible_to(user).order_by("name")  # type: ignore[attr-defined]
            self.fields["creditor"].error_messages["invalid_choice"] = _("Choose one of your creditors.")
        if "unit" in self.fields:
            self.fields["unit"].queryset = org_units_visible_to(user).order_by("path")  # type: ignore[attr-defined]
            self.fields["unit"].error_messages["invalid_choice"] = _("Choose a unit in your scope.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("The last month must not be before the first month."))
        return data

    def filters(self) -> StatsFilters:
        data = self.cleaned_data
        creditor, unit = data.get("creditor"), data.get("unit")
        return StatsFilters(
            creditor=creditor.pk if creditor is not None else None,
            unit=unit.pk if unit is not None else None,
            period_from=data.get("period_from"),
            period_to=data.get("period_to"),
            currency=data.get("currency") or self.currencies[0],
        )
