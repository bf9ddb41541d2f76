"""The API key form: name, the service user it acts as, its permission codes, expiry and rate limit."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.forms_admin import StyledForm
from loanlit.accounts.models import User
from loanlit.accounts.permissions import PERMISSIONS


class ApiKeyForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Which system uses it, e.g. core banking."))
    user = forms.ModelChoiceField(
        label=_("Acts as"),
        queryset=User.objects.none(),
        help_text=_("A service account: its unit and creditors are the key's data scope."),
    )
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"),
        choices=list(PERMISSIONS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only codes the user's role grants; the key can do no more than its user."),
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: in %(days)s days.") % {"days": settings.API_KEY_DEFAULT_DAYS},
    )
    rate_limit = forms.CharField(
        label=_("Rate limit"),
        max_length=20,
        required=False,
        help_text=_("Requests per period, e.g. 600/min; empty: the default (%(rate)s).")
        % {"rate": settings.API_RATE_LIMIT},
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: f"{u.username} ({u})"  # type: ignore[attr-defined]

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        end = datetime.combine(day, time(0, 0)) + timedelta(days=1) - timedelta(seconds=1)
        return timezone.make_aware(end)
