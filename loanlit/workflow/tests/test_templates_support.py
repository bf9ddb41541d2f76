"""Helpers of the templates / automation / bulk tests (no tests here)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.audit.services import stream_key
from loanlit.cases import services as cases
from loanlit.cases.models import Case, CaseEvent
from loanlit.cases.tests import factories
from loanlit.workflow.models import WorkflowTemplate
from loanlit.workflow.services import templates as wf


@pytest.fixture(autouse=True)
def english(settings: Any, tmp_path: Any) -> Any:
    """Messages are asserted in English (the msgids); the zh-Hans catalogue is checked by its own tests."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.JOB_PROGRESS_INTERVAL_SECONDS = 0
    settings.JOB_TRANSPORT = "worker"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


CAUSE = "".join(
    map(chr, [37329, 34701, 20511, 27454, 21512, 21516, 32416, 32439])
)  # the financial-loan cause of action

BASE_DEFINITION: dict[str, Any] = {
    "initial": "pre_litigation",
    "stages": [
        {
            "code": "pre_litigation",
            "exit_requires": {"documents": ["complaint"], "approved_documents": [], "fields": ["claim_total"]},
        },
        {
            "code": "filed",
            "on_enter": {
                "tasks": [
                    {
                        "key": "pay",
                        "title": "Pay the acceptance fee",
                        "role": "handler",
                        "due": {"days": 3, "basis": "working"},
                    },
                    {
                        "key": "serve",
                        "title": "Follow service",
                        "role": "legal_manager",
                        "due": {"days": 10, "basis": "calendar"},
                        "priority": "high",
                        "checklist": ["Address", "Phone"],
                    },
                    {
                        "key": "appeal",
                        "title": "Watch the appeal period",
                        "role": "handler",
                        "due": {"deadline_kind": "appeal"},
                    },
                ]
            },
        },
        {"code": "in_trial"},
        {"code": "closed"},
    ],
    "transitions": [
        ["pre_litigation", "filed"],
        ["pre_litigation", "closed"],
        ["filed", "pre_litigation"],
        ["filed", "in_trial"],
        ["in_trial", "closed"],
    ],
}


def definition(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE_DEFINITION)
    data.update(changes)
    return data


def open_case(personas: Any, *, seq: int = 1, creditor: Any = None, unit: Any = None, handler: Any = "default") -> Case:
    creditor = creditor or personas.creditor
    unit = unit or personas.beijing
    _borrower, loan = factories.borrower_loan(creditor, unit, name=f"Borrower {seq}", seq=seq, principal="12000.00")
    return cases.case_open(
        actor=None,
        creditor=creditor,
        handling_unit=unit,
        cause_of_action=CAUSE,
        loans=[loan],
        handler=personas.case_handler if handler == "default" else handler,
        opened_on=dt.date(2026, 1, 5),
    )


def set_claim(case: Case) -> Case:
    case.refresh_from_db()
    result = cases.case_compute_claim(
        actor=None,
        case=case,
        as_of=dt.date(2026, 1, 5),
        override=cases.ClaimOverride(principal=Decimal("12000.00"), interest=Decimal("345.67"), reason="statement"),
        version=case.version,
    )
    return result.case


def make_template(
    personas: Any,
    *,
    code: str = "test-flow",
    data: dict[str, Any] | None = None,
    default: bool = False,
    creditor: Any = None,
) -> WorkflowTemplate:
    return wf.workflow_template_create(
        actor=personas.legal_manager,
        code=code,
        name="Test flow",
        case_type=WorkflowTemplate.CaseType.FINANCIAL_LOAN_SUIT,
        definition=data or definition(),
        creditor=creditor,
        is_default=default,
    )


def case_audit(case: Case) -> list[str]:
    return list(
        AuditEntry.objects.filter(stream=stream_key("case", case.pk)).order_by("seq").values_list("action", flat=True)
    )


def case_events(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)
