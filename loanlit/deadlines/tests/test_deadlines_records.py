"""Pages that record what starts deadlines: fee notices and measures on a case, collection actions on a loan."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.cases.models import CaseEvent
from loanlit.deadlines.models import CollectionAction, Deadline
from loanlit.deadlines.services import monitors_refresh

from .support import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # pages answer in English, like the assertions
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    return build_world(personas)


@pytest.fixture
def unsued_loan(personas):
    from loanlit.cases.tests import factories

    _borrower, loan = factories.borrower_loan(
        personas.creditor, personas.beijing, name="Wang Wu", seq=7, maturity=dt.date(2024, 3, 20)
    )
    monitors_refresh(loans=[loan])
    return loan


def _counts(case_id=None, loan_id=None) -> tuple[int, int, int]:
    return (
        Deadline.objects.count(),
        CaseEvent.objects.count() if case_id is None else CaseEvent.objects.filter(case_id=case_id).count(),
        CollectionAction.objects.count(),
    )


# --- fee notice -----------------------------------------------------------------------------------


def test_a_fee_notice_recorded_on_the_page_gives_seven_days_to_pay(client, personas, world):
    client.force_login(personas.case_handler)
    with time_machine.travel(dt.datetime(2026, 2, 10, 9, 0), tick=False):
        page = client.get(reverse("deadlines:case", args=[world.case.pk]))
        assert page.status_code == 200 and 'id="form-fee-notice"' in page.content.decode()
        response = client.post(
            reverse("deadlines:fee_notice_add", args=[world.case.pk]),
            {"fee-received_on": "2026-02-10", "fee-proceeding": world.proceeding.pk},
        )
    assert response.status_code == 302 and response["Location"] == reverse("deadlines:case", args=[world.case.pk])
    fee = Deadline.objects.get(case=world.case, kind=Deadline.Kind.FEE_PAYMENT)
    # Seven days end on 2026-02-17, inside the Spring Festival holiday → the next working day, 2026-02-24.
    assert (fee.start, fee.nominal_end, fee.due_on, fee.proceeding_id) == (
        dt.date(2026, 2, 10),
        dt.date(2026, 2, 17),
        dt.date(2026, 2, 24),
        world.proceeding.pk,
    )
    assert fee.responsible_id == personas.case_handler.pk
    listed = client.get(reverse("deadlines:case", args=[world.case.pk])).content.decode()
    assert "2026-02-24" in listed and "Pay court fees" in listed


def test_a_fee_notice_dated_in_the_future_is_refused_with_a_message(client, personas, world):
    client.force_login(personas.case_handler)
    before = _counts(world.case.pk)
    with time_machine.travel(dt.datetime(2026, 2, 10, 9, 0), tick=False):
        response = client.post(
            reverse("deadlines:fee_notice_add", args=[world.case.pk]), {"fee-received_on": "2026-02-11"}
        )
    assert response.status_code == 400
    assert "The date cannot be in the future." in response.content.decode()
    assert _counts(world.case.pk) == before


def test_a_fee_notice_with_another_cases_proceeding_or_a_garbled_date_is_refused(client, personas, world):
    other = build_world(personas, seq=2)
    client.force_login(personas.case_handler)
    before = _counts()
    url = reverse("deadlines:fee_notice_add", args=[world.case.pk])
    foreign = client.post(url, {"fee-received_on": "2025-09-01", "fee-proceeding": other.proceeding.pk})
    garbled = client.post(url, {"fee-received_on": "2025-13-45"})
    assert (foreign.status_code, garbled.status_code) == (400, 400)
    assert foreign.context["fee_form"].errors["proceeding"]
    assert garbled.context["fee_form"].errors["received_on"] == ["Enter a valid date."]
    assert _counts() == before


# --- preservation / seizure measure ------------------------------------------------------------------


def test_a_pre_suit_deposit_freeze_recorded_on_the_page_gives_expiry_renewal_and_thirty_days(client, personas, world):
    client.force_login(personas.case_handler)
    with time_machine.travel(dt.datetime(2025, 6, 5, 9, 0), tick=False):
        response = client.post(
            reverse("deadlines:measure_add", args=[world.case.pk]),
            {
                "measure-kind": "preservation",
                "measure-took_effect_on": "2025-06-03",
                "measure-asset_type": "deposit",
                "measure-pre_suit": "on",
            },
        )
    assert response.status_code == 302
    due = dict(
        Deadline.objects.filter(case=world.case, source_key__startswith="measure:").values_list("kind", "due_on")
    )
    assert due == {
        Deadline.Kind.PRESERVATION_EXPIRY: dt.date(2026, 6, 3),
        Deadline.Kind.PRESERVATION_RENEWAL: dt.date(2026, 5, 27),  # at least 7 days before expiry
        Deadline.Kind.SUE_AFTER_PRESERVATION: dt.date(2025, 7, 3),
    }
    event = CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.PRESERVATION_EFFECTIVE).get()
    assert (event.happened_on, event.params["asset_type"], event.params["pre_suit"]) == (
        dt.date(2025, 6, 3),
        "deposit",
        True,
    )


def test_a_real_estate_seizure_without_pre_suit_gives_three_years_and_no_deadline_to_sue(client, personas, world):
    client.force_login(personas.case_handler)
    with time_machine.travel(dt.datetime(2025, 6, 5, 9, 0), tick=False):
        response = client.post(
            reverse("deadlines:measure_add", args=[world.case.pk]),
            {"measure-kind": "seizure", "measure-took_effect_on": "2025-06-04", "measure-asset_type": "real_estate"},
        )
    assert response.status_code == 302
    kinds = dict(
        Deadline.objects.filter(case=world.case, source_key__startswith="measure:").values_list("kind", "due_on")
    )
    assert kinds == {
        Deadline.Kind.PRESERVATION_EXPIRY: dt.date(2028, 6, 5),  # 2028-06-04 is a Sunday
        # Seven days before 2028-06-04 is Sunday 2028-05-28: applying early, the working day before, Friday.
        Deadline.Kind.PRESERVATION_RENEWAL: dt.date(2028, 5, 26),
    }


def test_an_unknown_asset_type_or_measure_kind_is_refused_and_nothing_is_written(client, personas, world):
    client.force_login(personas.case_handler)
    before = _counts(world.case.pk)
    response = client.post(
        reverse("deadlines:measure_add", args=[world.case.pk]),
        {"measure-kind": "arrest", "measure-took_effect_on": "2025-06-03", "measure-asset_type": "boat"},
    )
    assert response.status_code == 400
    errors = response.context["measure_form"].errors
    assert set(errors) == {"kind", "asset_type"}
    assert _counts(world.case.pk) == before


def test_a_closed_case_shows_no_record_forms_and_refuses_a_measure(client, personas, world):
    from loanlit.cases.models import Case

    client.force_login(personas.case_handler)
    case = world.case
    Case.objects.filter(pk=case.pk).update(is_closed=True, outcome=Case.Outcome.SETTLED)
    page = client.get(reverse("deadlines:case", args=[case.pk])).content.decode()
    assert 'id="form-measure"' not in page
    before = _counts(case.pk)
    response = client.post(
        reverse("deadlines:measure_add", args=[case.pk]),
        {"measure-kind": "seizure", "measure-took_effect_on": "2025-06-04", "measure-asset_type": "movable"},
    )
    assert response.status_code == 400
    assert "This case is closed." in response.content.decode()
    assert _counts(case.pk) == before


# --- access ---------------------------------------------------------------------------------------


CASE_POSTS = (
    ("deadlines:fee_notice_add", {"fee-received_on": "2025-09-01"}),
    (
        "deadlines:measure_add",
        {"measure-kind": "seizure", "measure-took_effect_on": "2025-06-04", "measure-asset_type": "movable"},
    ),
)


@pytest.mark.parametrize("persona", ["outsider_branch", "outsider_creditor", "external_lawyer"])
def test_outsiders_get_404_on_the_case_forms_and_nothing_is_written(client, personas, world, persona):
    client.force_login(getattr(personas, persona))
    before, audit_before = _counts(), AuditEntry.objects.count()
    assert client.get(reverse("deadlines:case", args=[world.case.pk])).status_code == 404
    for name, data in CASE_POSTS:
        assert client.post(reverse(name, args=[world.case.pk]), data).status_code == 404
    assert (_counts(), AuditEntry.objects.count()) == (before, audit_before)


@pytest.mark.parametrize("persona", ["read_only", "branch_manager", "auditor"])
def test_viewers_without_cases_edit_see_no_forms_get_403_and_nothing_is_written(client, personas, world, persona):
    client.force_login(getattr(personas, persona))
    page = client.get(reverse("deadlines:case", args=[world.case.pk]))
    assert page.status_code == 200 and 'id="form-fee-notice"' not in page.content.decode()
    before, audit_before = _counts(), AuditEntry.objects.count()
    for name, data in CASE_POSTS:
        assert client.post(reverse(name, args=[world.case.pk]), data).status_code == 403
    assert (_counts(), AuditEntry.objects.count()) == (before, audit_before)
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, detail__reason="case.edit").count() == 2


def test_the_record_urls_answer_405_to_get(client, personas, world, unsued_loan):
    client.force_login(personas.case_handler)
    for name in ("deadlines:fee_notice_add", "deadlines:measure_add"):
        assert client.get(reverse(name, args=[world.case.pk])).status_code == 405
    assert client.get(reverse("deadlines:collection_action_add", args=[unsued_loan.pk])).status_code == 405


# --- collection actions on a loan --------------------------------------------------------------------


def test_the_loan_page_lists_the_limitation_monitor(client, personas, unsued_loan):
    client.force_login(personas.case_handler)
    response = client.get(reverse("deadlines:loan", args=[unsued_loan.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Limitation period" in body and "2027-03-22" in body  # 2027-03-20 is a Saturday
    assert 'id="form-collection"' in body
    assert "Wang Wu" not in body


def test_an_interrupting_collection_action_recorded_on_the_page_restarts_limitation(client, personas, unsued_loan):
    client.force_login(personas.case_handler)
    with time_machine.travel(dt.datetime(2025, 5, 6, 9, 0), tick=False):
        response = client.post(
            reverse("deadlines:collection_action_add", args=[unsued_loan.pk]),
            {
                "acted_on": "2025-05-06",
                "method": "lawyer_letter",
                "proof": "EMS 1234 signed",
                "interrupts_limitation": "on",
            },
        )
    assert response.status_code == 302 and response["Location"] == reverse("deadlines:loan", args=[unsued_loan.pk])
    action = CollectionAction.objects.get(loan=unsued_loan)
    assert (action.acted_on, action.method, action.proof, action.interrupts_limitation, action.recorded_by_id) == (
        dt.date(2025, 5, 6),
        "lawyer_letter",
        "EMS 1234 signed",
        True,
        personas.case_handler.pk,
    )
    limitation = Deadline.objects.get(loan=unsued_loan, kind=Deadline.Kind.LIMITATION)
    assert (limitation.start, limitation.nominal_end, limitation.due_on) == (
        dt.date(2025, 5, 6),
        dt.date(2028, 5, 6),
        dt.date(2028, 5, 8),  # 2028-05-06 is a Saturday; 2028 has no holiday data, so it is provisional
    )
    page = client.get(reverse("deadlines:loan", args=[unsued_loan.pk])).content.decode()
    assert "EMS 1234 signed" in page and "2025-05-06" in page


def test_a_collection_action_that_claims_to_interrupt_without_proof_is_refused(client, personas, unsued_loan):
    client.force_login(personas.case_handler)
    limitation = Deadline.objects.get(loan=unsued_loan, kind=Deadline.Kind.LIMITATION)
    before = (_counts(), AuditEntry.objects.count())
    with time_machine.travel(dt.datetime(2025, 5, 6, 9, 0), tick=False):
        missing = client.post(
            reverse("deadlines:collection_action_add", args=[unsued_loan.pk]),
            {"acted_on": "2025-05-06", "method": "sms", "interrupts_limitation": "on"},
        )
        future = client.post(
            reverse("deadlines:collection_action_add", args=[unsued_loan.pk]),
            {"acted_on": "2025-05-07", "method": "sms"},
        )
    assert (missing.status_code, future.status_code) == (400, 400)
    assert missing.context["form"].errors["proof"] == [
        "Describe the proof: an interruption of limitation must be proven."
    ]
    assert future.context["form"].errors["acted_on"] == ["The date cannot be in the future."]
    assert (_counts(), AuditEntry.objects.count()) == before
    limitation.refresh_from_db()
    assert limitation.start == dt.date(2024, 3, 20)


@pytest.mark.parametrize("persona", ["outsider_branch", "outsider_creditor", "external_lawyer"])
def test_outsiders_get_404_on_the_loan_page_and_nothing_is_written(client, personas, unsued_loan, persona):
    client.force_login(getattr(personas, persona))
    before, audit_before = _counts(), AuditEntry.objects.count()
    assert client.get(reverse("deadlines:loan", args=[unsued_loan.pk])).status_code == 404
    response = client.post(
        reverse("deadlines:collection_action_add", args=[unsued_loan.pk]), {"acted_on": "2025-05-06", "method": "sms"}
    )
    assert response.status_code == 404
    assert (_counts(), AuditEntry.objects.count()) == (before, audit_before)


def test_a_read_only_viewer_sees_the_monitors_but_gets_403_when_logging_collection(client, personas, unsued_loan):
    client.force_login(personas.read_only)
    page = client.get(reverse("deadlines:loan", args=[unsued_loan.pk]))
    assert page.status_code == 200 and 'id="form-collection"' not in page.content.decode()
    before, audit_before = _counts(), AuditEntry.objects.count()
    response = client.post(
        reverse("deadlines:collection_action_add", args=[unsued_loan.pk]), {"acted_on": "2025-05-06", "method": "sms"}
    )
    assert response.status_code == 403
    assert (_counts(), AuditEntry.objects.count()) == (before, audit_before)


def test_the_loan_snippet_links_to_the_monitors_page(personas, unsued_loan):
    from django.template import RequestContext, Template
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = personas.case_handler
    html = Template("{% load deadline_tags %}{% loan_monitors loan %}").render(
        RequestContext(request, {"loan": unsued_loan})
    )
    assert reverse("deadlines:loan", args=[unsued_loan.pk]) in html and "2027-03-22" in html


# --- navigation -----------------------------------------------------------------------------------


def test_the_list_page_links_to_the_reminder_settings_for_managers_and_to_the_feed_for_everyone(client, personas):
    client.force_login(personas.legal_manager)
    manager = client.get(reverse("deadlines:list")).content.decode()
    for name in ("reminder_policy_list", "robot_list", "reminder_log", "ics_feed_settings", "calendar"):
        assert f'href="{reverse("deadlines:" + name)}"' in manager
    client.force_login(personas.case_handler)
    handler = client.get(reverse("deadlines:list")).content.decode()
    assert f'href="{reverse("deadlines:ics_feed_settings")}"' in handler
    assert reverse("deadlines:reminder_policy_list") not in handler
    feed = client.get(reverse("deadlines:ics_feed_settings")).content.decode()
    assert (
        'class="nav-link active" aria-current="page" href="{}"'.format(reverse("deadlines:ics_feed_settings")) in feed
    )
