"""Forms of the deadline pages: parse input only; the rules are in the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.cases.models import Case, Proceeding
from loanlit.deadlines.models import CollectionAction, Deadline
from loanlit.deadlines.selectors import WHEN_CHOICES


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DoneForm(VersionedForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class WaiveForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class OverrideForm(VersionedForm):
    due_on = forms.DateField(label=_("New due date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=300)


WHEN_LABELS = {
    "today": _("Today"),
    "week": _("This week"),
    "overdue": _("Overdue"),
    "unconfirmed": _("Unconfirmed"),
}


class FilterForm(forms.Form):
    when = forms.ChoiceField(
        label=_("When"), required=False, choices=[("", _("Any time"))] + [(w, WHEN_LABELS[w]) for w in WHEN_CHOICES]
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any type")), *Deadline.Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open or missed")), *Deadline.Status.choices, ("all", _("All"))],
    )
    responsible = forms.TypedChoiceField(label=_("Handler"), required=False, coerce=int, empty_value=None)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: object, handlers: list[tuple[int, str]], units: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["responsible"].choices = [("", _("Any handler")), *handlers]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", _("Any unit")), *units]  # type: ignore[attr-defined]


# --- recording the events that start deadlines (parse only; the services check the rules again) ---------

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

MEASURE_KIND_CHOICES = [("preservation", _("Preservation")), ("seizure", _("Seizure in enforcement"))]
# Durations: Interpretation of the Civil Procedure Law art. 485 (deposits 1 year, movables 2, real estate 3).
ASSET_TYPE_CHOICES = [
    ("deposit", _("Bank deposit (frozen for 1 year)")),
    ("movable", _("Movable property (seized for 2 years)")),
    ("real_estate", _("Real estate or other property rights (3 years)")),
]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def _not_in_future(value: date) -> date:
    if value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."), code="future_date")
    return value


class ProceedingChoiceForm(forms.Form):
    """A form on a case page: the proceeding, when given, is one of the case's own."""

    proceeding = forms.ModelChoiceField(
        label=_("Proceeding"), queryset=Proceeding.objects.none(), required=False, empty_label=_("(none)")
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proceeding"].queryset = Proceeding.objects.filter(case=case).order_by("pk")  # type: ignore[attr-defined]
        _style(self)


class FeeNoticeForm(ProceedingChoiceForm):
    prefix = "fee"

    received_on = forms.DateField(label=_("Fee notice received on"), widget=DATE_WIDGET)

    field_order = ["received_on", "proceeding"]

    def clean_received_on(self) -> date:
        return _not_in_future(self.cleaned_data["received_on"])


class MeasureForm(ProceedingChoiceForm):
    prefix = "measure"

    kind = forms.ChoiceField(label=_("Measure"), choices=MEASURE_KIND_CHOICES)
    took_effect_on = forms.DateField(label=_("Took effect on"), widget=DATE_WIDGET)
    asset_type = forms.ChoiceField(label=_("Type of asset"), choices=ASSET_TYPE_CHOICES)
    pre_suit = forms.BooleanField(label=_("Pre-suit (before the suit was filed)"), required=False)

    field_order = ["kind", "took_effect_on", "asset_type", "pre_suit", "proceeding"]

    def clean_took_effect_on(self) -> date:
        return _not_in_future(self.cleaned_data["took_effect_on"])


class CollectionActionForm(forms.Form):
    acted_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    method = forms.ChoiceField(label=_("Method"), choices=CollectionAction.Method.choices)
    proof = forms.CharField(label=_("Proof"), max_length=300, required=False)
    interrupts_limitation = forms.BooleanField(label=_("Interrupts limitation"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_acted_on(self) -> date:
        return _not_in_future(self.cleaned_data["acted_on"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("interrupts_limitation") and not (data.get("proof") or "").strip():
            self.add_error("proof", _("Describe the proof: an interruption of limitation must be proven."))
        return data
