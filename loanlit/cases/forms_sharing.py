"""The case-sharing form (issue 10): a user or a group, edit rights, an optional end date and note."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.models import User
from loanlit.cases.forms import DATE_WIDGET, StyledForm


class CaseShareForm(StyledForm):
    user = forms.ModelChoiceField(label=_("User"), queryset=User.objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none(), required=False)
    can_edit = forms.BooleanField(label=_("May edit the case"), required=False)
    expires_on = forms.DateField(
        label=_("Share ends on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave empty for a share without end. The share no longer applies from this day."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, users: QuerySet[User], groups: QuerySet[Group], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["group"].queryset = groups  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("user") is None) == (data.get("group") is None):
            raise forms.ValidationError(_("Choose either a user or a group to share the case with."))
        return data
