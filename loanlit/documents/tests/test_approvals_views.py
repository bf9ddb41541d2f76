"""Approval pages (my approvals, a request, submit, decide, withdraw) and the filing stage gate."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.core.errors import DomainError
from loanlit.documents import services
from loanlit.documents.models import ApprovalRequest, ApprovalStep
from loanlit.documents.tests.support import add_pdf, case_in_branch_b, make_case_world
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_and_english(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    return make_case_world(personas)


def complaint(world, title="Complaint", case=None, actor=None):
    return add_pdf(
        case or world.case, actor or world.handler, title=title, filename=f"{title}.pdf", category="complaint"
    )


def submit(world, document, approvers, mode="sequence", actor=None):
    return services.document_submit_for_approval(
        actor=actor or world.handler, document=document, approvers=approvers, mode=mode
    )


def listed_steps(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'id="approval-step-(\d+)"', html)]


def counts():
    return row_counts()


def test_my_approvals_lists_exactly_the_steps_waiting_for_me_now(client, world):
    p = world.personas
    mine = submit(world, complaint(world, "A"), [p.legal_manager])
    later = submit(world, complaint(world, "B"), [p.administrator, p.legal_manager])  # not my turn yet
    submit(world, complaint(world, "C"), [p.administrator])  # someone else's
    decided = submit(world, complaint(world, "D"), [p.legal_manager], mode="any")
    services.document_reject(actor=p.legal_manager, request=decided, comment="No")
    my_step = mine.steps.get()

    client.force_login(p.legal_manager)
    response = client.get(reverse("documents:approvals_mine"))

    assert response.status_code == 200
    assert listed_steps(response.content.decode()) == [my_step.pk]
    assert f'href="/documents/approvals/{mine.pk}/"' in response.content.decode()

    services.document_approve(actor=p.administrator, request=later)
    response = client.get(reverse("documents:approvals_mine"))
    assert listed_steps(response.content.decode()) == [my_step.pk, later.steps.get(order=2).pk]


def test_my_approvals_hides_a_step_on_a_case_out_of_my_scope(client, world):
    p = world.personas
    other_case = case_in_branch_b(world)
    document = complaint(world, "Far", case=other_case, actor=p.outsider_branch)
    # Written directly: a step for the Beijing handler on a Guangdong case (scope changed after submission).
    request = ApprovalRequest.objects.create(
        document=document,
        version=document.current_version,
        version_sha256=document.current_version.sha256,
        submitted_by=p.outsider_branch,
        submitted_at=timezone.now(),
    )
    ApprovalStep.objects.create(request=request, order=1, approver=p.case_handler)

    client.force_login(p.case_handler)
    response = client.get(reverse("documents:approvals_mine"))

    assert response.status_code == 200
    assert listed_steps(response.content.decode()) == []
    assert 'id="approval-waiting-empty"' in response.content.decode()
    assert client.get(reverse("documents:approval_detail", args=[request.pk])).status_code == 404


def test_the_request_page_shows_version_hash_history_and_the_form_only_to_the_approver_in_turn(client, world):
    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager, p.administrator])
    url = reverse("documents:approval_detail", args=[request.pk])

    client.force_login(p.legal_manager)
    html = client.get(url).content.decode()
    assert f'id="approval-sha256">{document.current_version.sha256}</dd>' in html
    assert 'id="decision-form"' in html
    assert f'id="approval-history-{request.pk}"' in html

    client.force_login(p.administrator)  # second in sequence: no form yet
    html = client.get(url).content.decode()
    assert 'id="decision-form"' not in html

    client.force_login(p.branch_manager)  # sees the case
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="decision-form"' not in response.content.decode()
    assert 'id="withdraw-form"' not in response.content.decode()

    client.force_login(p.outsider_branch)
    assert client.get(url).status_code == 404


def test_deciding_through_the_page(client, world):
    p = world.personas
    document = complaint(world)
    request = submit(world, document, [p.legal_manager], mode="any")
    decide = reverse("documents:approval_decide", args=[request.pk])
    client.force_login(p.legal_manager)

    before = counts()
    response = client.post(decide, {"decision": "reject", "comment": ""})
    assert response.status_code == 400
    assert "Say why you reject the document." in response.content.decode()
    assert counts() == before

    response = client.post(decide, {"decision": "approve", "comment": "Fine"})
    assert response.status_code == 302
    assert response["Location"] == f"/documents/approvals/{request.pk}/"
    request.refresh_from_db()
    document.refresh_from_db()
    assert (request.state, document.approval, document.locked) == ("approved", "approved", True)
    assert request.steps.get().comment == "Fine"


def test_someone_not_in_turn_or_out_of_scope_cannot_decide_and_nothing_changes(client, world):
    p = world.personas
    request = submit(world, complaint(world), [p.legal_manager])
    decide = reverse("documents:approval_decide", args=[request.pk])
    before = counts()
    for persona, status in (
        (p.administrator, 403),
        (p.case_handler, 403),
        (p.branch_manager, 403),
        (p.outsider_branch, 404),
        (p.outsider_creditor, 404),
    ):
        client.force_login(persona)
        assert client.post(decide, {"decision": "approve", "comment": ""}).status_code == status
    assert counts() == before
    request.refresh_from_db()
    assert request.state == "pending"


def test_submitting_through_the_page(client, world):
    p = world.personas
    document = complaint(world)
    url = reverse("documents:approval_submit", args=[document.pk])

    client.force_login(p.branch_manager)
    assert client.get(url).status_code == 403
    client.force_login(p.outsider_branch)
    assert client.get(url).status_code == 404

    client.force_login(p.case_handler)
    html = client.get(url).content.decode()
    options = re.findall(r'<option value="(\d+)"', html.split('name="approver_1"')[1].split("</select>")[0])
    assert sorted(int(pk) for pk in options) == sorted([p.administrator.pk, p.legal_manager.pk])

    response = client.post(
        url,
        {"approver_1": p.legal_manager.pk, "approver_2": p.administrator.pk, "mode": "sequence", "comment": "Please"},
    )
    request = ApprovalRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/documents/approvals/{request.pk}/"
    assert list(request.steps.values_list("order", "approver")) == [(1, p.legal_manager.pk), (2, p.administrator.pk)]
    assert request.comment == "Please"

    before = counts()
    response = client.post(url, {"approver_1": p.legal_manager.pk, "mode": "sequence"})
    assert response.status_code == 400
    assert "This document is already waiting for approval." in response.content.decode()
    assert counts() == before


def test_withdrawing_through_the_page(client, world):
    p = world.personas
    request = submit(world, complaint(world), [p.legal_manager])
    url = reverse("documents:approval_withdraw", args=[request.pk])
    before = counts()
    client.force_login(p.branch_manager)
    assert client.post(url).status_code == 403
    client.force_login(p.outsider_branch)
    assert client.post(url).status_code == 404
    assert counts() == before

    client.force_login(p.case_handler)
    assert client.post(url).status_code == 302
    request.refresh_from_db()
    assert request.state == "withdrawn"


# --- the filing stage gate ----------------------------------------------------------------------------------


def move_to_filed(world):
    world.case.refresh_from_db()
    return cases.case_change_stage(actor=world.handler, case=world.case, to_stage="filed", version=world.case.version)


def test_the_policy_refuses_filing_without_an_approved_complaint_and_allows_it_after(world, settings):
    p = world.personas
    settings.DOCUMENTS_REQUIRE_APPROVED_COMPLAINT = True
    document = complaint(world)
    request = submit(world, document, [p.legal_manager])
    world.case.refresh_from_db()
    stage, version, audits = world.case.stage_id, world.case.version, AuditEntry.objects.count()

    with pytest.raises(DomainError) as refused:  # pending is not approved
        move_to_filed(world)
    assert (refused.value.code, refused.value.message) == (
        "stage_gate",
        "The case can be filed only with an approved complaint. Submit the complaint for approval first.",
    )
    world.case.refresh_from_db()
    assert (world.case.stage_id, world.case.version, AuditEntry.objects.count()) == (stage, version, audits)

    services.document_approve(actor=p.legal_manager, request=request)
    moved = move_to_filed(world)

    assert moved.stage_id == "filed"
    assert AuditEntry.objects.filter(action="case.stage_changed", stream=f"case:{world.case.pk}").count() == 1


def test_an_approved_document_of_another_category_does_not_open_the_gate(world, settings):
    p = world.personas
    settings.DOCUMENTS_REQUIRE_APPROVED_COMPLAINT = True
    evidence = add_pdf(world.case, world.handler, title="Evidence", category="evidence")
    services.document_approve(actor=p.legal_manager, request=submit(world, evidence, [p.legal_manager]))
    with pytest.raises(DomainError) as refused:
        move_to_filed(world)
    assert refused.value.code == "stage_gate"


def test_without_the_policy_a_case_is_filed_without_a_complaint(world, settings):
    settings.DOCUMENTS_REQUIRE_APPROVED_COMPLAINT = False
    assert move_to_filed(world).stage_id == "filed"


def test_the_refusal_is_translated(world, settings):
    settings.DOCUMENTS_REQUIRE_APPROVED_COMPLAINT = True
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        move_to_filed(world)
    assert refused.value.message == "须有已审批的起诉状方可立案。请先提交起诉状审批。"


def test_the_case_stage_form_shows_the_gate_refusal_and_changes_nothing(client, world, settings):
    settings.DOCUMENTS_REQUIRE_APPROVED_COMPLAINT = True
    world.case.refresh_from_db()
    client.force_login(world.handler)
    before = counts()

    response = client.post(
        reverse("cases:case_stage", args=[world.case.pk]),
        {"stage": "filed", "version": world.case.version, "note": ""},
    )

    assert response.status_code == 200  # the form again, with the refusal
    assert (
        "The case can be filed only with an approved complaint. Submit the complaint for approval first."
        in response.content.decode()
    )
    assert counts() == before
    world.case.refresh_from_db()
    assert world.case.stage_id == "pre_litigation"


def test_my_approvals_runs_the_same_queries_for_one_or_many_waiting_steps(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    p = world.personas
    submit(world, complaint(world, "A"), [p.legal_manager])
    client.force_login(p.legal_manager)
    url = reverse("documents:approvals_mine")
    client.get(url)  # warm the session and the role
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for title in ("B", "C", "D"):
        submit(world, complaint(world, title), [p.legal_manager])
    submit(world, complaint(world, "E"), [p.administrator], actor=p.legal_manager)  # one of mine, still waiting
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(listed_steps(response.content.decode())) == 4
    assert len(many.captured_queries) == len(one.captured_queries)
