"""Internal approval pages: request forms on the case, the inbox, deciding, policies; refusals write nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from loanlit.cases.models import CostEntry
from loanlit.cases.tests.views_support import build_case_world, text
from loanlit.workflow.models import ApprovalPolicy, DecisionRequest, DecisionStep
from loanlit.workflow.services import decisions
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return build_case_world(personas)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cost_policy(personas, min_amount="1000.00"):
    return decisions.approval_policy_create(
        actor=personas.administrator,
        kind="cost_payment",
        approver_roles=["legal_manager"],
        min_amount=Decimal(min_amount),
    )


COST_POST = {
    "kind": "acceptance_fee",
    "amount": "1000.00",
    "currency": "CNY",
    "payer": "creditor",
    "paid_on": "2026-01-12",
    "note": "",
    "reason": "fee notice",
}


def test_the_case_page_shows_the_panel_with_the_request_buttons(personas, world):
    page = text(_client(personas.case_handler).get(world.case.get_absolute_url()))
    assert 'id="case-decisions-panel"' in page
    assert reverse("workflow:decision_cost", args=[world.case.pk]) in page
    assert reverse("workflow:decision_withdrawal", args=[world.case.pk, world.proceeding.pk]) in page
    viewer = text(_client(personas.branch_manager).get(world.case.get_absolute_url()))
    assert 'id="case-decisions-panel"' in viewer and 'id="decision-buttons"' not in viewer


def test_paying_a_cost_above_the_threshold_sends_a_request_and_records_nothing(personas, world):
    _cost_policy(personas)
    client = _client(personas.case_handler)
    form = text(client.get(reverse("workflow:decision_cost", args=[world.case.pk])))
    assert 'id="approval-thresholds"' in form and "1,000.00" in form
    response = client.post(reverse("workflow:decision_cost", args=[world.case.pk]), COST_POST)
    request = DecisionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "workflow:decision_detail", args=[request.pk]
    )
    assert (request.state, request.amount, request.reason) == ("pending", Decimal("1000.00"), "fee notice")
    assert request.payload["amount"] == "1000.00" and request.payload["paid_on"] == "2026-01-12"
    assert CostEntry.objects.count() == 0
    # Below the threshold the cost is recorded at once.
    below = client.post(reverse("workflow:decision_cost", args=[world.case.pk]), {**COST_POST, "amount": "999.99"})
    assert below.status_code == 302
    assert list(CostEntry.objects.values_list("amount", flat=True)) == [Decimal("999.99")]
    assert DecisionRequest.objects.count() == 1


def test_the_approver_decides_on_the_page_and_the_cost_is_recorded(personas, world):
    _cost_policy(personas)
    _client(personas.case_handler).post(reverse("workflow:decision_cost", args=[world.case.pk]), COST_POST)
    request = DecisionRequest.objects.get()
    approver = _client(personas.legal_manager)
    inbox = text(approver.get(reverse("workflow:decision_inbox")))
    assert f'id="decision-{request.pk}"' in inbox
    detail = text(approver.get(reverse("workflow:decision_detail", args=[request.pk])))
    assert 'id="decision-form"' in detail
    # A rejection without a comment is refused on the form; nothing is written.
    before = row_counts()
    refused = approver.post(reverse("workflow:decision_decide", args=[request.pk]), {"decision": "reject"})
    assert refused.status_code == 400 and row_counts() == before
    done = approver.post(
        reverse("workflow:decision_decide", args=[request.pk]), {"decision": "approve", "comment": "ok"}
    )
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.state == "approved"
    assert list(CostEntry.objects.values_list("amount", flat=True)) == [Decimal("1000.00")]


def test_the_requester_and_other_viewers_cannot_decide_and_outsiders_get_404(personas, world):
    _cost_policy(personas)
    _client(personas.case_handler).post(reverse("workflow:decision_cost", args=[world.case.pk]), COST_POST)
    request = DecisionRequest.objects.get()
    url = reverse("workflow:decision_decide", args=[request.pk])
    for user, status in (
        (personas.case_handler, 403),
        (personas.branch_manager, 403),
        (personas.outsider_branch, 404),
        (personas.outsider_creditor, 404),
    ):
        before = row_counts()
        response = _client(user).post(url, {"decision": "approve", "comment": "x"})
        assert response.status_code == status, user
        assert row_counts() == before
    assert (
        _client(personas.outsider_branch).get(reverse("workflow:decision_detail", args=[request.pk])).status_code == 404
    )
    assert not DecisionStep.objects.filter(request=request).exclude(decision="").exists()
    assert CostEntry.objects.count() == 0


def test_the_requester_withdraws_on_the_page(personas, world):
    _cost_policy(personas)
    client = _client(personas.case_handler)
    client.post(reverse("workflow:decision_cost", args=[world.case.pk]), COST_POST)
    request = DecisionRequest.objects.get()
    assert 'id="withdraw-form"' in text(client.get(reverse("workflow:decision_detail", args=[request.pk])))
    assert client.post(reverse("workflow:decision_withdraw", args=[request.pk])).status_code == 302
    request.refresh_from_db()
    assert request.state == "withdrawn"


def test_filing_without_a_policy_moves_the_case_at_once(personas, world):
    response = _client(personas.case_handler).post(reverse("workflow:decision_file_suit", args=[world.case.pk]), {})
    assert response.status_code == 302
    world.case.refresh_from_db()
    assert world.case.stage_id == "filed" and DecisionRequest.objects.count() == 0


def test_policy_pages_need_the_permission_and_save_through_the_service(personas):
    url = reverse("workflow:decision_policy_create")
    data = {
        "kind": "file_suit",
        "creditor": "",
        "min_amount": "50000.00",
        "role_1": "legal_manager",
        "mode": "sequence",
    }
    before = row_counts()
    assert _client(personas.case_handler).post(url, data).status_code == 403
    assert row_counts() == before
    admin = _client(personas.administrator)
    assert admin.post(url, data).status_code == 302
    policy = ApprovalPolicy.objects.get()
    assert (policy.kind, policy.min_amount, policy.approver_roles) == (
        "file_suit",
        Decimal("50000.00"),
        ["legal_manager"],
    )
    listing = text(admin.get(reverse("workflow:decision_policy_list")))
    assert f'id="policy-{policy.pk}"' in listing and "50,000.00" in listing
    edit = reverse("workflow:decision_policy_edit", args=[policy.pk])
    changed = {**data, "min_amount": "60000.00", "role_2": "administrator", "is_active": "on", "version": "1"}
    assert admin.post(edit, changed).status_code == 302
    policy.refresh_from_db()
    assert (policy.min_amount, policy.approver_roles, policy.version) == (
        Decimal("60000.00"),
        ["legal_manager", "administrator"],
        2,
    )
    stale = admin.post(edit, {**changed, "min_amount": "1.00"})
    assert stale.status_code == 400
    policy.refresh_from_db()
    assert policy.min_amount == Decimal("60000.00")


# --- external lawyers never see the bank's internal decisions (fix4) ----------------------------------------


def _place_with_the_lawyers_firm(personas, case):
    from loanlit.cases import access
    from loanlit.cases import services as cases

    firm = cases.law_firm_create(actor=None, name="Lawyer Firm", creditors=[personas.creditor])
    cases.law_firm_member_add(actor=None, law_firm=firm, user=personas.external_lawyer)
    case.refresh_from_db()
    cases.case_place_with_firm(actor=None, case=case, law_firm=firm, version=case.version)
    case.refresh_from_db()
    assert access.can_view(personas.external_lawyer, case) and access.can_edit(personas.external_lawyer, case)
    return case


def test_the_lawyer_of_a_placed_case_sees_no_internal_approval_and_gets_404(personas, world):
    case = _place_with_the_lawyers_firm(personas, world.case)
    _cost_policy(personas)
    _client(personas.case_handler).post(reverse("workflow:decision_cost", args=[case.pk]), COST_POST)
    decision = DecisionRequest.objects.get()
    lawyer = _client(personas.external_lawyer)
    before = row_counts()
    for url in (
        reverse("workflow:decision_detail", args=[decision.pk]),
        reverse("workflow:decision_detail", args=[decision.pk + 1000]),  # a missing id answers the same
        reverse("workflow:decision_cost", args=[case.pk]),
        reverse("workflow:decision_file_suit", args=[case.pk]),
        reverse("workflow:decision_withdrawal", args=[case.pk, world.proceeding.pk]),
    ):
        assert lawyer.get(url).status_code == 404, url
    for url, data in (
        (reverse("workflow:decision_decide", args=[decision.pk]), {"decision": "approve", "comment": "x"}),
        (reverse("workflow:decision_withdraw", args=[decision.pk]), {}),
        (reverse("workflow:decision_cost", args=[case.pk]), {**COST_POST, "amount": "1.00"}),
        (reverse("workflow:decision_file_suit", args=[case.pk]), {"note": "", "reason": ""}),
        (reverse("workflow:decision_withdrawal", args=[case.pk, world.proceeding.pk]), {"result_on": "2026-01-12"}),
    ):
        assert lawyer.post(url, data).status_code == 404, url
    assert row_counts() == before
    assert CostEntry.objects.count() == 0 and DecisionRequest.objects.get().state == "pending"
    case.refresh_from_db()
    assert case.stage == world.case.stage
    # The case page shows no approvals panel to the lawyer; the inbox lists nothing of the bank's.
    page = text(lawyer.get(case.get_absolute_url()))
    assert 'id="case-decisions-panel"' not in page
    assert reverse("workflow:decision_detail", args=[decision.pk]) not in page
    # The inbox is not there for the lawyer at all (issue 10).
    assert lawyer.get(reverse("workflow:decision_inbox")).status_code == 404
    # Bank staff still see it all.
    assert (
        _client(personas.branch_manager).get(reverse("workflow:decision_detail", args=[decision.pk])).status_code == 200
    )
    assert 'id="case-decisions-panel"' in text(_client(personas.case_handler).get(case.get_absolute_url()))


def test_the_decision_selectors_answer_nothing_to_an_external_lawyer(personas, world):
    from django.http import Http404

    from loanlit.workflow import selectors_decisions as selectors

    case = _place_with_the_lawyers_firm(personas, world.case)
    _cost_policy(personas)
    _client(personas.case_handler).post(reverse("workflow:decision_cost", args=[case.pk]), COST_POST)
    lawyer = personas.external_lawyer
    assert selectors.may_see_decisions(lawyer) is False
    assert selectors.decision_requests_visible_to(lawyer).count() == 0
    assert selectors.decision_requests_waiting_for(user=lawyer) == []
    with pytest.raises(Http404):
        selectors.case_decision_requests(user=lawyer, case=case)
    assert selectors.decision_requests_visible_to(personas.read_only).count() == 1


# --- deactivating a policy checks the version (fix4) ---------------------------------------------------------


def test_deactivating_a_policy_needs_the_version_it_was_seen_at(personas):
    policy = _cost_policy(personas)
    decisions.approval_policy_update(
        actor=personas.administrator,
        policy=policy,
        version=1,
        approver_roles=["legal_manager"],
        min_amount=Decimal("2000.00"),
        mode="sequence",
    )
    policy.refresh_from_db()
    assert policy.version == 2
    admin = _client(personas.administrator)
    url = reverse("workflow:decision_policy_deactivate", args=[policy.pk])
    edit_page = text(admin.get(reverse("workflow:decision_policy_edit", args=[policy.pk])))
    assert 'name="version" value="2"' in edit_page
    before = row_counts()
    for data in ({}, {"version": "abc"}, {"version": "-1"}, {"version": "9" * 40}):
        response = admin.post(url, data)
        assert response.status_code == 400, data
        assert 'id="policy-error"' in text(response)
    stale = admin.post(url, {"version": "1"})  # opened before the other change
    assert stale.status_code == 409
    assert 'id="policy-error"' in text(stale) and f'id="policy-{policy.pk}"' in text(stale)
    assert row_counts() == before
    policy.refresh_from_db()
    assert (policy.is_active, policy.version) == (True, 2)
    done = admin.post(url, {"version": "2"})
    assert done.status_code == 302 and done["Location"] == reverse("workflow:decision_policy_list")
    policy.refresh_from_db()
    assert (policy.is_active, policy.version) == (False, 3)


def test_the_deactivate_service_refuses_a_stale_version(personas):
    from loanlit.core.errors import StaleVersionError

    policy = _cost_policy(personas)
    before = row_counts()
    with pytest.raises(StaleVersionError):
        decisions.approval_policy_deactivate(actor=personas.administrator, policy=policy, version=7)
    assert row_counts() == before
    policy.refresh_from_db()
    assert (policy.is_active, policy.version) == (True, 1)
