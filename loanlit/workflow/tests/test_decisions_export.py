"""A bulk export of personal data (an unmasked case-list export) waits for internal approval.

Driven through the export pages and the job worker only: workflow may not import the imports app (layers).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from loanlit.cases.tests.views_support import build_case_world
from loanlit.jobs.models import Job
from loanlit.jobs.worker import run_pending
from loanlit.notifications.models import Notification
from loanlit.parties.tests.support import make_ric
from loanlit.workflow.models import DecisionRequest
from loanlit.workflow.services import decisions

pytestmark = pytest.mark.django_db


XLSX_JOB_KIND = "exports.xlsx"


class Portfolio:
    def __init__(self, personas) -> None:
        self.full = build_case_world(personas, seq=1).case
        self.second = build_case_world(personas, name="Li Si", seq=2).case


@pytest.fixture
def portfolio(personas):
    return Portfolio(personas)


def _csv_rows(response) -> dict[str, dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["Internal no."]: row for row in csv.DictReader(io.StringIO(text))}


def _policy(personas, rows: str):
    return decisions.approval_policy_create(
        actor=personas.administrator,
        kind="personal_data_export",
        approver_roles=["legal_manager"],
        min_amount=Decimal(rows),
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _workbook_ric(job: Job, internal_no: str) -> str:
    with job.result_file.open("rb") as handle:
        sheet = openpyxl.load_workbook(io.BytesIO(handle.read())).active
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == internal_no)
    return row[header.index("ID number")].value


def test_an_unmasked_export_above_the_threshold_waits_for_approval_then_runs_for_the_requester(personas, portfolio):
    _policy(personas, "2")
    handler = personas.case_handler
    client = _client(handler)
    with translation.override("en"):
        response = client.post(reverse("imports:export_xlsx", kwargs={"kind": "cases"}), HTTP_ACCEPT_LANGUAGE="en")
    request = DecisionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:decision_detail", args=[request.pk])
    assert (request.kind, request.case_id, request.amount, request.payload["rows"]) == (
        "personal_data_export",
        None,
        None,
        2,
    )
    assert not Job.objects.filter(kind=XLSX_JOB_KIND).exists()
    # Meanwhile the CSV is masked.
    with translation.override("en"):
        csv_response = client.get(reverse("imports:export_csv", kwargs={"kind": "cases"}), HTTP_ACCEPT_LANGUAGE="en")
    row = _csv_rows(csv_response)[portfolio.full.internal_no]
    ric = make_ric(1)
    assert row["ID number"] == ric[:6] + "********" + ric[-4:]
    # The approver is told without any detail.
    notice = Notification.objects.get(recipient=personas.legal_manager, code="workflow.decision_requested")
    assert "Zhang" not in notice.title + notice.body

    with translation.override("en"):
        decided = decisions.decision_approve(actor=personas.legal_manager, request=request)
    assert decided.state == "approved"
    job = Job.objects.get(kind=XLSX_JOB_KIND)
    assert job.created_by_id == handler.pk and decided.result == {"job_id": job.pk}
    assert job.params["approved_request"] == request.pk
    run_pending(worker_id="test", limit=1)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error_message
    assert _workbook_ric(job, portfolio.full.internal_no) == ric


def test_below_the_threshold_the_unmasked_export_starts_at_once(personas, portfolio):
    _policy(personas, "3")
    client = _client(personas.case_handler)
    with translation.override("en"):
        response = client.post(reverse("imports:export_xlsx", kwargs={"kind": "cases"}), HTTP_ACCEPT_LANGUAGE="en")
    job = Job.objects.get(kind=XLSX_JOB_KIND)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert DecisionRequest.objects.count() == 0
    run_pending(worker_id="test", limit=1)
    job.refresh_from_db()
    assert _workbook_ric(job, portfolio.full.internal_no) == make_ric(1)


def test_a_job_queued_without_the_approval_exports_masked(personas, portfolio):
    from loanlit.jobs.services import job_enqueue

    _policy(personas, "1")
    with translation.override("en"):
        job = job_enqueue(kind=XLSX_JOB_KIND, params={"kind": "cases", "filters": {}}, actor=personas.case_handler)
    run_pending(worker_id="test", limit=1)
    job.refresh_from_db()
    ric = make_ric(1)
    assert _workbook_ric(job, portfolio.full.internal_no) == ric[:6] + "********" + ric[-4:]
