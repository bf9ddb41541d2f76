"""Forms of the enforcement pages. They parse and check the shape of input; the services decide the rules.

Edit forms carry the row's ``version`` (optimistic versioning): the service refuses a stale one and the view
answers 409 with what changed in the meantime.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.cases.forms import CASE_NUMBER_WIDGET, DATE_WIDGET, StyledForm, VersionedForm
from loanlit.cases.models import Court, Proceeding, Recovery
from loanlit.core.fields import MoneyFormField
from loanlit.enforcement.models import (
    Asset,
    AssetSearch,
    AuctionStep,
    DebtorRestriction,
    DistributionClaim,
    EnforcementRecord,
    EvidenceItem,
    Measure,
)
from loanlit.law.enforcement import DEFAULT_REVIEW_MONTHS

ZERO = Decimal("0")
NONE = Proceeding.objects.none()
PAYMENT_SOURCES = [
    (value, label)
    for value, label in Recovery.Source.choices
    if value in ("court_enforcement", "auction", "borrower_payment", "guarantor")
]


def _courts() -> QuerySet[Court]:
    return Court.objects.filter(is_active=True)


def _past(form: forms.Form, data: dict[str, Any], *names: str) -> None:
    today = timezone.localdate()
    for name in names:
        day = data.get(name)
        if isinstance(day, date) and day > today:
            form.add_error(name, _("This date cannot be in the future."))


class PastDatesMixin:
    """Refuses a day after today in each of the form's ``past_dates`` fields (the services check again)."""

    past_dates: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}  # type: ignore[misc]
        _past(self, data, *self.past_dates)  # type: ignore[arg-type]
        return data


class CaseChoicesMixin:
    """Choices limited to the (already scoped) case: its proceedings, assets, debtors."""

    def limit(self, **querysets: QuerySet) -> None:
        for name, queryset in querysets.items():
            self.fields[name].queryset = queryset  # type: ignore[attr-defined]


class AssetForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    kind = forms.ChoiceField(label=_("Kind of asset"), choices=Asset.Kind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        help_text=_("What it is (flat, car, current account); no account number or address here."),
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=NONE, required=False)
    source = forms.ChoiceField(label=_("Source of the lead"), choices=Asset.Source.choices)
    found_on = forms.DateField(label=_("Found on"), widget=DATE_WIDGET)
    registration_no = forms.CharField(
        label=_("Registration, account or certificate number"), max_length=255, required=False
    )
    location = forms.CharField(label=_("Location"), max_length=255, required=False)
    estimated_value = MoneyFormField(label=_("Estimated value"), required=False, min_value=ZERO)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    past_dates = ("found_on",)


class AssetEditForm(VersionedForm):
    description = forms.CharField(label=_("Description"), max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=Asset.Status.choices)
    estimated_value = MoneyFormField(label=_("Estimated value"), required=False, min_value=ZERO)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    @staticmethod
    def initial_for(asset: Asset) -> dict[str, Any]:
        return {
            "version": asset.version,
            "description": asset.description,
            "status": asset.status,
            "estimated_value": asset.estimated_value,
            "note": asset.note,
        }


class MeasureForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=NONE)
    kind = forms.ChoiceField(label=_("Measure"), choices=Measure.Kind.choices)
    basis = forms.ChoiceField(label=_("Basis"), choices=Measure.Basis.choices)
    started_on = forms.DateField(label=_("Took effect on"), widget=DATE_WIDGET)
    court = forms.ModelChoiceField(label=_("Court"), queryset=NONE, required=False)
    court_case_number = forms.CharField(
        label=_("Preservation or enforcement case number"), max_length=64, required=False, widget=CASE_NUMBER_WIDGET
    )
    ruling_no = forms.CharField(label=_("Ruling number"), max_length=100, required=False)
    proceeding = forms.ModelChoiceField(label=_("Proceeding"), queryset=NONE, required=False)
    term_months = forms.IntegerField(
        label=_("Term set by the court (months)"),
        required=False,
        min_value=1,
        max_value=36,
        help_text=_("Leave empty for the statutory maximum: deposits 12, movables 24, real estate and rights 36."),
    )
    stated_expiry = forms.DateField(
        label=_("Expiry stated by the court"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Only if the ruling or the registry's receipt states the last day."),
    )
    rank = forms.ChoiceField(label=_("Rank"), choices=Measure.Rank.choices)
    rank_position = forms.IntegerField(label=_("Position in the waiting list"), required=False, min_value=1)
    amount = MoneyFormField(label=_("Amount frozen or secured"), required=False, min_value=ZERO)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = _courts()  # type: ignore[attr-defined]

    past_dates = ("started_on",)


class RenewForm(PastDatesMixin, VersionedForm):
    renewed_on = forms.DateField(label=_("Renewed on"), widget=DATE_WIDGET)
    applied_on = forms.DateField(label=_("Applied for on"), required=False, widget=DATE_WIDGET)
    term_months = forms.IntegerField(
        label=_("Term set by the court (months)"), required=False, min_value=1, max_value=36
    )
    stated_expiry = forms.DateField(label=_("Expiry stated by the court"), required=False, widget=DATE_WIDGET)
    ruling_no = forms.CharField(label=_("Ruling number"), max_length=100, required=False)

    past_dates = ("renewed_on", "applied_on")

    @staticmethod
    def current_for(measure: Measure) -> dict[str, Any]:
        return {"version": measure.version, "renewed_on": None, "term_months": measure.term_months}


class ReleaseForm(PastDatesMixin, VersionedForm):
    released_on = forms.DateField(label=_("Released on"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    past_dates = ("released_on",)


class GuaranteeForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    insurer = forms.CharField(label=_("Insurer"), max_length=200)
    letter_no = forms.CharField(label=_("Letter of guarantee number"), max_length=100)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE_WIDGET)
    guaranteed_amount = MoneyFormField(label=_("Amount guaranteed"), min_value=ZERO)
    premium = MoneyFormField(label=_("Premium"), min_value=ZERO)
    paid_on = forms.DateField(label=_("Premium paid on"), widget=DATE_WIDGET)
    proceeding = forms.ModelChoiceField(label=_("Proceeding"), queryset=NONE, required=False)

    past_dates = ("issued_on", "paid_on")


class ApplyForm(StyledForm):
    court = forms.ModelChoiceField(label=_("Court"), queryset=NONE)
    applied_on = forms.DateField(label=_("Applied on"), widget=DATE_WIDGET)
    court_case_number = forms.CharField(
        label=_("Enforcement case number"), max_length=64, required=False, widget=CASE_NUMBER_WIDGET
    )
    accepted_on = forms.DateField(label=_("Accepted on"), required=False, widget=DATE_WIDGET)
    allocation_order = forms.ChoiceField(
        label=_("Order of payment"),
        choices=EnforcementRecord.AllocationOrder.choices,
        initial=EnforcementRecord.AllocationOrder.STATUTORY,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = _courts()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _past(self, data, "applied_on", "accepted_on")
        applied, accepted = data.get("applied_on"), data.get("accepted_on")
        if applied and accepted and accepted < applied:
            self.add_error("accepted_on", _("A case cannot be accepted before it was filed."))
        return data


class RecordForm(VersionedForm):
    allocation_order = forms.ChoiceField(label=_("Order of payment"), choices=EnforcementRecord.AllocationOrder.choices)


class SearchForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    searched_on = forms.DateField(label=_("Searched on"), widget=DATE_WIDGET)
    channel = forms.ChoiceField(label=_("Channel"), choices=AssetSearch.Channel.choices)
    result = forms.ChoiceField(label=_("Result"), choices=AssetSearch.Result.choices)
    proceeding = forms.ModelChoiceField(label=_("Proceeding"), queryset=NONE, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    past_dates = ("searched_on",)


class RestrictionForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    party = forms.ModelChoiceField(label=_("Debtor"), queryset=NONE)
    kind = forms.ChoiceField(label=_("Restriction"), choices=DebtorRestriction.Kind.choices)
    applied_on = forms.DateField(label=_("Applied for on"), widget=DATE_WIDGET)
    granted_on = forms.DateField(label=_("Imposed on"), required=False, widget=DATE_WIDGET)
    proceeding = forms.ModelChoiceField(label=_("Proceeding"), queryset=NONE, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    past_dates = ("applied_on", "granted_on")


class RestrictionEditForm(VersionedForm):
    granted_on = forms.DateField(label=_("Imposed on"), required=False, widget=DATE_WIDGET)
    removed_on = forms.DateField(label=_("Removed on"), required=False, widget=DATE_WIDGET)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    @staticmethod
    def initial_for(row: DebtorRestriction) -> dict[str, Any]:
        return {"version": row.version, "granted_on": row.granted_on, "removed_on": row.removed_on, "note": row.note}


class AuctionStepForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    asset = forms.ModelChoiceField(label=_("Asset"), queryset=NONE)
    step = forms.ChoiceField(label=_("Step"), choices=AuctionStep.Step.choices)
    held_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    result = forms.ChoiceField(label=_("Result"), choices=AuctionStep.Result.choices)
    value = MoneyFormField(
        label=_("Value or reserve price"),
        min_value=ZERO,
        help_text=_("The appraised value, the reserve or starting price, or the value of the settlement in kind."),
    )
    price = MoneyFormField(label=_("Price achieved"), required=False, min_value=ZERO)
    online = forms.BooleanField(label=_("Online judicial auction"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    past_dates = ("held_on",)


class DistributionForm(PastDatesMixin, StyledForm):
    applied_on = forms.DateField(label=_("Applied on"), widget=DATE_WIDGET)
    claimed = MoneyFormField(label=_("Amount claimed"), min_value=ZERO)
    court = forms.ModelChoiceField(label=_("Distributing court"), queryset=NONE, required=False)
    distributing_case_number = forms.CharField(
        label=_("Distributing case number"), max_length=64, required=False, widget=CASE_NUMBER_WIDGET
    )
    secured = forms.BooleanField(label=_("Secured claim (priority)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = _courts()  # type: ignore[attr-defined]

    past_dates = ("applied_on",)


class DistributionEditForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=DistributionClaim.Status.choices)
    plan_on = forms.DateField(label=_("Distribution plan dated"), required=False, widget=DATE_WIDGET)
    allotted = MoneyFormField(label=_("Amount allotted"), required=False, min_value=ZERO)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    @staticmethod
    def initial_for(row: DistributionClaim) -> dict[str, Any]:
        return {
            "version": row.version,
            "status": row.status,
            "plan_on": row.plan_on,
            "allotted": row.allotted,
            "note": row.note,
        }


class PaymentForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    received_on = forms.DateField(label=_("Received on"), widget=DATE_WIDGET)
    amount = MoneyFormField(label=_("Amount"), min_value=ZERO)
    source = forms.ChoiceField(label=_("Source"), choices=PAYMENT_SOURCES, initial="court_enforcement")
    proceeding = forms.ModelChoiceField(label=_("Proceeding"), queryset=NONE, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_amount(self) -> Any:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        return amount

    past_dates = ("received_on",)


_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*[,;\s]\s*([0-9][0-9,]*(?:\.\d{1,2})?)\s*$")


class SettlementForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    proceeding = forms.ModelChoiceField(label=_("Enforcement"), queryset=NONE)
    agreed_on = forms.DateField(label=_("Agreed on"), widget=DATE_WIDGET)
    instalments = forms.CharField(
        label=_("Instalments"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "2026-01-31 5000.00"}),
        help_text=_("One per line: the due date and the amount, e.g. 2026-01-31 5000.00."),
        max_length=4000,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_instalments(self) -> list[tuple[date, Decimal]]:
        rows: list[tuple[date, Decimal]] = []
        for number, line in enumerate((self.cleaned_data.get("instalments") or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = _LINE.match(line)
            if match is None:
                raise forms.ValidationError(
                    _("Line %(line)d is not a date and an amount: “%(text)s”.") % {"line": number, "text": line.strip()}
                )
            try:
                day = date.fromisoformat(match.group(1))
                amount = Decimal(match.group(2).replace(",", ""))
            except (ValueError, InvalidOperation):
                raise forms.ValidationError(
                    _("Line %(line)d is not a date and an amount: “%(text)s”.") % {"line": number, "text": line.strip()}
                ) from None
            rows.append((day, amount))
        if not rows:
            raise forms.ValidationError(_("Enter at least one instalment."))
        if len(rows) > 120:
            raise forms.ValidationError(_("Enter at most 120 instalments."))
        return rows

    past_dates = ("agreed_on",)


class InstalmentPayForm(PastDatesMixin, VersionedForm):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_WIDGET)

    past_dates = ("paid_on",)


class BreachForm(VersionedForm):
    breached_on = forms.DateField(label=_("Breached on"), widget=DATE_WIDGET)
    resume = forms.BooleanField(label=_("Apply to resume enforcement now"), required=False)
    court = forms.ModelChoiceField(label=_("Court"), queryset=NONE, required=False)
    applied_on = forms.DateField(label=_("Applied to resume on"), required=False, widget=DATE_WIDGET)
    court_case_number = forms.CharField(
        label=_("Resumed enforcement case number"), max_length=64, required=False, widget=CASE_NUMBER_WIDGET
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = _courts()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _past(self, data, "breached_on", "applied_on")
        if data.get("resume"):
            for name in ("court", "applied_on"):
                if not data.get(name):
                    self.add_error(name, _("Needed to resume enforcement."))
        return data


class ObjectionForm(PastDatesMixin, StyledForm):
    court = forms.ModelChoiceField(label=_("Court"), queryset=NONE)
    filed_on = forms.DateField(label=_("Filed on"), widget=DATE_WIDGET)
    court_case_number = forms.CharField(
        label=_("Objection or review case number"), max_length=64, required=False, widget=CASE_NUMBER_WIDGET
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = _courts()  # type: ignore[attr-defined]

    past_dates = ("filed_on",)


class TerminateForm(PastDatesMixin, CaseChoicesMixin, VersionedForm):
    terminated_on = forms.DateField(label=_("Ruling dated"), widget=DATE_WIDGET)
    ruling_no = forms.CharField(label=_("Ruling number"), max_length=100)
    asset_search = forms.ModelChoiceField(label=_("Supporting asset search"), queryset=NONE)
    review_months = forms.IntegerField(
        label=_("Review every (months)"), min_value=1, max_value=60, initial=DEFAULT_REVIEW_MONTHS
    )

    past_dates = ("terminated_on",)


class ReviewForm(PastDatesMixin, VersionedForm):
    reviewed_on = forms.DateField(label=_("Searched on"), widget=DATE_WIDGET)
    channel = forms.ChoiceField(label=_("Channel"), choices=AssetSearch.Channel.choices)
    result = forms.ChoiceField(label=_("Result"), choices=AssetSearch.Result.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    past_dates = ("reviewed_on",)


class ResumeForm(PastDatesMixin, CaseChoicesMixin, VersionedForm):
    lead = forms.ModelChoiceField(label=_("New asset lead"), queryset=NONE)
    court = forms.ModelChoiceField(label=_("Court"), queryset=NONE)
    applied_on = forms.DateField(label=_("Applied on"), widget=DATE_WIDGET)
    court_case_number = forms.CharField(
        label=_("Resumed enforcement case number"), max_length=64, required=False, widget=CASE_NUMBER_WIDGET
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["court"].queryset = _courts()  # type: ignore[attr-defined]

    past_dates = ("applied_on",)


class FollowUpDoneForm(VersionedForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class WriteOffForm(PastDatesMixin, CaseChoicesMixin, StyledForm):
    loan = forms.ModelChoiceField(label=_("Loan"), queryset=NONE)
    written_off_on = forms.DateField(label=_("Written off on"), widget=DATE_WIDGET)
    amount = MoneyFormField(label=_("Amount written off"), min_value=ZERO)
    approval_ref = forms.CharField(label=_("Approval reference"), max_length=100)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    past_dates = ("written_off_on",)


class EvidenceForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=EvidenceItem.Status.choices)
    reference = forms.CharField(label=_("Where it is"), max_length=200, required=False)


class TransferForm(PastDatesMixin, StyledForm):
    creditor = forms.ModelChoiceField(label=_("Creditor"), queryset=NONE)
    buyer = forms.CharField(label=_("Buyer"), max_length=200)
    buyer_uscc = forms.CharField(label=_("Buyer's unified social credit code"), max_length=18, required=False)
    agreed_on = forms.DateField(label=_("Agreement signed on"), widget=DATE_WIDGET)
    base_date = forms.DateField(
        label=_("Transfer base date"), widget=DATE_WIDGET, help_text=_("Recoveries after this day belong to the buyer.")
    )
    price = MoneyFormField(label=_("Price"), min_value=ZERO)
    case_numbers = forms.CharField(
        label=_("Cases"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        help_text=_("The internal numbers of the cases, one per line or separated by commas."),
    )
    reference = forms.CharField(label=_("Agreement reference"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, creditors: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["creditor"]
        field.queryset = creditors  # type: ignore[attr-defined]
        if creditors.count() == 1:
            self.initial.setdefault("creditor", creditors.first().pk)  # type: ignore[union-attr]

    def clean_case_numbers(self) -> list[str]:
        raw = self.cleaned_data.get("case_numbers") or ""
        numbers = list(dict.fromkeys(n.strip() for n in re.split(r"[\s,;]+", raw) if n.strip()))
        if not numbers:
            raise forms.ValidationError(_("Enter at least one case."))
        if len(numbers) > 1000:
            raise forms.ValidationError(_("Enter at most 1,000 cases at a time."))
        return numbers

    past_dates = ("agreed_on",)
