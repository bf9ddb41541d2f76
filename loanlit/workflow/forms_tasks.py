"""Forms of the task pages. They parse input; the services decide who may do what."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loanlit.cases.forms import DATE_WIDGET, StyledForm
from loanlit.workflow.models import Task
from loanlit.workflow.services import tasks as services

BLANK = [("", "---------")]


def _user_choices(users: list[Any]) -> list[tuple[str, str]]:
    return [(str(user.pk), str(user)) for user in users]


class TaskFieldsForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE_WIDGET)
    priority = forms.ChoiceField(label=_("Priority"), choices=Task.Priority.choices, initial=Task.Priority.NORMAL)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, assignees: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._assignees = {str(user.pk): user for user in assignees}
        self.fields["assignee"].choices = [*BLANK, *_user_choices(assignees)]  # type: ignore[attr-defined]

    def chosen_assignee(self) -> Any:
        return self._assignees.get(self.cleaned_data.get("assignee") or "")


class TaskCreateForm(TaskFieldsForm):
    """A new task; ``with_case_field`` adds the internal case number (the my-work page's form)."""

    case_no = forms.CharField(
        label=_("Case (internal number)"),
        required=False,
        max_length=40,
        help_text=_("Leave empty for a personal task."),
    )
    checklist = forms.CharField(
        label=_("Checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line."),
    )

    def __init__(self, *args: Any, with_case_field: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_case_field:
            del self.fields["case_no"]
        else:
            self.order_fields(["case_no", "title", "assignee", "due_on", "priority", "description", "checklist"])

    def checklist_items(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("checklist") or "").splitlines() if line.strip()]


class TaskEditForm(TaskFieldsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @staticmethod
    def initial_for(task: Task) -> dict[str, Any]:
        return {
            "title": task.title,
            "assignee": str(task.assignee_id or ""),
            "due_on": task.due_on,
            "priority": task.priority,
            "description": task.description,
            "version": task.version,
        }

    @staticmethod
    def current_for(task: Task) -> dict[str, Any]:
        return {
            "title": task.title,
            "assignee": str(task.assignee_id or ""),
            "due_on": task.due_on,
            "priority": task.priority,
            "description": task.description,
        }


class TaskCompleteForm(StyledForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    completion_note = forms.CharField(
        label=_("Completion note"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TaskStatusForm(StyledForm):
    ACTIONS = (
        ("reopen", _("Reopen")),
        ("cancel", _("Cancel the task")),
        ("start", _("Start")),
        ("stop", _("Back to open")),
    )

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(required=False, max_length=services.NOTE_MAX)


class ChecklistForm(StyledForm):
    ACTIONS = (("toggle", "toggle"), ("add", "add"), ("remove", "remove"))

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    action = forms.ChoiceField(choices=ACTIONS)
    index = forms.IntegerField(required=False, min_value=0)
    text = forms.CharField(label=_("New item"), required=False, max_length=services.CHECKLIST_TEXT_MAX)


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open or in progress")), *Task.Status.choices, ("all", _("All"))],
    )
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", _("Any")), *Task.Priority.choices])
    case = forms.TypedChoiceField(label=_("Case"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, cases: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [("", _("Any")), *[(str(case.pk), case.internal_no) for case in cases]]  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"


class HandoverForm(StyledForm):
    from_user = forms.ChoiceField(label=_("Hand over the work of"))
    to_user = forms.ChoiceField(label=_("To"))
    include_cases = forms.BooleanField(label=_("Cases (as handler and co-handler)"), required=False, initial=True)
    include_tasks = forms.BooleanField(label=_("Open tasks"), required=False, initial=True)
    include_deadlines = forms.BooleanField(label=_("Open deadlines"), required=False, initial=True)

    def __init__(self, *args: Any, users: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._users = {str(user.pk): user for user in users}
        self.fields["from_user"].choices = [*BLANK, *_user_choices(users)]  # type: ignore[attr-defined]
        self.fields["to_user"].choices = [*BLANK, *_user_choices([user for user in users if user.is_active])]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            raise forms.ValidationError(_("Choose two different users."))
        return data

    def users(self) -> tuple[Any, Any]:
        return self._users[self.cleaned_data["from_user"]], self._users[self.cleaned_data["to_user"]]

    def flags(self) -> dict[str, bool]:
        return {
            name: bool(self.cleaned_data.get(name)) for name in ("include_cases", "include_tasks", "include_deadlines")
        }
