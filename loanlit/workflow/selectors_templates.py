"""Reads of the templates area, scoped to the user: templates of the user's creditors (or offered to all),
the cases that run them, the bulk page's case list, and a readable description of a definition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from loanlit.accounts.selectors import creditor_ids_for
from loanlit.cases import access
from loanlit.cases.models import Case, CaseStage
from loanlit.workflow import definitions
from loanlit.workflow.models import Task, WorkflowTemplate, WorkflowVersion

BULK_PAGE_SIZE: Final = 200


def templates_visible_to(user: Any) -> QuerySet[WorkflowTemplate]:
    return WorkflowTemplate.objects.filter(
        Q(creditor__isnull=True) | Q(creditor_id__in=creditor_ids_for(user))
    ).select_related("current_version", "creditor")


def template_list_for_user(*, user: Any) -> QuerySet[WorkflowTemplate]:
    return templates_visible_to(user).order_by("-is_active", "case_type", "code")


def template_get_for_user(*, user: Any, pk: int) -> WorkflowTemplate:
    return get_object_or_404(templates_visible_to(user), pk=pk)


def template_versions(template: WorkflowTemplate) -> list[WorkflowVersion]:
    return list(template.versions.select_related("created_by").order_by("-number"))


def running_cases_for_user(*, user: Any, template: WorkflowTemplate) -> QuerySet[Case]:
    """Open cases in the user's edit scope that run some version of ``template``."""
    return (
        access.cases_editable_by(user)
        .filter(workflow__version__template=template, is_closed=False)
        .select_related("workflow__version", "stage")
        .order_by("internal_no")
    )


def cases_without_workflow_for_user(*, user: Any, stages: list[str]) -> QuerySet[Case]:
    """Open cases in the user's edit scope that run no template, in one of ``stages`` (they may join one)."""
    return (
        access.cases_editable_by(user)
        .filter(workflow__isnull=True, is_closed=False, stage_id__in=stages)
        .select_related("stage")
        .order_by("internal_no")
    )


@dataclass(frozen=True)
class BulkFilters:
    stage: str = ""
    unit: int | None = None
    handler: int | None = None
    law_firm: int | None = None
    no_law_firm: bool = False


def bulk_cases_for_user(*, user: Any, filters: BulkFilters) -> QuerySet[Case]:
    qs = access.cases_editable_by(user).filter(is_archived=False)
    if filters.stage:
        qs = qs.filter(stage_id=filters.stage)
    if filters.unit is not None:
        qs = qs.filter(handling_unit_id=filters.unit)
    if filters.handler is not None:
        qs = qs.filter(handler_id=filters.handler)
    if filters.law_firm is not None:
        qs = qs.filter(law_firm_id=filters.law_firm)
    elif filters.no_law_firm:
        qs = qs.filter(law_firm__isnull=True)
    return qs.select_related("stage", "handler", "law_firm", "handling_unit").order_by("internal_no")


# --- a definition, readable ---------------------------------------------------------------------------------


@dataclass
class TaskView:
    title: str
    role: str
    due: str
    priority: str
    checklist: list[str]


@dataclass
class StageView:
    code: str
    label: str
    initial: bool
    tasks: list[TaskView] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)
    moves: list[str] = field(default_factory=list)


