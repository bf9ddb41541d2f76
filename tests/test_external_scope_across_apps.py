"""What an external lawyer sees and may do in the apps above cases (issue 10): documents of the placement,
internal comments, the bank handler's tasks, settlements and internal approvals. The world is
``loanlit/cases/tests/test_external_scope.py``'s (a top-level test: it spans layers the apps may not import).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from loanlit.cases import services as cases
from loanlit.cases.tests.test_external_scope import build_placed

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(personas):
    return build_placed(personas)


def _lawyer(client, personas):
    client.force_login(personas.external_lawyer)
    return client


def test_a_recalled_placement_removes_the_placements_documents(client, personas, placed):
    from loanlit.documents.tests.support import add_pdf

    document = add_pdf(placed.case, None)
    _lawyer(client, personas)
    assert client.get(reverse("documents:document", args=[document.pk])).status_code == 200
    assert client.get(reverse("documents:case", args=[placed.case.pk])).status_code == 200
    cases.case_recall(actor=None, case=placed.case, version=placed.case.version)
    assert client.get(reverse("documents:document", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:case", args=[placed.case.pk])).status_code == 404


def test_internal_comments_are_hidden_from_the_lawyer(client, personas, placed):
    from loanlit.collaboration import services as collaboration

    collaboration.comment_post(actor=personas.case_handler, case=placed.case, body="Internal strategy note")
    _lawyer(client, personas)
    page = client.get(reverse("collaboration:case_comments", args=[placed.case.pk]))
    assert "Internal strategy note" not in page.content.decode()
    case_page = client.get(reverse("cases:case_detail", args=[placed.case.pk]))
    assert case_page.status_code == 200
    assert "Internal strategy note" not in case_page.content.decode()
    client.force_login(personas.case_handler)  # the bank's staff do see it, so the absence above means something
    assert "Internal strategy note" in client.get(reverse("cases:case_detail", args=[placed.case.pk])).content.decode()


def test_lawyer_may_not_complete_the_bank_handlers_task(personas, placed):
    from loanlit.core.errors import PermissionDeniedError
    from loanlit.workflow.models import Task
    from loanlit.workflow.selectors_tasks import may_change_task
    from loanlit.workflow.services import tasks

    task = tasks.task_create_ad_hoc(
        actor=personas.case_handler, title="Prepare filing", case=placed.case, assignee=personas.case_handler
    )
    assert not may_change_task(personas.external_lawyer, task)
    with pytest.raises(PermissionDeniedError):
        tasks.task_complete(actor=personas.external_lawyer, task=task, version=task.version)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    own = tasks.task_create_ad_hoc(
        actor=personas.case_handler, title="Serve papers", case=placed.case, assignee=personas.external_lawyer
    )
    assert may_change_task(personas.external_lawyer, own)
    done = tasks.task_complete(actor=personas.external_lawyer, task=own, version=own.version)
    assert done.status == Task.Status.DONE


def test_lawyer_may_not_cancel_or_waive_a_settlement(personas, placed):
    from loanlit.core.errors import PermissionDeniedError
    from loanlit.workflow.models import SettlementPlan
    from loanlit.workflow.services import settlements

    plan = settlements.settlement_create(
        actor=None,
        case=placed.case,
        phase="in_court",
        agreed_on=dt.date(2026, 1, 20),
        total=Decimal("3000.00"),
        count=3,
        first_due=dt.date(2026, 1, 31),
    )
    with pytest.raises(PermissionDeniedError):
        settlements.settlement_cancel(actor=personas.external_lawyer, plan=plan, version=plan.version, reason="x")
    plan.refresh_from_db()
    assert plan.status != SettlementPlan.Status.CANCELLED
    before = SettlementPlan.objects.count()
    with pytest.raises(PermissionDeniedError):
        settlements.settlement_create(
            actor=personas.external_lawyer,
            case=placed.case,
            phase="in_court",
            agreed_on=dt.date(2026, 1, 21),
            total=Decimal("3000.00"),
            count=3,
            first_due=dt.date(2026, 1, 31),
            waived_interest=Decimal("100.00"),
        )
    assert SettlementPlan.objects.count() == before


def test_the_decisions_inbox_is_not_there_for_the_lawyer(client, personas, placed):
    from loanlit.workflow import selectors_decisions

    _lawyer(client, personas)
    assert client.get(reverse("workflow:decision_inbox")).status_code in (403, 404)
    assert not selectors_decisions.may_see_decisions(personas.external_lawyer)
