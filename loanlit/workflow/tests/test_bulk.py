"""Bulk stage change and bulk reassignment: each case through its one home, audited and on its timeline, a
refused case not stopping the others, cases outside the scope reported as not found and never touched."""

from __future__ import annotations

import pytest
from django.urls import reverse

from loanlit.audit.models import AuditEntry
from loanlit.cases import services as cases
from loanlit.cases.models import CaseEvent
from loanlit.core.errors import PermissionDeniedError
from loanlit.documents.tests.support import add_pdf
from loanlit.workflow.models import CaseWorkflow, Task
from loanlit.workflow.services import bulk
from loanlit.workflow.tests.test_templates_support import (
    case_audit,
    case_events,
    english,  # noqa: F401  (autouse)
    fresh,
    make_template,
    open_case,
    set_claim,
)


@pytest.fixture
def selection(personas):
    """ready: requirements met; blocked: no complaint; plain: no template; outside: another creditor's case."""
    make_template(personas, default=True)
    ready = set_claim(open_case(personas, seq=1))
    add_pdf(ready, personas.case_handler, title="Complaint", category="complaint")
    blocked = open_case(personas, seq=2)
    plain = open_case(personas, seq=3)
    CaseWorkflow.objects.filter(case=plain).delete()
    outside = open_case(
        personas, seq=4, creditor=personas.other_creditor, unit=personas.other_head_office, handler=None
    )
    return {
        name: fresh(case)
        for name, case in {"ready": ready, "blocked": blocked, "plain": plain, "outside": outside}.items()
    }


def snapshot(case):
    return (case_audit(case), case_events(case), fresh(case).version, fresh(case).stage_id, fresh(case).handler_id)


def test_bulk_stage_change_moves_each_case_on_its_own(personas, selection):
    ready, blocked, plain, outside = (selection[k] for k in ("ready", "blocked", "plain", "outside"))
    blocked_before, outside_before = snapshot(blocked), snapshot(outside)
    ready_audit, plain_audit = len(case_audit(ready)), len(case_audit(plain))
    outcomes = bulk.cases_change_stage_batch(
        actor=personas.legal_manager,
        case_ids=[ready.pk, blocked.pk, outside.pk, plain.pk, ready.pk],
        to_stage="filed",
        note="batch filing",
    )
    assert [(o.case_id, o.status) for o in outcomes] == [
        (ready.pk, "moved"),
        (blocked.pk, "refused"),
        (outside.pk, "not_found"),
        (plain.pk, "moved"),
    ]
    assert outcomes[1].message == (
        "Before the case leaves “Pre-litigation”, it needs a document of the category “Complaint”; "
        "the claim total filled in."
    )
    assert (outcomes[2].internal_no, outcomes[2].message) == ("", "Case not found.")
    # ready: the move and its three template tasks, audited on the case stream and on the timeline.
    assert case_audit(ready)[ready_audit:] == ["case.stage_changed", "task.created", "task.created", "task.created"]
    assert case_events(ready).count("stage_changed") == 1
    assert CaseEvent.objects.get(case=ready, kind="stage_changed").params == {
        "from": "pre_litigation",
        "to": "filed",
        "has_note": True,
    }
    # plain (no template): moved by the global rules alone, no tasks.
    assert case_audit(plain)[plain_audit:] == ["case.stage_changed"]
    assert not Task.objects.filter(case=plain).exists()
    assert snapshot(blocked) == blocked_before
    assert snapshot(outside) == outside_before


def test_a_case_already_in_the_stage_is_unchanged(personas, selection):
    plain = selection["plain"]
    [outcome] = bulk.cases_change_stage_batch(
        actor=personas.legal_manager, case_ids=[plain.pk], to_stage="pre_litigation"
    )
    assert (outcome.status, outcome.message) == ("unchanged", "Already in “Pre-litigation”.")


