"""Forms of the case pages. They parse and check input; the services decide what is allowed.

Every edit form carries the row's ``version`` in a hidden field (optimistic versioning, DESIGN rule 8):
the service refuses a stale one and the view shows what changed in the meantime.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.cases.models import (
    Case,
    CaseStage,
    CostEntry,
    Court,
    Hearing,
    Judgment,
    JudgmentItem,
    LawFirm,
    Proceeding,
    ProceedingParty,
    Recovery,
    ServiceRecord,
)
from loanlit.core.fields import MoneyFormField, RateFormField
from loanlit.law import caseno, causes
from loanlit.law.money import LawInputError
from loanlit.loans.models import LoanContract
from loanlit.rules.texts import law_message

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
CURRENCIES = [("CNY", "CNY"), ("USD", "USD"), ("TWD", "TWD"), ("HKD", "HKD"), ("EUR", "EUR")]
BLANK = [("", "---------")]


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates render fields without per-field markup."""

    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class StyledForm(BootstrapMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class VersionedForm(StyledForm):
    """An edit of an existing row: the version it was loaded with travels with the form."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _choices_with_blank(choices: Any) -> list[tuple[str, Any]]:
    return [*BLANK, *[(value, label) for value, label in choices if value != ""]]


def cause_choices() -> list[tuple[str, str]]:
    from loanlit.cases.templatetags.case_format import cause_label

    return [(cause.name, cause_label(cause.name)) for cause in causes.CAUSES]


# --- case list ---------------------------------------------------------------------------------------


class CaseSearchForm(StyledForm):
    """GET parameters of the case list. Invalid values are dropped, never an error page."""

    # The keys of selectors.SORTS.
    SORTS = [
        ("-opened_on", _("Newest first")),
        ("opened_on", _("Oldest first")),
        ("-claim_total", _("Largest claim first")),
        ("claim_total", _("Smallest claim first")),
        ("internal_no", _("Internal number")),
        ("stage", _("Stage")),
    ]
    # The keys of selectors.OVERDUE_BUCKETS.
    OVERDUE_BUCKETS = [
        ("1-30", _("1 to 30 days")),
        ("31-90", _("31 to 90 days")),
        ("91-180", _("91 to 180 days")),
        ("181-360", _("181 to 360 days")),
        ("360+", _("More than 360 days")),
    ]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, ID (or last 6), mobile (or last 4), contract, court case or internal no."),
                "autocomplete": "off",
            }
        ),
    )
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=CaseStage.objects.all(), required=False)
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=CaseStage.objects.none(), required=False)
    court = forms.ModelChoiceField(label=_("Court"), queryset=Court.objects.filter(is_active=True), required=False)
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=CaseStage.objects.none(), required=False)
    law_firm = forms.ModelChoiceField(label=_("Law firm"), queryset=LawFirm.objects.none(), required=False)
    product = forms.ChoiceField(
        label=_("Product"), choices=_choices_with_blank(LoanContract.Product.choices), required=False
    )
    cause = forms.ChoiceField(label=_("Cause of action"), choices=(), required=False)
    overdue = forms.ChoiceField(label=_("Days past due"), choices=[*BLANK, *OVERDUE_BUCKETS], required=False)
    opened_from = forms.DateField(label=_("Opened from"), required=False, widget=DATE_WIDGET)
    opened_to = forms.DateField(label=_("Opened until"), required=False, widget=DATE_WIDGET)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORTS, required=False)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    after = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        units: QuerySet,
        handlers: QuerySet,
        law_firms: QuerySet,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["handler"].queryset = handlers  # type: ignore[attr-defined]
        self.fields["law_firm"].queryset = law_firms  # type: ignore[attr-defined]
        self.fields["cause"].choices = [*BLANK, *cause_choices()]  # type: ignore[attr-defined]

    def cleaned_or_empty(self) -> dict[str, Any]:
        """The valid parameters only: a bad one is ignored rather than failing the whole list."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if name not in self.errors}


# --- case ---------------------------------------------------------------------------------------------


# Tags typed with an IME come with full-width commas and semicolons or the enumeration comma (U+3001).
_FULL_WIDTH_SEPARATORS = "".join(map(chr, (0xFF0C, 0xFF1B, 0x3001)))
TAG_SEPARATORS = re.compile(f"[,;\n{_FULL_WIDTH_SEPARATORS}]")


class CaseEditForm(VersionedForm):
    """Who handles the case, its priority and tags; the service checks who may be chosen."""

    handler = forms.ModelChoiceField(label=_("Handler"), queryset=CaseStage.objects.none(), required=False)
    co_handlers = forms.ModelMultipleChoiceField(
        label=_("Co-handlers"),
        queryset=CaseStage.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Colleagues from any unit who work on the case with the handler."),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Case.Priority.choices)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=600,
        help_text=_("Separate tags with commas."),
    )

    def __init__(self, *args: Any, handlers: QuerySet, co_handlers: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers  # type: ignore[attr-defined]
        self.fields["co_handlers"].queryset = co_handlers  # type: ignore[attr-defined]

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [tag.strip() for tag in TAG_SEPARATORS.split(raw) if tag.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        handler, team = data.get("handler"), data.get("co_handlers") or []
        if handler is not None and handler in team:
            self.add_error("co_handlers", _("The handler cannot also be a co-handler."))
        return data

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        return {
            "version": case.version,
            "handler": case.handler_id,
            "co_handlers": sorted(case.co_handlers.values_list("pk", flat=True)),
            "priority": case.priority,
            "tags": ", ".join(case.tags or []),
        }

    @staticmethod
    def current_for(case: Case) -> dict[str, Any]:
        """The case as it is now, in the form's shape (for the 409 side-by-side)."""
        return {**CaseEditForm.initial_for(case), "tags": list(case.tags or [])}


class CaseStageForm(VersionedForm):
    """The internal stage: only the moves the seeded transitions allow are offered."""

    stage = forms.ModelChoiceField(label=_("Move to stage"), queryset=CaseStage.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, stages: list[CaseStage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["stage"]
        field.queryset = CaseStage.objects.filter(pk__in=[s.pk for s in stages])  # type: ignore[attr-defined]
        field.empty_label = None if stages else _("No further stage")  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(case: Case) -> dict[str, Any]:
        return {"version": case.version, "stage": case.stage_id}


class ClaimComputeForm(VersionedForm):
    as_of = forms.DateField(label=_("Claim as of"), widget=DATE_WIDGET)
    override = forms.BooleanField(
        label=_("Enter the claim by hand"),
        required=False,
        help_text=_("The computed amounts are shown next to yours, with the difference."),
    )
    principal = MoneyFormField(label=_("Principal"), required=False, min_value=0)
    interest = MoneyFormField(label=_("Interest"), required=False, min_value=0)
    penalty = MoneyFormField(label=_("Penalty interest"), required=False, min_value=0)
    compound = MoneyFormField(label=_("Compound interest"), required=False, min_value=0)
    fees = MoneyFormField(label=_("Fees"), required=False, min_value=0)
    reason = forms.CharField(label=_("Reason for the override"), required=False, max_length=300)
    exchange_rate = forms.DecimalField(
        label=_("Exchange rate to CNY"),
        required=False,
        min_value=Decimal("0.000001"),
        max_digits=12,
        decimal_places=6,
        help_text=_("CNY per unit of the claim currency on the claim date; needed for a claim not in CNY."),
    )

    AMOUNTS = ("principal", "interest", "penalty", "compound", "fees")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("override"):
            missing = [name for name in self.AMOUNTS if data.get(name) is None]
            for name in missing:
                self.add_error(name, _("Enter this amount to override the computed claim."))
            if not data.get("reason"):
                self.add_error("reason", _("Say why the computed claim is overridden."))
        as_of = data.get("as_of")
        if as_of and as_of > timezone.localdate():
            self.add_error("as_of", _("The claim date cannot be in the future."))
        return data

    def override_amounts(self) -> dict[str, Any] | None:
        if not self.cleaned_data.get("override"):
            return None
        return {name: self.cleaned_data[name] for name in self.AMOUNTS}


# --- proceedings ----------------------------------------------------------------------------------------


def _clean_case_number(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        caseno.parse_case_number(raw)
    except LawInputError as error:
        raise forms.ValidationError(law_message(error)) from None
    return raw


CASE_NUMBER_WIDGET = forms.TextInput(attrs={"placeholder": _("e.g. (2024) Jing 0105 Min Chu No. 1234")})


class ProceedingForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Proceeding.Kind.choices)
    court = forms.ModelChoiceField(label=_("Court"), queryset=Court.objects.filter(is_active=True), required=False)
    court_case_number = forms.CharField(
        label=_("Court case number"), required=False, max_length=64, widget=CASE_NUMBER_WIDGET
    )
    filed_on = forms.DateField(label=_("Filed on"), required=False, widget=DATE_WIDGET)
    accepted_on = forms.DateField(label=_("Accepted on"), required=False, widget=DATE_WIDGET)
    judge = forms.CharField(label=_("Judge"), required=False, max_length=100)
    clerk = forms.CharField(label=_("Clerk"), required=False, max_length=100)
    follows = forms.ModelChoiceField(label=_("Follows proceeding"), queryset=Proceeding.objects.none(), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["follows"].queryset = case.proceedings.all()  # type: ignore[attr-defined]

    def clean_court_case_number(self) -> str:
        return _clean_case_number(self.cleaned_data.get("court_case_number") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_filing_dates(self, data)
        return data


def _check_filing_dates(form: forms.Form, data: dict[str, Any]) -> None:
    """Filing and acceptance dates are not in the future, and acceptance does not come before filing."""
    today = timezone.localdate()
    for name in ("filed_on", "accepted_on"):
        day = data.get(name)
        if day is not None and day > today:
            form.add_error(name, _("This date cannot be in the future."))
    filed, accepted = data.get("filed_on"), data.get("accepted_on")
    if filed and accepted and accepted < filed:
        form.add_error("accepted_on", _("A case cannot be accepted before it was filed."))


class ProceedingEditForm(VersionedForm):
    """Court, court case number, dates, judge and clerk of an existing proceeding (the kind stays)."""

    court = forms.ModelChoiceField(label=_("Court"), queryset=Court.objects.filter(is_active=True), required=False)
    court_case_number = forms.CharField(
        label=_("Court case number"), required=False, max_length=64, widget=CASE_NUMBER_WIDGET
    )
    filed_on = forms.DateField(label=_("Filed on"), required=False, widget=DATE_WIDGET)
    accepted_on = forms.DateField(label=_("Accepted on"), required=False, widget=DATE_WIDGET)
    judge = forms.CharField(label=_("Judge"), required=False, max_length=100)
    clerk = forms.CharField(label=_("Clerk"), required=False, max_length=100)

    def __init__(self, *args: Any, proceeding: Proceeding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Arbitration has a tribunal, not a court; every other proceeding needs its court.
        self.fields["court"].required = proceeding.kind != Proceeding.Kind.ARBITRATION

    def clean_court_case_number(self) -> str:
        return _clean_case_number(self.cleaned_data.get("court_case_number") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _check_filing_dates(self, data)
        return data

    @staticmethod
    def initial_for(proceeding: Proceeding) -> dict[str, Any]:
        return {
            "version": proceeding.version,
            "court": proceeding.court_id,
            "court_case_number": proceeding.court_case_number,
            "filed_on": proceeding.filed_on,
            "accepted_on": proceeding.accepted_on,
            "judge": proceeding.judge,
            "clerk": proceeding.clerk,
        }


class ProceedingResultForm(VersionedForm):
    result = forms.ChoiceField(label=_("Result"), choices=_choices_with_blank(Proceeding.Result.choices))
    result_on = forms.DateField(label=_("Result on"), widget=DATE_WIDGET)
    close = forms.BooleanField(label=_("This ends the proceeding"), required=False, initial=True)

    def clean_result_on(self) -> date:
        result_on = self.cleaned_data["result_on"]
        if result_on > timezone.localdate():
            raise forms.ValidationError(_("A result cannot be dated in the future."))
        return result_on

    @staticmethod
    def initial_for(proceeding: Proceeding) -> dict[str, Any]:
        return {
            "version": proceeding.version,
            "result": proceeding.result,
            "result_on": proceeding.result_on,
            "close": not proceeding.is_active,
        }


class ProceedingPartyForm(StyledForm):
    participant = forms.ChoiceField(label=_("Participant"))
    role = forms.ChoiceField(label=_("Role"), choices=ProceedingParty.Role.choices)

    def __init__(self, *args: Any, parties: list[Any], units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._parties = {str(party.pk): party for party in parties}
        self._units = {str(unit.pk): unit for unit in units}
        self.fields["participant"].choices = [  # type: ignore[attr-defined]
            *BLANK,
            (_("Suing unit"), [(f"unit:{pk}", str(unit)) for pk, unit in self._units.items()]),
            (_("Parties to the loans"), [(f"party:{pk}", str(party)) for pk, party in self._parties.items()]),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, _sep, pk = (data.get("participant") or "").partition(":")
        data["party"] = self._parties.get(pk) if kind == "party" else None
        data["unit"] = self._units.get(pk) if kind == "unit" else None
        if data.get("participant") and data["party"] is None and data["unit"] is None:
            self.add_error("participant", _("Choose a participant from the list."))
        return data


class HearingForm(StyledForm):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME_WIDGET)
    kind = forms.ChoiceField(label=_("Kind"), choices=Hearing.Kind.choices, initial=Hearing.Kind.HEARING)
    room = forms.CharField(label=_("Courtroom"), required=False, max_length=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class ServiceRecordForm(StyledForm):
    proceeding_party = forms.ModelChoiceField(label=_("Served on"), queryset=ProceedingParty.objects.none())
    document = forms.ChoiceField(label=_("Document"), choices=ServiceRecord.Document.choices)
    served_on = forms.DateField(label=_("Served on (date)"), widget=DATE_WIDGET)
    method = forms.ChoiceField(label=_("Method"), choices=ServiceRecord.Method.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, proceeding: Proceeding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proceeding_party"].queryset = proceeding.participants.select_related("party", "unit")  # type: ignore[attr-defined]

    def clean_served_on(self) -> date:
        served_on = self.cleaned_data["served_on"]
        if served_on > timezone.localdate():
            raise forms.ValidationError(_("A document cannot be served in the future."))
        return served_on


class JudgmentForm(VersionedForm):
    """The judgment header; ``version`` is the proceeding's (a judgment is recorded on a proceeding)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Judgment.Kind.choices, initial=Judgment.Kind.JUDGMENT)
    judged_on = forms.DateField(label=_("Judged on"), widget=DATE_WIDGET)
    performance_days = forms.IntegerField(label=_("Days to perform"), min_value=0, max_value=365, initial=10)

    def clean_judged_on(self) -> date:
        judged_on = self.cleaned_data["judged_on"]
        if judged_on > timezone.localdate():
            raise forms.ValidationError(_("A judgment cannot be dated in the future."))
        return judged_on


class JudgmentItemForm(StyledForm):
    kind = forms.ChoiceField(label=_("Item"), choices=_choices_with_blank(JudgmentItem.Kind.choices), required=False)
    amount = MoneyFormField(label=_("Amount"), required=False, min_value=0)
    base = MoneyFormField(label=_("Base amount"), required=False, min_value=0)
    rate = RateFormField(label=_("Rate (% per year)"), required=False)
    from_date = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    until_text = forms.CharField(label=_("Until"), required=False, max_length=200)
    text = forms.CharField(label=_("Text of the item"), required=False, max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("kind"):
            if any(data.get(name) not in (None, "") for name in ("amount", "base", "rate", "from_date", "text")):
                self.add_error("kind", _("Choose what this item is."))
            return data
        if data["kind"] == JudgmentItem.Kind.POST_JUDGMENT_INTEREST:
            if data.get("base") is None or data.get("rate") is None or data.get("from_date") is None:
                self.add_error(
                    "base", _("Interest after the cut-off date needs a base amount, a rate and a start date.")
                )
        elif (
            data["kind"] in ("principal", "interest", "penalty", "compound", "lawyer_fee")
            and data.get("amount") is None
        ):
            self.add_error("amount", _("Enter the amount the court awarded."))
        return data


JudgmentItemFormSet = forms.formset_factory(JudgmentItemForm, extra=6, max_num=30, validate_max=True)


class CostForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CostEntry.Kind.choices)
    amount = MoneyFormField(label=_("Amount"), min_value=0)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="CNY")
    payer = forms.ChoiceField(label=_("Paid by"), choices=CostEntry.Payer.choices)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_WIDGET)
    proceeding = forms.ModelChoiceField(label=_("Proceeding"), queryset=Proceeding.objects.none(), required=False)
    borne_by_defendant = forms.BooleanField(label=_("The defendant was ordered to bear it"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proceeding"].queryset = case.proceedings.all()  # type: ignore[attr-defined]
        self.initial.setdefault("currency", case.claim_currency or "CNY")

    def clean_amount(self) -> Any:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        return amount

    def clean_paid_on(self) -> date:
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise forms.ValidationError(_("This date cannot be in the future."))
        return paid_on


class RecoveryForm(StyledForm):
    received_on = forms.DateField(label=_("Received on"), widget=DATE_WIDGET)
    amount = MoneyFormField(label=_("Amount"), min_value=0)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCIES, initial="CNY")
    source = forms.ChoiceField(label=_("Source"), choices=Recovery.Source.choices)
    value_note = forms.CharField(
        label=_("Valuation note"),
        required=False,
        max_length=300,
        help_text=_("For a settlement in kind or a debt transfer: how the value was set."),
    )
    after_write_off = forms.BooleanField(label=_("Received after write-off"), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("currency", case.claim_currency or "CNY")

    def clean_amount(self) -> Any:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        return amount

    def clean_received_on(self) -> date:
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("A recovery cannot be received in the future."))
        return received_on

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") in (Recovery.Source.SETTLEMENT_IN_KIND, Recovery.Source.DEBT_TRANSFER) and not data.get(
            "value_note"
        ):
            self.add_error("value_note", _("Say how the value was set."))
        return data


class PlacementForm(VersionedForm):
    law_firm = forms.ModelChoiceField(label=_("Law firm"), queryset=LawFirm.objects.none())
    placed_on = forms.DateField(label=_("Placed on"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, law_firms: QuerySet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["law_firm"].queryset = law_firms  # type: ignore[attr-defined]


class RecallForm(VersionedForm):
    recalled_on = forms.DateField(label=_("Recalled on"), widget=DATE_WIDGET)
