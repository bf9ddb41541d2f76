"""Forms of the settlement pages. They parse input; ``services.settlements`` decides what is allowed."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.cases.forms import DATE_WIDGET, StyledForm, VersionedForm
from loanlit.core import money as m
from loanlit.core.fields import MoneyFormField
from loanlit.workflow.models import SettlementPlan
from loanlit.workflow.services import settlements as services

MODE_EQUAL: Final = "equal"
MODE_GIVEN: Final = "given"
# "2026-01-31 5000.00" (a comma, semicolon or spaces between; the amount may be grouped "5,000.00").
_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*[,;\s]\s*(\S+)\s*$")


class SettlementForm(StyledForm):
    # Before suit or in court only: a settlement in enforcement is recorded in the enforcement app.
    phase = forms.ChoiceField(
        label=_("Phase"),
        choices=[(value, label) for value, label in SettlementPlan.Phase.choices if value in services.NEW_PLAN_PHASES],
    )
    agreed_on = forms.DateField(label=_("Agreed on"), widget=DATE_WIDGET)
    total = MoneyFormField(label=_("Amount to pay"), help_text=_("What the debtor pays under the settlement."))
    mode = forms.ChoiceField(
        label=_("Schedule"),
        choices=[(MODE_EQUAL, _("Equal monthly instalments")), (MODE_GIVEN, _("Instalments entered one by one"))],
        initial=MODE_EQUAL,
    )
    count = forms.IntegerField(
        label=_("Number of instalments"), min_value=1, max_value=services.MAX_INSTALMENTS, required=False
    )
    first_due = forms.DateField(label=_("First instalment due on"), widget=DATE_WIDGET, required=False)
    interval_months = forms.IntegerField(
        label=_("Months between instalments"),
        min_value=1,
        max_value=services.MAX_INTERVAL_MONTHS,
        initial=1,
        required=False,
    )
    instalments = forms.CharField(
        label=_("Instalments"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-01-31 5000.00"}),
        help_text=_(
            "One per line: the due date and the amount, e.g. 2026-01-31 5000.00. They must add up to the amount to pay."
        ),
    )
    waived_interest = MoneyFormField(label=_("Interest waived"), required=False, min_value=Decimal("0"))
    waived_penalty = MoneyFormField(label=_("Penalty interest waived"), required=False, min_value=Decimal("0"))
    waived_fees = MoneyFormField(label=_("Fees waived"), required=False, min_value=Decimal("0"))
    grace_days = forms.IntegerField(
        label=_("Grace days"),
        min_value=0,
        max_value=services.MAX_GRACE_DAYS,
        initial=0,
        help_text=_("An instalment still unpaid this many days after it falls due breaches the settlement."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=services.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_total(self) -> Decimal:
        total = self.cleaned_data["total"]
        if total is not None and total <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        return total

    def clean_instalments(self) -> list[tuple[date, Decimal]]:
        rows: list[tuple[date, Decimal]] = []
        for number, line in enumerate((self.cleaned_data.get("instalments") or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = _LINE.match(line)
            try:
                if match is None:
                    raise ValueError(line)
                rows.append((date.fromisoformat(match.group(1)), m.parse_money(match.group(2))))
            except (ValueError, m.MoneyError):
                raise forms.ValidationError(
                    _("Line %(line)d is not a date and an amount: %(text)s") % {"line": number, "text": line.strip()}
                ) from None
        if len(rows) > services.MAX_INSTALMENTS:
            raise forms.ValidationError(_("Enter at most %(max)d instalments.") % {"max": services.MAX_INSTALMENTS})
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == MODE_GIVEN:
            if not data.get("instalments") and "instalments" not in self.errors:
                self.add_error("instalments", _("Enter at least one instalment."))
        elif data.get("mode") == MODE_EQUAL:
            if not data.get("count") and "count" not in self.errors:
                self.add_error("count", _("Enter the number of instalments."))
            if not data.get("first_due") and "first_due" not in self.errors:
                self.add_error("first_due", _("Enter the date the first instalment falls due."))
        return data

    def schedule_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        # The agreement date bounds the due dates (the service's horizon), in the preview as on saving.
        if data["mode"] == MODE_GIVEN:
            return {"total": data["total"], "instalments": data["instalments"], "agreed_on": data["agreed_on"]}
        return {
            "total": data["total"],
            "agreed_on": data["agreed_on"],
            "count": data["count"],
            "first_due": data["first_due"],
            "interval_months": data.get("interval_months") or 1,
        }

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        zero = Decimal("0.00")
        return {
            **self.schedule_arguments(),
            "phase": data["phase"],
            "waived_interest": data.get("waived_interest") or zero,
            "waived_penalty": data.get("waived_penalty") or zero,
            "waived_fees": data.get("waived_fees") or zero,
            "grace_days": data["grace_days"],
            "note": data.get("note") or "",
        }


class SettlementCancelForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why is the settlement cancelled?"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
