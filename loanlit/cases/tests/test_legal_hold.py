"""Legal hold on a case (issue 10): services, the case-page panel and its forms, who may use them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Case, CaseEvent
from loanlit.cases.services import retention
from loanlit.cases.tests.views_support import text
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError

pytestmark = pytest.mark.django_db


def _writes(case: Case) -> tuple[int, int, bool]:
    return (
        AuditEntry.objects.count(),
        CaseEvent.objects.filter(case=case).count(),
        Case.objects.get(pk=case.pk).legal_hold,
    )


def test_a_legal_manager_places_a_hold_from_the_case_page(client, world):
    client.force_login(world.personas.legal_manager)
    url = reverse("cases:legal_hold_set", args=[world.case.pk])
    response = client.post(url, {"version": world.case.version, "reason": "  Regulator   inquiry 2026-17 "})
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case.pk)
    assert (case.legal_hold, case.legal_hold_reason, case.version) == (
        True,
        "Regulator inquiry 2026-17",
        world.case.version + 1,
    )
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.LEGAL_HOLD_SET)
    assert event.actor == world.personas.legal_manager and event.params == {}
    entry = AuditEntry.objects.get(action="case.legal_hold_set")
    assert entry.stream == f"case:{case.pk}"
    assert entry.changes == {"legal_hold": [False, True], "reason": "Regulator inquiry 2026-17"}
    page = text(client.get(case.get_absolute_url()))
    assert 'id="case-retention-panel"' in page and "Regulator inquiry 2026-17" in page
    assert reverse("cases:legal_hold_release", args=[case.pk]) in page


def test_releasing_the_hold_is_audited_with_the_old_reason(client, world):
    case = retention.case_legal_hold_set(actor=None, case=world.case, reason="Pending appeal")
    client.force_login(world.personas.administrator)
    url = reverse("cases:legal_hold_release", args=[case.pk])
    assert "Pending appeal" in text(client.get(url))
    assert client.post(url, {"version": case.version}).status_code == 302
    case.refresh_from_db()
    assert (case.legal_hold, case.legal_hold_reason) == (False, "")
    assert CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.LEGAL_HOLD_RELEASED).count() == 1
    assert AuditEntry.objects.get(action="case.legal_hold_released").changes == {
        "legal_hold": [True, False],
        "reason": "Pending appeal",
    }


def test_an_empty_reason_is_a_form_error_and_writes_nothing(client, world):
    client.force_login(world.personas.legal_manager)
    before = _writes(world.case)
    response = client.post(
        reverse("cases:legal_hold_set", args=[world.case.pk]), {"version": world.case.version, "reason": "   "}
    )
    assert response.status_code == 200
    assert "This field is required." in text(response)
    assert _writes(world.case) == before


def test_a_stale_form_gets_409_and_writes_nothing(client, world):
    client.force_login(world.personas.legal_manager)
    before = _writes(world.case)
    response = client.post(
        reverse("cases:legal_hold_set", args=[world.case.pk]), {"version": world.case.version - 1 or 99, "reason": "x"}
    )
    assert response.status_code == 409
    assert _writes(world.case) == before


@pytest.mark.parametrize("persona, status", [("case_handler", 403), ("auditor", 403), ("outsider_branch", 404)])
def test_a_user_without_retention_manage_cannot_place_or_release_a_hold(client, world, persona, status):
    held = Case.objects.get(pk=world.case.pk)
    client.force_login(getattr(world.personas, persona))
    before = _writes(held)
    for name, data in (
        ("cases:legal_hold_set", {"version": held.version, "reason": "no"}),
        ("cases:legal_hold_release", {"version": held.version}),
    ):
        url = reverse(name, args=[held.pk])
        assert client.get(url).status_code == status
        assert client.post(url, data).status_code == status
    assert _writes(held) == before


def test_the_retention_panel_is_shown_only_to_retention_managers(client, world, settings):
    client.force_login(world.personas.case_handler)
    assert 'id="case-retention-panel"' not in text(client.get(world.case.get_absolute_url()))
    client.force_login(world.personas.legal_manager)
    page = text(client.get(world.case.get_absolute_url()))
    assert 'id="case-retention-panel"' in page
    assert "No legal hold. Anonymisation of archived cases is off." in page
    assert reverse("cases:legal_hold_set", args=[world.case.pk]) in page
    settings.CASE_ANONYMISE_AFTER_DAYS = 3650
    page = text(client.get(world.case.get_absolute_url()))
    assert "No legal hold. Once archived, personal data is anonymised after 3650 days." in page


def test_the_services_refuse_a_second_hold_a_release_without_hold_and_an_outsider(world):
    personas = world.personas
    with pytest.raises(PermissionDeniedError):
        retention.case_legal_hold_set(actor=personas.case_handler, case=world.case, reason="x")
    with pytest.raises(PermissionDeniedError):
        retention.case_legal_hold_set(actor=personas.outsider_creditor, case=world.case, reason="x")
    with pytest.raises(DomainError):
        retention.case_legal_hold_release(actor=personas.legal_manager, case=world.case)
    case = retention.case_legal_hold_set(actor=personas.legal_manager, case=world.case, reason="x")
    with pytest.raises(DomainError):
        retention.case_legal_hold_set(actor=personas.legal_manager, case=case, reason="y")
    with pytest.raises(StaleVersionError):
        retention.case_legal_hold_release(actor=personas.legal_manager, case=case, version=case.version - 1)
    with pytest.raises(DomainError):
        retention.case_legal_hold_set(actor=None, case=world.case, reason="x" * 201)
