"""Forms of the template and bulk pages: they parse input; the services decide what is allowed."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.models import Role, User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.cases.access import INTERNAL_USERS
from loanlit.cases.forms import StyledForm, VersionedForm
from loanlit.cases.models import CaseStage, LawFirm
from loanlit.core.models import Creditor, OrgUnit
from loanlit.workflow.models import WorkflowTemplate

DEFINITION_MAX = 200_000
BLANK = [("", "---------")]


def pretty(definition: Any) -> str:
    return json.dumps(definition, ensure_ascii=False, indent=2)


class DefinitionField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Definition (JSON)"))
        kwargs.setdefault("max_length", DEFINITION_MAX)
        kwargs.setdefault(
            "widget",
            forms.Textarea(attrs={"rows": 24, "spellcheck": "false", "class": "font-monospace small wf-definition"}),
        )
        kwargs.setdefault(
            "help_text",
            _("Stages, allowed moves, tasks and documents on entry, and what a stage needs before it is left."),
        )
        super().__init__(strip=False, **kwargs)


class TemplateCreateForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=200)
    case_type = forms.ChoiceField(label=_("Case type"), choices=WorkflowTemplate.CaseType.choices)
    creditor = forms.ModelChoiceField(
        label=_("Creditor"),
        queryset=Creditor.objects.none(),
        required=False,
        empty_label=_("Every creditor"),
    )
    definition = DefinitionField()
    note = forms.CharField(label=_("Change note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creditor"].queryset = Creditor.objects.filter(pk__in=creditor_ids_for(user)).order_by("pk")  # type: ignore[attr-defined]


class TemplateEditForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    is_default = forms.BooleanField(label=_("Default for new cases"), required=False)
    is_active = forms.BooleanField(label=_("Offered (active)"), required=False)


class PublishForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    definition = DefinitionField()
    note = forms.CharField(label=_("Change note"), max_length=300, required=False)


class MigrateForm(StyledForm):
    cases = forms.MultipleChoiceField(label=_("Cases"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, case_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cases"].choices = case_choices  # type: ignore[attr-defined]


def _handler_choices(user: Any) -> Any:
    editor_roles = [role.pk for role in Role.objects.only("pk", "permissions") if "cases.edit" in role.permissions]
    return (
        User.objects.filter(is_active=True, creditors__in=creditor_ids_for(user))
        .filter(Q(role_id__in=editor_roles) | Q(is_superuser=True))
        .filter(INTERNAL_USERS)
        .distinct()
        .order_by("username")
    )


class BulkFilterForm(StyledForm):
    """GET parameters of the bulk page; an invalid value is dropped, never an error page."""

    stage = forms.ModelChoiceField(label=_("Stage"), queryset=CaseStage.objects.all(), required=False)
    unit = forms.ModelChoiceField(label=_("Handling unit"), queryset=OrgUnit.objects.none(), required=False)
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=User.objects.none(), required=False)
    law_firm = forms.ModelChoiceField(label=_("Law firm"), queryset=LawFirm.objects.none(), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = getattr(user, "unit", None)
        units = OrgUnit.objects.filter(path__startswith=unit.path) if unit is not None else OrgUnit.objects.none()
        if getattr(user, "is_superuser", False):
            units = OrgUnit.objects.all()
        self.fields["unit"].queryset = units.order_by("path")  # type: ignore[attr-defined]
        self.fields["handler"].queryset = _handler_choices(user)  # type: ignore[attr-defined]
        self.fields["law_firm"].queryset = LawFirm.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]


class BulkActionForm(StyledForm):
    """The action; the ticked case ids are read by the view and checked by the service (scope: not found)."""

    ACTION_STAGE = "stage"
    ACTION_HANDLER = "handler"
    ACTION_FIRM = "law_firm"

    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (ACTION_STAGE, _("Move to stage")),
            (ACTION_HANDLER, _("Set the handler")),
            (ACTION_FIRM, _("Place with a law firm")),
        ],
    )
    to_stage = forms.ModelChoiceField(label=_("New stage"), queryset=CaseStage.objects.all(), required=False)
    handler = forms.ModelChoiceField(label=_("New handler"), queryset=User.objects.none(), required=False)
    law_firm = forms.ModelChoiceField(label=_("Law firm"), queryset=LawFirm.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = _handler_choices(user)  # type: ignore[attr-defined]
        self.fields["law_firm"].queryset = LawFirm.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        needed = {self.ACTION_STAGE: "to_stage", self.ACTION_HANDLER: "handler", self.ACTION_FIRM: "law_firm"}.get(
            action or ""
        )
        if needed and not data.get(needed):
            self.add_error(needed, _("Choose one for this action."))
        return data