def test_bulk_handler_change_audits_and_records_each_case(personas, selection):
    ready, blocked, outside = selection["ready"], selection["blocked"], selection["outside"]
    south = open_case(personas, seq=5, unit=personas.guangdong, handler=None)
    before = {case.pk: len(case_audit(case)) for case in (ready, blocked, south)}
    outside_before = snapshot(outside)
    outcomes = bulk.cases_reassign_batch(
        actor=personas.legal_manager,
        case_ids=[ready.pk, south.pk, blocked.pk, outside.pk],
        handler=personas.legal_manager,
    )
    assert [o.status for o in outcomes] == ["changed", "changed", "changed", "not_found"]
    for case in (ready, blocked, south):
        assert case_audit(case)[before[case.pk] :] == ["case.updated", "case.handler_changed"]
        assert fresh(case).handler_id == personas.legal_manager.pk
        event = CaseEvent.objects.get(case=case, kind="handler_changed")
        assert event.params["to"] == personas.legal_manager.pk and event.params["reason"] == "bulk"
    assert snapshot(outside) == outside_before
    # The Beijing handler cannot handle a Guangdong case: refused, the others go through.
    south_before = snapshot(south)
    outcomes = bulk.cases_reassign_batch(
        actor=personas.legal_manager, case_ids=[south.pk, ready.pk], handler=personas.case_handler
    )
    assert [o.status for o in outcomes] == ["refused", "changed"]
    assert outcomes[0].message.startswith("case_handler cannot handle this case")
    assert snapshot(south) == south_before


def test_bulk_placement_with_a_law_firm(personas, selection):
    ready, plain = selection["ready"], selection["plain"]
    firm = cases.law_firm_create(actor=None, name="Panel Firm", creditors=[personas.creditor])
    cases.case_place_with_firm(actor=None, case=plain, law_firm=firm, version=plain.version)
    ready_before = len(case_audit(ready))
    outcomes = bulk.cases_reassign_batch(actor=personas.legal_manager, case_ids=[ready.pk, plain.pk], law_firm=firm)
    assert [(o.status, o.message) for o in outcomes] == [
        ("changed", "Changed: placed with Panel Firm."),
        ("unchanged", "Nothing to change."),
    ]
    assert case_audit(ready)[ready_before:] == ["case.placed"]
    assert fresh(ready).law_firm_id == firm.pk


def test_bulk_needs_the_permission_and_writes_nothing_without_it(personas, selection):
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDeniedError):
        bulk.cases_change_stage_batch(actor=personas.case_handler, case_ids=[selection["ready"].pk], to_stage="filed")
    with pytest.raises(PermissionDeniedError):
        bulk.cases_reassign_batch(
            actor=personas.case_handler, case_ids=[selection["ready"].pk], handler=personas.legal_manager
        )
    assert AuditEntry.objects.count() == before
    assert fresh(selection["ready"]).stage_id == "pre_litigation"


# --- the page ------------------------------------------------------------------------------------------------


def test_bulk_page_filters_confirms_and_reports(client, personas, selection):
    ready, blocked, outside = selection["ready"], selection["blocked"], selection["outside"]
    url = reverse("workflow:bulk_cases")
    client.force_login(personas.case_handler)
    assert client.get(url).status_code == 403
    client.force_login(personas.legal_manager)
    page = client.get(url, {"stage": "pre_litigation"})
    body = page.content.decode()
    assert page.status_code == 200
    assert f'id="pick-{ready.pk}"' in body and f'id="pick-{outside.pk}"' not in body
    assert client.get(url, {"stage": "nonsense", "handler": "x"}).status_code == 200  # bad filters are dropped
    assert client.post(url, {"action": "stage", "to_stage": "filed"}).status_code == 400  # no case ticked
    missing_stage = client.post(url, {"action": "stage", "case_ids": [ready.pk]})
    assert missing_stage.status_code == 400 and "Choose one for this action." in missing_stage.content.decode()
    before = AuditEntry.objects.count()
    picked = {"action": "stage", "to_stage": "filed", "case_ids": [ready.pk, blocked.pk, outside.pk]}
    confirm = client.post(url, picked)
    assert confirm.status_code == 200 and 'id="bulk-confirm"' in confirm.content.decode()
    assert AuditEntry.objects.count() == before  # the confirmation step changes nothing
    done = client.post(url, {**picked, "confirm": "yes"})
    body = done.content.decode()
    assert done.status_code == 200
    assert f'id="outcome-{ready.pk}" class="table-success" data-status="moved"' in body
    assert f'id="outcome-{blocked.pk}" class="table-warning" data-status="refused"' in body
    assert f'id="outcome-{outside.pk}" class="table-warning" data-status="not_found"' in body
    assert fresh(ready).stage_id == "filed" and fresh(blocked).stage_id == "pre_litigation"
