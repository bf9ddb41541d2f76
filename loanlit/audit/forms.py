from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.audit.models import AccessLog


class AuditFilterForm(forms.Form):
    stream = forms.CharField(label=_("Stream"), max_length=100, required=False)
    action = forms.CharField(
        label=_("Action"),
        max_length=100,
        required=False,
        help_text=_("An action code, or a prefix ending in a dot (org_unit.)."),
    )
    actor = forms.CharField(label=_("Actor"), max_length=150, required=False)


class AccessLogFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("All")), *AccessLog.Action.choices], required=False)
    user = forms.CharField(label=_("User"), max_length=150, required=False)