def describe_definition(definition: dict[str, Any]) -> list[StageView]:
    from django.utils.translation import gettext as _

    from loanlit.accounts.models import Role
    from loanlit.deadlines.models import Deadline
    from loanlit.docgen.models import DocTemplate
    from loanlit.documents.models import DocumentCategory

    stages = {stage.code: stage.label for stage in CaseStage.objects.all()}
    roles = {role.code: str(role) for role in Role.objects.all()}
    roles.update({"handler": _("Case handler (of the case)"), "law_firm": _("Lawyer of the placed firm")})
    doc_names = dict(DocTemplate.objects.values_list("code", "name"))
    categories = {category.code: str(category) for category in DocumentCategory.objects.all()}
    priorities = dict(Task.Priority.choices)
    deadline_kinds = dict(Deadline.Kind.choices)
    out = []
    for stage in definition.get("stages", []):
        code = stage["code"]
        view = StageView(code=code, label=stages.get(code, code), initial=code == definition.get("initial"))
        on_enter = stage.get("on_enter") or {}
        for task in on_enter.get("tasks") or []:
            due = task.get("due") or {}
            if "deadline_kind" in due:
                due_text = _("due with the deadline “%(kind)s”") % {
                    "kind": deadline_kinds.get(due["deadline_kind"], due["deadline_kind"])
                }
            elif "days" in due:
                due_text = (
                    _("%(days)d working days after entry")
                    if due.get("basis") == "working"
                    else _("%(days)d days after entry")
                ) % {"days": due["days"]}
            else:
                due_text = _("no due date")
            view.tasks.append(
                TaskView(
                    title=task["title"],
                    role=roles.get(task.get("role", ""), task.get("role", "")),
                    due=due_text,
                    priority=str(priorities.get(task.get("priority", "normal"), "")),
                    checklist=list(task.get("checklist") or []),
                )
            )
        view.documents = [doc_names.get(code, code) for code in on_enter.get("documents") or []]
        wanted = stage.get("exit_requires") or {}
        view.requires = [
            *[_("document: %(category)s") % {"category": categories.get(c, c)} for c in wanted.get("documents") or []],
            *[
                _("approved document: %(category)s") % {"category": categories.get(c, c)}
                for c in wanted.get("approved_documents") or []
            ],
            *[str(definitions.CASE_FIELDS.get(name, name)) for name in wanted.get("fields") or []],
        ]
        view.moves = [stages.get(target, target) for target in definitions.targets_from(definition, code)]
        out.append(view)
    return out


def editor_reference() -> dict[str, Any]:
    """Choices and labels of the structured definition editor (static/workflow/templates_editor.js)."""
    from django.utils.translation import gettext as _

    from loanlit.accounts.models import Role
    from loanlit.cases.models import CaseStageTransition
    from loanlit.deadlines.models import Deadline
    from loanlit.docgen.models import DocTemplate
    from loanlit.documents.models import DocumentCategory

    roles = [
        ["handler", _("Case handler (of the case)")],
        ["law_firm", _("Lawyer of the placed firm")],
        *[[role.code, str(role)] for role in Role.objects.order_by("code")],
    ]
    return {
        "stages": [[stage.code, stage.label] for stage in CaseStage.objects.order_by("order")],
        "transitions": [list(pair) for pair in CaseStageTransition.objects.values_list("from_stage_id", "to_stage_id")],
        "roles": roles,
        "priorities": [[value, str(label)] for value, label in Task.Priority.choices],
        "deadlines": [[value, str(label)] for value, label in Deadline.Kind.choices],
        "doc_templates": [
            [code, name]
            for code, name in DocTemplate.objects.filter(is_active=True)
            .order_by("order", "code")
            .values_list("code", "name")
        ],
        "categories": [[c.code, str(c)] for c in DocumentCategory.objects.filter(is_active=True)],
        "fields": [[name, str(label)] for name, label in definitions.CASE_FIELDS.items()],
        "labels": {
            "initial": _("Start stage"),
            "add_stage": _("Add a stage"),
            "remove_stage": _("Remove the stage"),
            "tasks": _("Tasks on entry"),
            "add_task": _("Add a task"),
            "remove": _("Remove"),
            "key": _("Key"),
            "title": _("Title"),
            "role": _("Assignee role"),
            "priority": _("Priority"),
            "due": _("Due"),
            "no_due": _("No due date"),
            "calendar_days": _("Calendar days after entry"),
            "working_days": _("Working days after entry"),
            "with_deadline": _("With a deadline of the case"),
            "days": _("Days"),
            "deadline_kind": _("Deadline type"),
            "checklist": _("Checklist (one item per line)"),
            "documents": _("Documents generated on entry"),
            "exit_documents": _("Needed before leaving: documents of these categories"),
            "exit_approved": _("Needed before leaving: approved documents of these categories"),
            "exit_fields": _("Needed before leaving: these case fields filled in"),
            "moves": _("Moves allowed to"),
            "invalid": _("The JSON below is not valid: fix it there and the structured editor comes back."),
        },
    }
