"""Settlement pages: the case panel, the create form with its schedule preview, the plan page, cancel and
re-match; out of scope is 404, a viewer gets 403, and a refused or invalid request writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.tests.views_support import build_case_world, text
from loanlit.workflow.models import SettlementInstalment, SettlementPayment, SettlementPlan
from loanlit.workflow.services import settlements as services

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def english(client, settings, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    return build_case_world(personas)


def form_data(**overrides):
    data = {
        "phase": "in_court",
        "agreed_on": "2026-01-20",
        "total": "10,000.00",
        "mode": "equal",
        "count": "3",
        "first_due": "2026-01-31",
        "interval_months": "1",
        "instalments": "",
        "waived_interest": "",
        "waived_penalty": "",
        "waived_fees": "",
        "grace_days": "5",
        "note": "",
    }
    data.update(overrides)
    return data


def make_plan(world):
    return services.settlement_create(
        actor=None,
        case=world.case,
        phase="in_court",
        agreed_on=dt.date(2026, 1, 20),
        total=D("10000.00"),
        count=3,
        first_due=dt.date(2026, 1, 31),
        grace_days=5,
    )


def add_url(world):
    return reverse("workflow:settlement_add", args=[world.case.pk])


def test_the_case_page_shows_the_settlements_panel_with_a_link_to_a_new_plan(client, world):
    plan = make_plan(world)
    client.force_login(world.personas.case_handler)
    page = text(client.get(world.case.get_absolute_url()))
    assert 'id="case-settlements-panel"' in page
    assert f'href="{add_url(world)}"' in page
    assert f'href="{reverse("workflow:settlement_detail", args=[plan.pk])}"' in page
    assert "CNY 0.00 / 10,000.00" in page


def test_a_viewer_sees_the_panel_without_the_new_plan_link(client, world):
    make_plan(world)
    client.force_login(world.personas.read_only)
    page = text(client.get(world.case.get_absolute_url()))
    assert 'id="case-settlements-panel"' in page
    assert 'id="add-settlement"' not in page


def test_the_preview_shows_the_exact_schedule_and_writes_nothing(client, world):
    client.force_login(world.personas.case_handler)
    before = AuditEntry.objects.count()
    response = client.post(add_url(world), {**form_data(), "preview": "1"})
    assert response.status_code == 200
    page = text(response)
    assert 'id="schedule-preview-table"' in page
    for due, amount in (("2026-01-31", "3,333.33"), ("2026-02-28", "3,333.33"), ("2026-03-31", "3,333.34")):
        assert f'<td>{due}</td> <td class="text-end money">{amount}</td>' in page
    assert "10,000.00" in page
    assert not SettlementPlan.objects.exists()
    assert AuditEntry.objects.count() == before


def test_the_preview_explains_a_schedule_that_does_not_add_up(client, world):
    client.force_login(world.personas.case_handler)
    data = form_data(mode="given", instalments="2026-02-01 4000.00\n2026-03-01 5999.99")
    page = text(client.post(add_url(world), {**data, "preview": "1"}))
    assert "The instalments add up to 9,999.99, not the amount to pay (10,000.00)." in page
    assert not SettlementPlan.objects.exists()


def test_creating_a_plan_redirects_to_its_page_with_the_instalments(client, world):
    client.force_login(world.personas.case_handler)
    response = client.post(add_url(world), form_data(mode="given", instalments="2026-02-01 4000.00\n2026-03-01 6,000"))
    plan = SettlementPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:settlement_detail", args=[plan.pk])
    assert (plan.status, plan.created_by, plan.grace_days) == ("active", world.personas.case_handler, 5)
    assert list(plan.instalments.values_list("due_on", "amount")) == [
        (dt.date(2026, 2, 1), D("4000.00")),
        (dt.date(2026, 3, 1), D("6000.00")),
    ]
    page = text(client.get(response["Location"]))
    assert 'id="plan-status">Active' in page
    assert "<td>2026-03-01</td>" in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"count": ""}, "Enter the number of instalments."),
        ({"mode": "given"}, "Enter at least one instalment."),
        ({"mode": "given", "instalments": "tomorrow 100"}, "Line 1 is not a date and an amount: tomorrow 100"),
        ({"total": "12.345"}, ""),
        ({"first_due": "2026-01-10"}, "The first instalment cannot fall due before the settlement was agreed."),
    ],
)
def test_an_invalid_plan_is_shown_again_with_the_reason_and_nothing_is_written(client, world, overrides, message):
    client.force_login(world.personas.case_handler)
    before = AuditEntry.objects.count()
    response = client.post(add_url(world), form_data(**overrides))
    assert response.status_code == 200
    if message:
        assert message in text(response)
    assert not SettlementPlan.objects.exists()
    assert not SettlementInstalment.objects.exists()
    assert AuditEntry.objects.count() == before


def test_the_plan_page_shows_paid_amounts_and_matched_payments(client, world):
    plan = make_plan(world)
    cases.recovery_record(
        actor=None, case=world.case, received_on=dt.date(2026, 1, 30), amount=D("5000.00"), source="borrower_payment"
    )
    client.force_login(world.personas.read_only)
    page = text(client.get(reverse("workflow:settlement_detail", args=[plan.pk])))
    assert 'id="plan-paid">5,000.00' in page
    assert 'id="plan-outstanding">5,000.00' in page
    assert "Partly paid" in page
    assert 'id="payments"' in page and "1,666.67" in page
    assert 'id="match-button"' not in page and 'id="cancel-link"' not in page


def test_matching_again_by_hand_redirects_with_what_was_matched(client, world):
    plan = make_plan(world)
    client.force_login(world.personas.case_handler)
    response = client.post(reverse("workflow:settlement_match", args=[plan.pk]))
    assert response.status_code == 302
    assert not SettlementPayment.objects.exists()


def test_cancelling_through_the_page_needs_a_reason_and_the_current_version(client, world):
    plan = make_plan(world)
    url = reverse("workflow:settlement_cancel", args=[plan.pk])
    client.force_login(world.personas.case_handler)
    assert client.post(url, {"version": plan.version, "reason": ""}).status_code == 200
    stale = client.post(url, {"version": plan.version - 1 or 99, "reason": "Renegotiated"})
    assert stale.status_code == 409
    plan.refresh_from_db()
    assert plan.status == "active"
    response = client.post(url, {"version": plan.version, "reason": "Renegotiated"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "cancelled"


def test_outsiders_get_404_and_viewers_403_and_nothing_is_written(client, world):
    plan = make_plan(world)
    before = (AuditEntry.objects.count(), SettlementPlan.objects.count(), plan.version)
    urls = [
        ("get", add_url(world)),
        ("post", add_url(world)),
        ("post", reverse("workflow:settlement_cancel", args=[plan.pk])),
        ("post", reverse("workflow:settlement_match", args=[plan.pk])),
    ]
    for persona, status in (("outsider_branch", 404), ("outsider_creditor", 404), ("read_only", 403)):
        client.force_login(getattr(world.personas, persona))
        for method, url in urls:
            data = form_data() if url == add_url(world) else {"version": plan.version, "reason": "x"}
            assert getattr(client, method)(url, data if method == "post" else None).status_code == status, (
                persona,
                url,
            )
        detail = client.get(reverse("workflow:settlement_detail", args=[plan.pk])).status_code
        assert detail == (404 if status == 404 else 200)
    plan.refresh_from_db()
    assert (AuditEntry.objects.count(), SettlementPlan.objects.count(), plan.version) == before
    assert plan.status == "active"


def test_the_plan_page_links_the_breach_task(client, world):
    plan = make_plan(world)
    services.settlements_check_breaches(today=dt.date(2026, 2, 6))
    task = world.case.tasks.get(source_key=f"settlement:{plan.pk}:breach:1")
    client.force_login(world.personas.case_handler)
    page = text(client.get(reverse("workflow:settlement_detail", args=[plan.pk])))
    assert 'id="plan-breached-on">2026-02-06' in page
    assert f'href="{reverse("workflow:task_detail", args=[task.pk])}">Resume the suit' in page
    assert task.due_on == dt.date(2026, 2, 13)


def test_a_plan_awaiting_approval_links_its_request(client, world):
    from loanlit.workflow.models import ApprovalPolicy

    ApprovalPolicy.objects.create(kind="settlement", min_amount=D("0.00"), approver_roles=["legal_manager"])
    client.force_login(world.personas.case_handler)
    response = client.post(add_url(world), form_data(waived_interest="300.00"))
    plan = SettlementPlan.objects.get()
    assert (plan.status, response.status_code) == ("awaiting_approval", 302)
    page = text(client.get(response["Location"]))
    assert f'href="{reverse("workflow:decision_detail", args=[plan.decision_id])}">Pending' in page


# --- one home for a settlement in enforcement ------------------------------------------------------------


@pytest.fixture
def enforced(personas):
    from loanlit.enforcement.tests.support import apply, build_world

    world = build_world(personas)
    apply(world)
    return world


def test_the_form_offers_only_the_phases_before_suit_and_in_court(client, world):
    client.force_login(world.personas.case_handler)
    page = text(client.get(add_url(world)))
    assert '<option value="before_suit"' in page
    assert '<option value="in_court" selected' in page
    assert 'value="enforcement"' not in page


def test_a_posted_enforcement_phase_is_refused_and_nothing_is_written(client, world):
    client.force_login(world.personas.case_handler)
    before = AuditEntry.objects.count()
    response = client.post(add_url(world), form_data(phase="enforcement"))
    assert response.status_code == 200
    assert "Select a valid choice. enforcement is not one of the available choices." in text(response)
    assert not SettlementPlan.objects.exists()
    assert AuditEntry.objects.count() == before


def test_a_case_in_enforcement_is_sent_to_the_enforcement_settlement_form(client, enforced):
    client.force_login(enforced.personas.case_handler)
    url = reverse("workflow:settlement_add", args=[enforced.case.pk])
    enforcement_url = reverse("enforcement:settlement_add", args=[enforced.case.pk])
    page = text(client.get(url))
    assert f'href="{enforcement_url}" id="enforcement-settlement-link"' in page
    assert 'id="entity-form"' not in page
    before = AuditEntry.objects.count()
    response = client.post(url, form_data(agreed_on="2025-05-01", first_due="2025-06-01"))
    assert response.status_code == 200
    assert 'id="enforcement-settlement-link"' in text(response)
    assert not SettlementPlan.objects.exists()
    assert AuditEntry.objects.count() == before
    panel = text(client.get(enforced.case.get_absolute_url()))
    assert f'href="{enforcement_url}" id="add-enforcement-settlement"' in panel
    assert 'id="add-settlement"' not in panel
