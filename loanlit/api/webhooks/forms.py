"""Forms for the webhook pages: parse input; the services enforce the rules (URL, events, acting user)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.models import User
from loanlit.api.webhooks.payloads import EVENT_LABELS


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        username = obj.get_username()
        details = [obj.display_name] if obj.display_name and obj.display_name != username else []
        if obj.role_id:
            details.append(obj.role.name)
        return f"{username} ({', '.join(details)})" if details else username


class WebhookSubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    url = forms.CharField(
        label=_("Receiver URL"),
        max_length=1000,
        widget=forms.URLInput(attrs={"class": "form-control", "placeholder": "https://"}),
        help_text=_("http:// or https://; redirects are not followed."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"class": "form-control", "autocomplete": "off"}),
        help_text=_("Leave empty to have one generated. It is shown once, after saving."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(name, f"{label} ({name})") for name, label in EVENT_LABELS.items()],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    user = _UserChoice(
        label=_("Acts as"),
        queryset=User.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Events are sent for the cases this user may see."),
    )
    include_personal_data = forms.BooleanField(
        label=_("Include personal data"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_(
            "Names and ID numbers of the case's borrowers; only if the user it acts as may see unmasked "
            "personal data. Never mobiles or addresses."
        ),
    )
    is_active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args: Any, users: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if users is not None:
            self.fields["user"].queryset = users  # type: ignore[attr-defined]


class WebhookSubscriptionEditForm(WebhookSubscriptionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    new_secret = forms.BooleanField(
        label=_("Replace the signing secret"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_("With the secret above, or a generated one if it is empty; the new secret is shown once."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["url"].required = False
        self.fields["url"].help_text = _("Leave empty to keep the current URL.")
        self.fields["secret"].help_text = _("Only used when “Replace the signing secret” is ticked.")
