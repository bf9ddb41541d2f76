"""Forms of the drop-folder pages: they parse input; ``services.dropfolders`` decides what is allowed."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditors_visible_to, org_units_visible_to
from loanlit.cases.forms import StyledForm
from loanlit.imports import kinds as registry
from loanlit.imports.models import DropFolder


class DropFolderForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    path = forms.CharField(
        label=_("Sub-folder"),
        max_length=200,
        help_text=_("A folder inside the drop root, e.g. core-banking/balances. It is created when missing."),
    )
    kind = forms.ChoiceField(label=_("What the files hold"))
    preset = forms.ChoiceField(label=_("Preset"), required=False)
    creditor = forms.ModelChoiceField(label=_("Creditor"), queryset=User.objects.none())
    unit = forms.ModelChoiceField(label=_("Default handling unit"), queryset=User.objects.none())
    run_as = forms.ModelChoiceField(
        label=_("Runs as"),
        queryset=User.objects.none(),
        help_text=_("The service account whose permissions and unit scope the imports use."),
    )
    on_row_errors = forms.ChoiceField(label=_("A file with row errors"), choices=DropFolder.OnRowErrors.choices)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (kind.code, kind.label) for kind in registry.all_kinds()
        ]
        cast(forms.ChoiceField, self.fields["preset"]).choices = [
            ("", _("None: columns are recognised by their headers")),
            *[
                (preset.code, f"{preset.label} ({preset.kind})")
                for kind in registry.all_kinds()
                for preset in registry.presets_for(kind.code)
            ],
        ]
        cast(forms.ModelChoiceField, self.fields["creditor"]).queryset = creditors_visible_to(actor).order_by("code")
        cast(forms.ModelChoiceField, self.fields["unit"]).queryset = org_units_visible_to(actor).order_by("path")
        cast(forms.ModelChoiceField, self.fields["run_as"]).queryset = User.objects.filter(is_active=True).order_by(
            "username"
        )


class DropFolderEditForm(DropFolderForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
