"""Resources: cases (open, change with the version: 409 stale, 428 missing), parties (masked; unmasked only
with personal_data.unmask and ?unmask=1, access-logged), loans and balance snapshots, users, report summary."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.cases.models import Case
from loanlit.cases.tests.views_support import build_case_world
from loanlit.loans import services as loan_services
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send(client: Client, method: str, url: str, data: dict, **headers):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json", **headers)


# --- cases ------------------------------------------------------------------------------------------------


def test_opening_a_case_through_the_api_uses_the_service(personas):
    world = build_case_world(personas)
    from loanlit.cases.tests import factories

    _party, loan = factories.borrower_loan(personas.creditor, personas.beijing, name="Li Si", seq=5)
    response = send(
        signed_in(personas.case_handler),
        "post",
        reverse("api:case-list"),
        {
            "creditor": personas.creditor.pk,
            "handling_unit": personas.beijing.pk,
            "cause_of_action": world.case.cause_of_action,
            "loans": [loan.pk],
            "handler": personas.case_handler.pk,
            "opened_on": "2026-11-30",
            "priority": "high",
            "tags": ["api"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(pk=body["id"])
    assert body["internal_no"] == case.internal_no == "BJ-2026-000002"
    assert body["opened_on"] == "2026-11-30"
    assert body["handler"] == personas.case_handler.pk
    assert body["priority"] == "high" and body["tags"] == ["api"]
    assert list(case.loans.values_list("pk", flat=True)) == [loan.pk]
    assert AuditEntry.objects.filter(action="case.opened", target_id=str(case.pk)).count() == 1


def test_opening_a_case_in_a_unit_outside_the_scope_is_403_and_writes_nothing(personas):
    world = build_case_world(personas)
    before = row_counts()
    response = send(
        signed_in(personas.case_handler),
        "post",
        reverse("api:case-list"),
        {
            "creditor": personas.creditor.pk,
            "handling_unit": personas.guangdong.pk,
            "cause_of_action": world.case.cause_of_action,
        },
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    response = send(
        signed_in(personas.case_handler),
        "post",
        reverse("api:case-list"),
        {"creditor": personas.other_creditor.pk, "handling_unit": personas.beijing.pk, "cause_of_action": "x"},
    )
    assert response.status_code == 403
    assert row_counts() == before


def test_a_loan_in_another_open_case_is_a_400_domain_error(personas):
    world = build_case_world(personas)
    response = send(
        signed_in(personas.case_handler),
        "post",
        reverse("api:case-list"),
        {
            "creditor": personas.creditor.pk,
            "handling_unit": personas.beijing.pk,
            "cause_of_action": world.case.cause_of_action,
            "loans": [world.loan.pk],
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "loan_in_open_case"


def test_patch_changes_the_case_with_the_version_read(personas):
    world = build_case_world(personas)
    case = Case.objects.get(pk=world.case.pk)
    url = reverse("api:case-detail", args=[case.pk])
    response = send(signed_in(personas.case_handler), "patch", url, {"version": case.version, "priority": "high"})
    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "high"
    assert response.json()["version"] == case.version + 1
    case.refresh_from_db()
    assert case.priority == "high"


def test_patch_with_a_stale_version_is_409_and_changes_nothing(personas):
    world = build_case_world(personas)
    case = Case.objects.get(pk=world.case.pk)
    url = reverse("api:case-detail", args=[case.pk])
    before = row_counts()
    response = send(signed_in(personas.case_handler), "patch", url, {"version": case.version - 1, "priority": "high"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    assert row_counts() == before
    case.refresh_from_db()
    assert case.priority == "normal"


def test_patch_without_a_version_is_428_and_if_match_works(personas):
    world = build_case_world(personas)
    case = Case.objects.get(pk=world.case.pk)
    url = reverse("api:case-detail", args=[case.pk])
    client = signed_in(personas.case_handler)
    response = send(client, "patch", url, {"priority": "high"})
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "version_required"
    response = send(client, "patch", url, {"tags": ["a", "b"]}, HTTP_IF_MATCH=f'"{case.version}"')
    assert response.status_code == 200
    assert response.json()["tags"] == ["a", "b"]


def test_a_viewer_who_may_not_edit_gets_403_on_patch(personas):
    world = build_case_world(personas)
    case = Case.objects.get(pk=world.case.pk)
    before = row_counts()
    response = send(
        signed_in(personas.read_only),
        "patch",
        reverse("api:case-detail", args=[case.pk]),
        {"version": case.version, "priority": "high"},
    )
    assert response.status_code == 403
    assert row_counts() == before


# --- parties ----------------------------------------------------------------------------------------------


def test_parties_are_masked_in_lists_and_details(personas):
    world = build_case_world(personas)
    client = signed_in(personas.read_only)
    plain = world.borrower.id_number.reveal()
    rows = client.get(reverse("api:party-list")).json()["results"]
    assert [row["id"] for row in rows] == [world.borrower.pk]
    assert rows[0]["id_number"] == world.borrower.id_number.masked != plain
    detail = client.get(reverse("api:party-detail", args=[world.borrower.pk])).json()
    assert detail["id_number"] == world.borrower.id_number.masked
    assert detail["unmasked"] is False
    assert detail["contacts"][0]["phone"] == "138****0001"
    assert plain not in json.dumps(detail)


def test_unmask_shows_the_numbers_to_a_holder_of_the_code_and_logs_the_read(personas):
    world = build_case_world(personas)
    client = signed_in(personas.case_handler)
    response = client.get(reverse("api:party-detail", args=[world.borrower.pk]) + "?unmask=1")
    assert response.status_code == 200
    body = response.json()
    assert body["id_number"] == world.borrower.id_number.reveal()
    assert body["contacts"][0]["phone"] == "13800130001"
    log = AccessLog.objects.get(action="personal_data.read")
    assert log.user_id == personas.case_handler.pk
    assert log.target_id == str(world.borrower.pk)
    assert log.detail == {"fields": ["id_number", "phone"], "via": "api"}


def test_unmask_without_the_code_is_403_and_logged_as_refused(personas):
    world = build_case_world(personas)
    response = signed_in(personas.read_only).get(reverse("api:party-detail", args=[world.borrower.pk]) + "?unmask=1")
    assert response.status_code == 403
    assert not AccessLog.objects.filter(action="personal_data.read").exists()
    assert AccessLog.objects.filter(action="denied", user_id=personas.read_only.pk).count() == 1


def test_parties_of_another_branch_or_creditor_are_404(personas):
    world = build_case_world(personas)
    for user in (personas.outsider_branch, personas.outsider_creditor, personas.external_lawyer):
        client = signed_in(user)
        assert client.get(reverse("api:party-detail", args=[world.borrower.pk])).status_code == 404
        assert client.get(reverse("api:party-list")).json()["results"] == []


# --- loans and snapshots ----------------------------------------------------------------------------------


def test_a_loan_and_its_balance_snapshots(personas):
    world = build_case_world(personas)
    for day, principal in ((dt.date(2026, 1, 31), "11000.00"), (dt.date(2026, 2, 28), "10500.50")):
        loan_services.balance_snapshot_add(
            actor=None,
            loan=world.loan,
            as_of=day,
            principal=Decimal(principal),
            interest_on_balance=Decimal("10.25"),
            penalty=Decimal("1.10"),
        )
    client = signed_in(personas.read_only)
    loan = client.get(reverse("api:loan-detail", args=[world.loan.pk])).json()
    assert loan["principal"] == "12000.00"
    assert loan["annual_rate"] == "4.350000"
    assert loan["days_past_due"] == 120
    assert loan["parties"] == [{"party": world.borrower.pk, "role": "borrower", "position": 0}]
    body = client.get(reverse("api:loan-snapshots", args=[world.loan.pk])).json()
    assert [(s["as_of"], s["principal"], s["total"]) for s in body["results"]] == [
        ("2026-02-28", "10500.50", "10511.85"),
        ("2026-01-31", "11000.00", "11011.35"),
    ]
    filtered = client.get(reverse("api:loan-snapshots", args=[world.loan.pk]) + "?as_of_from=2026-02-01").json()
    assert [s["as_of"] for s in filtered["results"]] == ["2026-02-28"]
    assert (
        signed_in(personas.outsider_branch).get(reverse("api:loan-snapshots", args=[world.loan.pk])).status_code == 404
    )


# --- users ------------------------------------------------------------------------------------------------


def test_users_are_those_of_the_callers_creditors_without_personal_fields(personas):
    client = signed_in(personas.case_handler)
    rows = client.get(reverse("api:user-list") + "?page_size=100").json()["results"]
    names = {row["username"] for row in rows}
    assert "outsider_creditor" not in names
    assert {"case_handler", "administrator", "outsider_branch"} <= names
    row = next(r for r in rows if r["username"] == "case_handler")
    assert set(row) == {"id", "username", "display_name", "display", "unit", "role", "creditors", "is_active"}
    assert row["role"] == "case_handler" and row["creditors"] == [personas.creditor.pk]
    assert client.get(reverse("api:user-detail", args=[personas.outsider_creditor.pk])).status_code == 404


# --- report summary ---------------------------------------------------------------------------------------


def test_the_report_summary_gives_the_dashboards_measures(personas):
    from loanlit.reports.services.facts import facts_refresh

    world = build_case_world(personas)
    facts_refresh(case_ids=[world.case.pk])
    client = signed_in(personas.legal_manager)
    body = client.get(reverse("api:report-summary")).json()
    assert body["totals"]["cases"] == 1
    assert body["totals"]["open_cases"] == 1
    assert body["totals"]["claim"] == "12345.67"
    assert body["currency"] == "CNY"
    assert body["breakdown"] is None
    by_stage = client.get(reverse("api:report-summary") + "?dimension=stage").json()
    assert [(b["key"], b["measures"]["cases"]) for b in by_stage["breakdown"]] == [("pre_litigation", 1)]
    narrowed = client.get(reverse("api:report-summary") + "?unit=" + str(personas.guangdong.pk)).json()
    assert narrowed["totals"]["cases"] == 0 and narrowed["filters"] == {"unit": str(personas.guangdong.pk)}


def test_the_report_summary_refuses_bad_filters_and_callers_without_reports_view(personas):
    client = signed_in(personas.legal_manager)
    response = client.get(reverse("api:report-summary") + "?period_from=2026-13&dimension=colour")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"period_from"}
    response = client.get(reverse("api:report-summary") + "?dimension=colour")
    assert set(response.json()["error"]["fields"]) == {"dimension"}
    assert signed_in(personas.read_only).get(reverse("api:report-summary")).status_code == 403
