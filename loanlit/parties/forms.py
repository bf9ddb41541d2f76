"""Forms of the party pages: a new contact record, a merge decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.parties.models import PartyContact, PartyMergeCandidate


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs["class"] = "form-control"


class ContactForm(forms.Form):
    """One new contact record: the service supersedes the current one of the same kind, never rewrites it."""

    kind = forms.ChoiceField(label=_("Kind"), choices=PartyContact.Kind.choices)
    value = forms.CharField(
        label=_("Address, mobile number or e-mail"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address_kind = forms.ChoiceField(
        label=_("Address kind"),
        choices=[("", "---------"), *PartyContact.AddressKind.choices],
        required=False,
    )
    source = forms.ChoiceField(label=_("Source"), choices=PartyContact.Source.choices, initial="manual")
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_valid_from(self) -> Any:
        valid_from = self.cleaned_data.get("valid_from")
        if valid_from and valid_from > timezone.localdate():
            raise forms.ValidationError(_("The valid-from date cannot be in the future."))
        return valid_from

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") != PartyContact.Kind.ADDRESS and data.get("address_kind"):
            self.add_error("address_kind", _("Only an address has an address kind."))
        return data


class MergeDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (PartyMergeCandidate.Status.MERGED, _("Same person: keep one party")),
            (PartyMergeCandidate.Status.REJECTED, _("Not the same: the incoming name was wrong")),
        ],
    )
    adopt_name = forms.BooleanField(label=_("Take the incoming name (e.g. a legal change of name)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
