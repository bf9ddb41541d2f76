"""Forms for the reminder settings pages: parse and validate input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import OrgUnit
from loanlit.deadlines.channels import channel_label
from loanlit.deadlines.models import ReminderPolicy, RobotEndpoint
from loanlit.deadlines.services.reminders import KNOWN_CHANNELS, MAX_OFFSET


class ReminderPolicyForm(forms.Form):
    offsets = forms.CharField(
        label=_("Days before"),
        required=False,
        max_length=200,
        help_text=_("Comma-separated, e.g. 30, 7, 3, 1, 0 (0 = on the day)."),
    )
    day_basis = forms.ChoiceField(label=_("Counted in"), choices=ReminderPolicy.DayBasis.choices)
    channels = forms.MultipleChoiceField(label=_("Channels"), widget=forms.CheckboxSelectMultiple, choices=())
    escalate_overdue = forms.BooleanField(label=_("Escalate to the legal manager when overdue"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [(code, channel_label(code)) for code in KNOWN_CHANNELS]

    def clean_offsets(self) -> list[int]:
        # A Chinese IME types the full-width comma (U+FF0C).
        raw = self.cleaned_data["offsets"].replace(chr(0xFF0C), ",")
        values: list[int] = []
        for part in (p.strip() for p in raw.split(",")):
            if not part:
                continue
            if not part.isdigit() or int(part) > MAX_OFFSET:
                raise forms.ValidationError(
                    _("Enter whole numbers of days between 0 and %(max)d, separated by commas."),
                    params={"max": MAX_OFFSET},
                    code="bad_offsets",
                )
            values.append(int(part))
        return values


class RobotEndpointForm(forms.Form):
    kind = forms.ChoiceField(label=_("Platform"), choices=RobotEndpoint.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.URLField(label=_("Webhook URL"), max_length=1000, assume_scheme="https")
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("For DingTalk and Feishu robots with signature verification switched on."),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("All units"),
        help_text=_("The robot gets the reminders of this unit and the units below it."),
    )

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
