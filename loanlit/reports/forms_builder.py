"""The report-builder form: one or two dimensions, measures (with their definitions), the shared filters
(``forms.StatsFilterForm``), a name, and — for holders of ``reports.manage`` only — the roles it is shared
with, the e-mail schedule and the subscribers. The services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from loanlit.accounts.models import Role
from loanlit.cases.forms import BLANK
from loanlit.reports.builder_definition import filters_to_json
from loanlit.reports.definitions import DIMENSIONS, MEASURES
from loanlit.reports.forms import FILTER_FIELDS, StatsFilterForm
from loanlit.reports.models import SavedReport
from loanlit.reports.selectors import builder as selectors
from loanlit.reports.services.saved import NAME_MAX, shareable_roles

DEFAULT_MEASURES = ("cases", "claim", "recovered")
SHARING_FIELDS = ("shared_with_roles", "schedule", "subscribers")


class BuilderForm(StatsFilterForm):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX, required=False)
    dimension1 = forms.ChoiceField(label=_("Group by"), choices=())
    dimension2 = forms.ChoiceField(label=_("Then by (optional)"), choices=(), required=False)
    measures = forms.MultipleChoiceField(
        label=_("Measures"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one measure.")},
    )
    shared_with_roles = forms.ModelMultipleChoiceField(
        label=_("Share with roles"), queryset=Role.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    schedule = forms.ChoiceField(label=_("E-mail"), choices=SavedReport.Schedule.choices, required=False)
    subscribers = forms.ModelMultipleChoiceField(
        label=_("E-mail to"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each receives the figures within what they may see; only aggregates, never names."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Any, owner: Any = None, manage: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        fields: dict[str, Any] = self.fields
        dims = [(code, d.label) for code, d in DIMENSIONS.items()]
        fields["dimension1"].choices = dims
        fields["dimension2"].choices = [*BLANK, *dims]
        fields["measures"].choices = [(code, m.label) for code, m in MEASURES.items()]
        self.manage = manage
        if manage:
            role_ids = [role.pk for role in shareable_roles()]
            fields["shared_with_roles"].queryset = Role.objects.filter(pk__in=role_ids).order_by("name")
            fields["subscribers"].queryset = selectors.subscriber_candidates(owner or user)
        else:
            for name in SHARING_FIELDS:
                del fields[name]
        for name in ("period_from", "period_to"):
            # The month fields clean to a date: a length check on the cleaned value cannot apply.
            fields[name].validators = [v for v in fields[name].validators if not isinstance(v, MaxLengthValidator)]
        for name in ("shared_with_roles", "subscribers", "measures"):
            if name in fields:
                fields[name].widget.attrs.pop("class", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, second = data.get("dimension1"), data.get("dimension2")
        if first and second and first == second:
            self.add_error("dimension2", _("Choose two different dimensions."))
        return data

    def definition(self) -> dict[str, Any]:
        """The definition asked for (the service validates it again)."""
        data = self.cleaned_data
        dimensions = [code for code in (data.get("dimension1"), data.get("dimension2")) if code]
        return {
            "dimensions": dimensions,
            "measures": list(data.get("measures") or []),
            "filters": filters_to_json(self.filters()),
        }

    def sharing(self) -> dict[str, Any]:
        """The sharing arguments for the services (none for a user without ``reports.manage``)."""
        if not self.manage:
            return {}
        data = self.cleaned_data
        return {
            "shared_with_roles": list(data.get("shared_with_roles") or []),
            "schedule": data.get("schedule") or "",
            "subscribers": list(data.get("subscribers") or []),
        }

    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FILTER_FIELDS]

    def sharing_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SHARING_FIELDS if name in self.fields]

    def measure_options(self) -> list[dict[str, Any]]:
        """The measure checkboxes with their definitions, for the template."""
        if self.is_bound:
            chosen = set(self.data.getlist("measures")) if hasattr(self.data, "getlist") else set()
        else:
            chosen = set(self.initial.get("measures") or DEFAULT_MEASURES)
        return [
            {
                "code": code,
                "label": m.label,
                "definition": m.definition,
                "kind": m.kind,
                "checked": code in chosen,
                "id": f"id_measures_{code}",
            }
            for code, m in MEASURES.items()
        ]


def initial_for(report: SavedReport | None) -> dict[str, Any]:
    """The form's initial values: a new report's defaults, or a saved report's values."""
    if report is None:
        return {"dimension1": "court_province", "measures": list(DEFAULT_MEASURES)}
    from loanlit.reports.builder_definition import definition_parse

    definition = definition_parse(report.definition)
    initial: dict[str, Any] = {
        "name": report.name,
        "dimension1": definition.dimensions[0] if definition.dimensions else "",
        "dimension2": definition.dimensions[1] if len(definition.dimensions) > 1 else "",
        "measures": list(definition.measures),
        "version": report.version,
        "schedule": report.schedule,
        "shared_with_roles": list(report.shared_with_roles.all()),
        "subscribers": list(report.subscribers.all()),
    }
    for name, value in definition.filters.active().items():
        if hasattr(value, "strftime"):
            initial[name] = value.strftime("%Y-%m")
        else:
            initial[name] = value
    return initial
