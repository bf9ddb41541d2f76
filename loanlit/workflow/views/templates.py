"""Workflow template pages (流程设置), mounted at /workflow/templates/: list, new template, detail with the
version history and a readable rendering, settings, publishing a new version (a validated JSON editor)
and migrating running cases to the current version. All need ``workflow.manage_templates``."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.cases.views.common import actor, deny, done
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.ids import parse_id
from loanlit.workflow import definitions
from loanlit.workflow import selectors_templates as selectors
from loanlit.workflow.forms_templates import MigrateForm, PublishForm, TemplateCreateForm, TemplateEditForm, pretty
from loanlit.workflow.models import WorkflowTemplate
from loanlit.workflow.services import templates as services


def _editor_json() -> str:
    return json.dumps(selectors.editor_reference(), ensure_ascii=False)


def _require_manage(request: HttpRequest) -> None:
    if not services.may_manage_templates(request.user):
        raise deny(request, services.MANAGE)


def _definition_errors(form: forms.BaseForm, error: DomainError) -> None:
    """Each problem of a refused definition as its own error under the editor."""
    problems = error.params.get("errors") if isinstance(error.params, dict) else None
    if problems:
        for message in problems:
            form.add_error("definition", message)
    else:
        form.add_error(None, error.message)


def _run(form: forms.BaseForm, fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except StaleVersionError as error:
        form.add_error(None, error.message)
        return None
    except PermissionDeniedError as error:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(error.message) from None
    except DomainError as error:
        if error.code in ("invalid_definition", "definition_json"):
            _definition_errors(form, error)
        else:
            form.add_error(None, error.message)
        return None


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    templates = list(selectors.template_list_for_user(user=request.user))
    suggested = set(services.suggested_default_codes())
    has_default = any(t.is_default and t.is_active for t in templates)
    return render(
        request,
        "workflow/templates/template_list.html",
        {"templates": templates, "suggested": suggested, "has_default": has_default},
    )


@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    posted = request.method == "POST"
    initial: dict[str, Any] = {}
    if not posted:
        source = WorkflowTemplate.objects.filter(code="financial_loan_suit").select_related("current_version").first()
        if source is not None and source.current_version is not None:
            initial["definition"] = pretty(source.current_version.definition)
    form = TemplateCreateForm(request.POST if posted else None, user=request.user, initial=initial)
    if posted and form.is_valid():
        data = form.cleaned_data
        template = _run(
            form,
            services.workflow_template_create,
            actor=actor(request),
            code=data["code"],
            name=data["name"],
            case_type=data["case_type"],
            creditor=data["creditor"],
            definition=data["definition"],
            note=data["note"],
        )
        if template is not None:
            return done(request, reverse("workflow:template_detail", args=[template.pk]), _("Template created."))
    context = {"form": form, "editor_json": _editor_json()}
    return render(request, "workflow/templates/template_create.html", context, status=400 if posted else 200)


def _detail_context(request: HttpRequest, template: WorkflowTemplate, **extra: Any) -> dict[str, Any]:
    versions = selectors.template_versions(template)
    shown = template.current_version
    wanted = parse_id(request.GET.get("v", ""))
    if wanted is not None:
        shown = next((v for v in versions if v.number == wanted), shown)
    running = selectors.running_cases_for_user(user=request.user, template=template)
    context = {
        "template": template,
        "versions": versions,
        "shown": shown,
        "stages": selectors.describe_definition(shown.definition) if shown is not None else [],
        "edit_form": TemplateEditForm(
            initial={
                "version": template.version,
                "name": template.name,
                "is_default": template.is_default,
                "is_active": template.is_active,
            }
        ),
        "running_count": running.count(),
        "behind_count": running.exclude(workflow__version_id=template.current_version_id).count(),
    }
    context.update(extra)
    return context


@require_GET
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    template = selectors.template_get_for_user(user=request.user, pk=pk)
    return render(request, "workflow/templates/template_detail.html", _detail_context(request, template))


@require_POST
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    template = selectors.template_get_for_user(user=request.user, pk=pk)
    form = TemplateEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        result = _run(
            form,
            services.workflow_template_update,
            actor=actor(request),
            template=template,
            version=data["version"],
            name=data["name"],
            is_default=data["is_default"],
            is_active=data["is_active"],
        )
        if result is not None:
            return done(request, reverse("workflow:template_detail", args=[template.pk]), _("Saved."))
    context = _detail_context(request, template, edit_form=form)
    return render(request, "workflow/templates/template_detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    template = selectors.template_get_for_user(user=request.user, pk=pk)
    posted = request.method == "POST"
    current = template.current_version
    initial = {"version": template.version, "definition": pretty(current.definition) if current else ""}
    form = PublishForm(request.POST if posted else None, initial=initial)
    if posted and form.is_valid():
        version = _run(
            form,
            services.workflow_version_publish,
            actor=actor(request),
            template=template,
            definition=form.cleaned_data["definition"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
        if version is not None:
            message = _("Version %(number)d published. Running cases keep their version until you migrate them.") % {
                "number": version.number
            }
            return done(request, reverse("workflow:template_detail", args=[template.pk]), message)
    context = {"template": template, "form": form, "current": current, "editor_json": _editor_json()}
    return render(request, "workflow/templates/version_publish.html", context, status=400 if posted else 200)


@require_http_methods(["GET", "POST"])
def template_migrate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    template = selectors.template_get_for_user(user=request.user, pk=pk)
    target = template.current_version
    running = list(selectors.running_cases_for_user(user=request.user, template=template))
    behind = [case for case in running if target is not None and case.workflow.version_id != target.pk]
    joining: list[Any] = []
    if target is not None and template.is_active:
        stages = definitions.stage_codes(target.definition)
        joining = list(
            selectors.cases_without_workflow_for_user(user=request.user, stages=stages)[: selectors.BULK_PAGE_SIZE]
        )
    choices = [(str(case.pk), case.internal_no) for case in [*behind, *joining]]
    posted = request.method == "POST"
    form = MigrateForm(request.POST if posted else None, case_choices=choices)
    outcomes = None
    if posted and target is None:
        form.add_error(None, _("Publish a version first."))
    elif posted and target is not None and form.is_valid():
        chosen = {int(pk) for pk in form.cleaned_data["cases"]}
        try:
            outcomes = services.cases_workflow_migrate(
                actor=actor(request),
                cases=[case for case in [*behind, *joining] if case.pk in chosen],
                to_version=target,
            )
        except PermissionDeniedError as error:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(error.message) from None
    if outcomes is not None:
        running = list(selectors.running_cases_for_user(user=request.user, template=template))
        behind = [case for case in running if case.workflow.version_id != target.pk]  # type: ignore[union-attr]
        joining = [
            case for case in joining if not any(o.case_id == case.pk and o.status == "assigned" for o in outcomes)
        ]
    context = {
        "template": template,
        "target": target,
        "behind": behind,
        "joining": joining,
        "form": form,
        "outcomes": outcomes,
    }
    status = 400 if posted and outcomes is None else 200
    return render(request, "workflow/templates/template_migrate.html", context, status=status)
