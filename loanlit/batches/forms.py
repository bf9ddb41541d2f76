"""Forms of the batch pages (parsing only; the rules are in the services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.selectors import creditor_ids_for
from loanlit.batches.selectors import LoanFilters
from loanlit.cases.forms import StyledForm
from loanlit.cases.models import Court
from loanlit.core.fields.forms import MoneyFormField
from loanlit.core.models import Creditor, OrgUnit
from loanlit.loans.models import LoanContract

MAX_LIST_BYTES = 20 * 1024 * 1024


class BatchForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    creditor = forms.ModelChoiceField(label=_("Creditor"), queryset=Creditor.objects.none())
    filing_on = forms.DateField(
        label=_("Planned filing date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Limitation and guarantee periods must still be open on this day."),
    )
    min_claim = MoneyFormField(
        label=_("Minimum claim (CNY)"),
        min_value=Decimal("0"),
        required=False,
        help_text=_("Cases with a smaller claim are screened out; leave empty for none."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        creditors = Creditor.objects.filter(pk__in=creditor_ids_for(user)).order_by("name")
        self.fields["creditor"].queryset = creditors  # type: ignore[attr-defined]
        if len(creditors) == 1:
            self.fields["creditor"].initial = creditors[0]
        self.fields["filing_on"].initial = timezone.localdate()


class LoanFilterForm(StyledForm):
    """The loan book filter for loans without an open case (GET parameters prefixed ``loan-``)."""

    unit = forms.ModelChoiceField(label=_("Originating unit"), queryset=OrgUnit.objects.none(), required=False)
    product = forms.ChoiceField(
        label=_("Product"), choices=[("", "---------"), *LoanContract.Product.choices], required=False
    )
    min_days_past_due = forms.IntegerField(label=_("At least days past due"), min_value=0, required=False)
    min_outstanding = MoneyFormField(label=_("Outstanding at least"), min_value=Decimal("0"), required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="loan", **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def filters(self) -> LoanFilters:
        if not self.is_bound or not self.is_valid():
            return LoanFilters()
        data = self.cleaned_data
        return LoanFilters(
            unit=data["unit"].pk if data.get("unit") else None,
            product=data.get("product") or "",
            min_days_past_due=data.get("min_days_past_due"),
            min_outstanding=data.get("min_outstanding"),
        )


class OpenCasesForm(StyledForm):
    cause_of_action = forms.ChoiceField(label=_("Cause of action"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from loanlit.cases.forms import cause_choices

        super().__init__(*args, **kwargs)
        self.fields["cause_of_action"].choices = cause_choices()  # type: ignore[attr-defined]


class ChooseCourtForm(StyledForm):
    court = forms.ModelChoiceField(label=_("Court"), queryset=Court.objects.filter(is_active=True))


class CourtListForm(StyledForm):
    file = forms.FileField(
        label=_("The court's list (.xlsx or .csv)"),
        help_text=_("Columns: internal case number (or row key), court case number, filing date, fee notice amount."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload
