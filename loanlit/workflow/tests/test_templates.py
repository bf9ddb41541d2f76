"""Workflow templates: definition validation, versions, a running case keeping its version, migration,
default templates for new cases, the built-in templates, and the template pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from loanlit.audit.models import AuditEntry
from loanlit.audit.services import GLOBAL_STREAM
from loanlit.cases.models import CaseEvent
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.workflow import definitions
from loanlit.workflow.models import CaseWorkflow, WorkflowTemplate, WorkflowVersion
from loanlit.workflow.services import templates as wf
from loanlit.workflow.tests.test_templates_support import (
    case_audit,
    case_events,
    definition,
    english,  # noqa: F401  (autouse)
    fresh,
    make_template,
    open_case,
)

BUILTIN_CODES = ["financial_loan_suit", "credit_card_batch", "payment_order", "arbitration", "notarised_enforcement"]


def errors_of(data):
    with pytest.raises(DomainError) as caught:
        definitions.validate_definition(data)
    return caught.value.params["errors"]


# --- validation ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_valid_definition_is_normalised_with_defaults():
    checked = definitions.validate_definition(definition())
    filed = definitions.stage_of(checked, "filed")
    assert filed["on_enter"]["tasks"][0] == {
        "key": "pay",
        "title": "Pay the acceptance fee",
        "role": "handler",
        "due": {"days": 3, "basis": "working"},
        "priority": "normal",
        "checklist": [],
        "description": "",
    }
    assert definitions.stage_of(checked, "in_trial") == {
        "code": "in_trial",
        "on_enter": {"tasks": [], "documents": []},
        "exit_requires": {"documents": [], "approved_documents": [], "fields": []},
    }


@pytest.mark.django_db
def test_unknown_stage_code_is_named():
    data = definition()
    data["stages"].append({"code": "appeal_court"})
    assert errors_of(data) == ["Unknown stage code “appeal_court” (stage 5)."]


@pytest.mark.django_db
def test_a_transition_outside_the_global_table_is_refused():
    data = definition(transitions=[["pre_litigation", "in_trial"]])
    assert errors_of(data) == [
        "The move Pre-litigation → In trial is not allowed by the case stage rules; a template can only use those."
    ]


@pytest.mark.django_db
def test_a_missing_initial_stage_is_refused():
    assert errors_of(definition(initial="")) == ["Say which stage a new case starts in (“initial”)."]
    assert errors_of(definition(initial="judged")) == [
        "The initial stage “Judged” is not one of the template's stages."
    ]


@pytest.mark.django_db
def test_task_problems_are_each_reported():
    data = definition()
    tasks = data["stages"][1]["on_enter"]["tasks"]
    tasks[0]["title"] = "  "
    tasks[1]["due"] = {"days": -1, "basis": "working"}
    tasks[2]["role"] = "janitor"
    tasks.append({"key": "late", "title": "Too late", "due": {"days": 400}})
    assert errors_of(data) == [
        "Task 1 of stage “Filed” has no title.",
        "The due offset of task 2 of stage “Filed” cannot be negative.",
        "Unknown role “janitor” in task 3 of stage “Filed”; use handler, law_firm or a role code.",
        "The due offset of task 4 of stage “Filed” is more than 365 days.",
    ]


@pytest.mark.django_db
def test_unknown_docgen_template_category_and_case_field_are_named():
    data = definition()
    data["stages"][1]["on_enter"]["documents"] = ["no_such_template"]
    data["stages"][0]["exit_requires"] = {"documents": ["payslip"], "fields": ["favourite_colour"]}
    assert errors_of(data) == [
        "Unknown document category “payslip” (requirements of stage “Pre-litigation”).",
        "Unknown case field “favourite_colour” (requirements of stage “Pre-litigation”); use one of: "
        "claim_as_of, claim_principal, claim_total, claim_acceptance_fee, handler, law_firm, co_handlers.",
        "Unknown document template “no_such_template” (documents to generate in stage “Filed”).",
    ]


@pytest.mark.django_db
def test_bad_json_text_is_a_domain_error_with_the_position():
    with pytest.raises(DomainError) as caught:
        definitions.validate_definition('{"initial": "filed",')
    assert caught.value.message == "The definition is not valid JSON (line 1, column 21)."
    assert errors_of([1, 2]) == ["The definition must be a JSON object with “initial”, “stages” and “transitions”."]


# --- templates and versions ----------------------------------------------------------------------------------


def test_creating_and_publishing_is_audited_on_the_global_stream(personas):
    template = make_template(personas)
    assert template.current_version.number == 1
    data = definition()
    data["stages"][1]["on_enter"]["tasks"][0]["title"] = "Pay the fee at once"
    version = wf.workflow_version_publish(
        actor=personas.legal_manager, template=template, definition=data, note="faster"
    )
    template.refresh_from_db()
    assert (version.number, template.current_version_id, version.note) == (2, version.pk, "faster")
    actions = list(
        AuditEntry.objects.filter(
            stream=GLOBAL_STREAM, target_type="workflow.workflowtemplate", target_id=str(template.pk)
        )
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["workflow.template_created", "workflow.version_published"]
    assert WorkflowVersion.objects.get(template=template, number=1).definition == definitions.validate_definition(
        definition()
    )


def test_publishing_the_same_definition_again_is_refused(personas):
    template = make_template(personas)
    with pytest.raises(DomainError, match="same as the current version 1"):
        wf.workflow_version_publish(actor=personas.legal_manager, template=template, definition=definition())
    assert template.versions.count() == 1


def test_a_handler_may_not_manage_templates_and_nothing_is_written(personas):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError):
        make_template_as(personas.case_handler)
    assert not WorkflowTemplate.objects.filter(code="handler-flow").exists()
    assert AuditEntry.objects.count() == before


def make_template_as(user):
    return wf.workflow_template_create(
        actor=user, code="handler-flow", name="X", case_type="other", definition=definition()
    )


def test_one_default_per_creditor_scope(personas):
    first = make_template(personas, code="first", default=True)
    second = make_template(personas, code="second")
    wf.workflow_template_update(actor=personas.legal_manager, template=second, version=second.version, is_default=True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    with pytest.raises(DomainError, match="inactive template cannot be the default"):
        wf.workflow_template_update(
            actor=personas.legal_manager, template=second, version=second.version, is_active=False, is_default=True
        )


def test_a_running_case_keeps_its_version_until_migrated(personas):
    template = make_template(personas, default=True)
    case = open_case(personas)
    v1 = template.current_version
    assert CaseWorkflow.objects.get(case=case).version_id == v1.pk
    data = definition()
    data["stages"].append({"code": "judged"})
    data["transitions"].append(["in_trial", "judged"])
    v2 = wf.workflow_version_publish(actor=personas.legal_manager, template=template, definition=data)
    assert CaseWorkflow.objects.get(case=case).version_id == v1.pk  # publishing does not move running cases
    newer_case = open_case(personas, seq=2)
    assert CaseWorkflow.objects.get(case=newer_case).version_id == v2.pk
    outcomes = wf.cases_workflow_migrate(actor=personas.legal_manager, cases=[case, newer_case], to_version=v2)
    assert [(o.case_id, o.status) for o in outcomes] == [(case.pk, "migrated"), (newer_case.pk, "unchanged")]
    assert CaseWorkflow.objects.get(case=case).version_id == v2.pk
    assert case_events(case) == ["created", "workflow_assigned", "workflow_migrated"]
    assert CaseEvent.objects.get(case=case, kind="workflow_migrated").params == {
        "template": "Test flow",
        "version": 2,
        "previous": 1,
    }
    assert case_audit(case) == ["case.opened", "workflow.case_assigned", "workflow.case_migrated"]


def test_migration_is_refused_when_the_case_stage_is_not_in_the_new_version(personas):
    template = make_template(personas, default=True)
    case = open_case(personas)
    data = definition(initial="filed")
    data["stages"] = [s for s in data["stages"] if s["code"] != "pre_litigation"]
    data["transitions"] = [t for t in data["transitions"] if "pre_litigation" not in t]
    v2 = wf.workflow_version_publish(actor=personas.legal_manager, template=template, definition=data)
    before = case_audit(case)
    [outcome] = wf.cases_workflow_migrate(actor=personas.legal_manager, cases=[case], to_version=v2)
    assert outcome.status == "refused"
    assert outcome.message == (
        f"Case {case.internal_no} is in stage “Pre-litigation”, which version 2 of “Test flow” does not have."
    )
    assert CaseWorkflow.objects.get(case=case).version.number == 1
    assert case_audit(case) == before


def test_migration_reports_cases_outside_scope_as_not_found(personas):
    template = make_template(personas, default=True)
    other = open_case(personas, seq=3, creditor=personas.other_creditor, unit=personas.other_head_office, handler=None)
    assert CaseWorkflow.objects.filter(case=other).exists()  # a global default: every creditor's new cases
    v1 = template.current_version
    [outcome] = wf.cases_workflow_migrate(actor=personas.legal_manager, cases=[other], to_version=v1)
    assert (outcome.status, outcome.message) == ("not_found", "Case not found.")


def test_new_cases_get_the_creditor_default_before_the_global_default(personas):
    make_template(personas, code="global", default=True)
    own = make_template(personas, code="own", default=True, creditor=personas.creditor)
    case = open_case(personas)
    other = open_case(personas, seq=2, creditor=personas.other_creditor, unit=personas.other_head_office, handler=None)
    assert CaseWorkflow.objects.get(case=case).version.template_id == own.pk
    assert CaseWorkflow.objects.get(case=other).version.template.code == "global"


def test_without_a_default_template_new_cases_run_without_one(personas):
    case = open_case(personas)
    assert not CaseWorkflow.objects.filter(case=case).exists()
    assert case_events(case) == ["created"]


def test_a_case_without_a_template_joins_it_by_migration(personas):
    case = open_case(personas)
    template = make_template(personas)
    [outcome] = wf.cases_workflow_migrate(
        actor=personas.legal_manager, cases=[case], to_version=template.current_version
    )
    assert (outcome.status, outcome.message) == ("assigned", "Now runs version 1.")
    assert CaseWorkflow.objects.get(case=case).version_id == template.current_version_id


def test_template_settings_from_the_page(client, personas):
    template = make_template(personas)
    client.force_login(personas.legal_manager)
    url = reverse("workflow:template_edit", args=[template.pk])
    response = client.post(url, {"version": template.version, "name": "Renamed", "is_default": "on", "is_active": "on"})
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.is_default) == ("Renamed", True)
    stale = client.post(url, {"version": template.version - 1, "name": "Again", "is_active": "on"})
    assert stale.status_code == 400 and "changed by someone else" in stale.content.decode()
    refused = client.post(url, {"version": template.version, "name": "Renamed", "is_default": "on"})
    assert refused.status_code == 400 and "An inactive template cannot be the default." in refused.content.decode()
    template.refresh_from_db()
    assert (template.name, template.is_default, template.is_active) == ("Renamed", True, True)


def test_assigning_a_template_by_hand(personas):
    template = make_template(personas)
    case = open_case(personas)
    wf.case_workflow_assign(actor=personas.legal_manager, case=case, version=template.current_version)
    assert CaseWorkflow.objects.get(case=case).version_id == template.current_version_id
    assert case_events(case) == ["created", "workflow_assigned"]
    assert fresh(case).version == case.version  # the case row itself is not touched


# --- built-in templates --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_built_in_templates_are_seeded_valid_and_idempotent():
    codes = list(WorkflowTemplate.objects.filter(code__in=BUILTIN_CODES).values_list("code", flat=True))
    assert sorted(codes) == sorted(BUILTIN_CODES)
    assert wf.ensure_builtin_workflow_templates() == 0
    for template in WorkflowTemplate.objects.filter(code__in=BUILTIN_CODES):
        assert template.versions.count() == 1
        assert not template.is_default
        assert (
            definitions.validate_definition(template.current_version.definition) == template.current_version.definition
        )
    assert wf.suggested_default_codes() == ["financial_loan_suit"]


# --- pages ---------------------------------------------------------------------------------------------------


def test_template_pages_answer_managers_and_refuse_handlers(client, personas):
    template = make_template(personas)
    client.force_login(personas.case_handler)
    assert client.get(reverse("workflow:template_list")).status_code == 403
    assert client.get(reverse("workflow:template_detail", args=[template.pk])).status_code == 403
    client.force_login(personas.legal_manager)
    page = client.get(reverse("workflow:template_list"))
    assert page.status_code == 200 and f'id="template-{template.pk}"' in page.content.decode()
    detail = client.get(reverse("workflow:template_detail", args=[template.pk]))
    assert detail.status_code == 200 and 'id="stage-filed"' in detail.content.decode()
    publish = client.get(reverse("workflow:version_publish", args=[template.pk])).content.decode()
    assert 'id="wf-structured"' in publish and "data-wf-reference=" in publish  # the structured editor's data
    assert "&quot;pre_litigation&quot;" in publish
    assert client.get(reverse("workflow:template_migrate", args=[template.pk])).status_code == 200
    assert client.get(reverse("workflow:template_create")).status_code == 200


def test_a_creditor_template_is_404_for_another_creditors_manager(client, personas):
    from loanlit.accounts.services import user_create

    template = make_template(personas, code="bank-a-only", creditor=personas.creditor)
    manager_b = user_create(
        actor=None,
        username="manager_b",
        password=None,
        role_code="legal_manager",
        unit=personas.other_head_office,
        creditors=[personas.other_creditor],
    )
    client.force_login(manager_b)
    assert client.get(reverse("workflow:template_detail", args=[template.pk])).status_code == 404


def test_bad_json_in_the_editor_is_a_form_error_not_a_500(client, personas):
    template = make_template(personas)
    client.force_login(personas.legal_manager)
    url = reverse("workflow:version_publish", args=[template.pk])
    response = client.post(url, {"version": template.version, "definition": "{not json", "note": ""})
    assert response.status_code == 400
    assert "The definition is not valid JSON (line 1, column 2)." in response.content.decode()
    response = client.post(url, {"version": template.version, "definition": '{"initial": "", "stages": []}'})
    body = response.content.decode()
    assert response.status_code == 400
    assert "The definition needs at least one stage." in body and "Say which stage a new case starts in" in body
    assert template.versions.count() == 1


def test_publishing_from_the_page_creates_a_version(client, personas):
    import json

    template = make_template(personas)
    data = definition()
    data["stages"][2]["on_enter"] = {"tasks": [{"key": "prep", "title": "Prepare the hearing", "role": "handler"}]}
    client.force_login(personas.legal_manager)
    response = client.post(
        reverse("workflow:version_publish", args=[template.pk]),
        {"version": template.version, "definition": json.dumps(data), "note": "hearing prep"},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.current_version.number == 2 and template.current_version.note == "hearing prep"
    stale = client.post(
        reverse("workflow:version_publish", args=[template.pk]),
        {"version": template.version - 1, "definition": json.dumps(definition()), "note": ""},
    )
    assert stale.status_code == 400 and "changed by someone else" in stale.content.decode()


def test_creating_a_template_from_the_page(client, personas):
    import json

    client.force_login(personas.legal_manager)
    response = client.post(
        reverse("workflow:template_create"),
        {"code": "page-flow", "name": "Page flow", "case_type": "other", "definition": json.dumps(definition())},
    )
    assert response.status_code == 302
    assert WorkflowTemplate.objects.get(code="page-flow").current_version.number == 1
    again = client.post(
        reverse("workflow:template_create"),
        {"code": "page-flow", "name": "Page flow", "case_type": "other", "definition": json.dumps(definition())},
    )
    assert again.status_code == 400 and "exists already" in again.content.decode()


def test_migrating_from_the_page(client, personas):
    earlier = open_case(personas, seq=7)  # opened before any default: runs no template
    template = make_template(personas, default=True)
    case = open_case(personas)
    data = definition()
    data["stages"].append({"code": "judged"})
    data["transitions"].append(["in_trial", "judged"])
    wf.workflow_version_publish(actor=personas.legal_manager, template=template, definition=data)
    client.force_login(personas.legal_manager)
    url = reverse("workflow:template_migrate", args=[template.pk])
    page = client.get(url).content.decode()
    assert f'id="case-{case.pk}"' in page and f'id="case-{earlier.pk}"' in page
    response = client.post(url, {"cases": [str(case.pk), str(earlier.pk)]})
    assert response.status_code == 200 and 'id="migrate-results"' in response.content.decode()
    assert CaseWorkflow.objects.get(case=case).version.number == 2
    assert CaseWorkflow.objects.get(case=earlier).version.number == 2
    assert case_events(earlier) == ["created", "workflow_assigned"]
    assert case_audit(earlier) == ["case.opened", "workflow.case_assigned"]
    assert client.post(url, {}).status_code == 400
