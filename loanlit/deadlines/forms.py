"""Forms of the deadline pages: parse input only; the rules are in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.deadlines.models import Deadline
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
