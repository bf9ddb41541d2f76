"""Issue 9 in the demo (``loanlit.demo.workflow_demo``): what ``bootstrap`` adds on the real portfolio, once."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from loanlit.accounts.models import User
from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Case, CaseEvent, Recovery
from loanlit.collaboration.models import CaseFollow, Comment, Mention
from loanlit.demo.services import DEMO_CREDITOR_CODE
from loanlit.demo.workflow_demo import texts
from loanlit.law.causes import CAUSES_BY_KEY
from loanlit.law.periods import add_months
from loanlit.workflow.models import (
    CaseWorkflow,
    DecisionRequest,
    SettlementInstalment,
    SettlementPayment,
    SettlementPlan,
    Task,
    WorkflowTemplate,
)
from loanlit.workflow.models.decisions import ApprovalPolicy, DecisionStep
from loanlit.workflow.services.decisions import approver_candidates, current_step

pytestmark = pytest.mark.django_db

REAL = Path(__file__).resolve().parents[4] / "shared" / "real-inputs"
D = Decimal
INST = SettlementInstalment.Status


def _bootstrap(settings) -> str:
    settings.ADMIN_PASSWORD = "a-Long-admin-passw0rd"
    out = StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def _counts() -> tuple[int, ...]:
    return (
        CaseWorkflow.objects.count(),
        WorkflowTemplate.objects.filter(is_default=True).count(),
        Task.objects.count(),
        ApprovalPolicy.objects.count(),
        DecisionRequest.objects.count(),
        DecisionStep.objects.count(),
        SettlementPlan.objects.count(),
        SettlementInstalment.objects.count(),
        SettlementPayment.objects.count(),
        Recovery.objects.count(),
        Comment.objects.count(),
        Mention.objects.count(),
        CaseFollow.objects.count(),
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def _user(username: str) -> User:
    return User.objects.get(username=username)


@pytest.mark.slow  # the real portfolio first: about 35 s on SQLite (the workflow step itself about 1 s)
@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-inputs is absent: the real demo portfolio cannot load")
def test_bootstrap_adds_the_workflow_demo_once_with_exact_counts(settings, monkeypatch, client):
    monkeypatch.delenv("LOANLIT_SHARED_DIR", raising=False)
    output = _bootstrap(settings)
    assert (
        "Workflow demo: ad hoc tasks 4, approval policies 2, comments 2, default template 1, follows 1, "
        "pending requests 1, settlement plans 2, settlements breached 1, workflow cases 12." in output
    )
    today = timezone.localdate()
    data = texts()
    handler_bj, handler_gd, manager = _user("handler.bj"), _user("handler.gd"), _user("legal.manager")

    # 1. The built-in financial-loan template is the (only) default; twelve cases before suit run it,
    # six per handler, the lowest internal numbers of their open financial-loan cases before suit.
    template = WorkflowTemplate.objects.get(code="financial_loan_suit")
    assert template.is_default and template.creditor_id is None
    assert list(WorkflowTemplate.objects.filter(is_default=True)) == [template]
    running = CaseWorkflow.objects.select_related("case__handler", "version")
    assert running.count() == 12
    assert {row.version_id for row in running} == {template.current_version_id}
    assert Counter(row.case.handler.username for row in running) == {"handler.bj": 6, "handler.gd": 6}
    assert {row.case.stage_id for row in running} == {"pre_litigation"}
    for handler in (handler_bj, handler_gd):
        first_six = Case.objects.filter(
            handler=handler,
            stage_id="pre_litigation",
            is_closed=False,
            cause_of_action=CAUSES_BY_KEY["financial_loan"].name,
        ).order_by("internal_no")[:6]
        assert {row.case_id for row in running if row.case.handler_id == handler.pk} == {c.pk for c in first_six}
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.WORKFLOW_ASSIGNED).count() == 12
    # The stage's four entry tasks per case, as the automation makes them (entry 0 keys).
    made = Task.objects.filter(source=Task.Source.TEMPLATE)
    assert made.count() == 48
    assert Counter(made.values_list("assignee__username", flat=True)) == {
        "handler.bj": 18,
        "handler.gd": 18,
        "legal.manager": 12,
    }
    some = running.first()
    assert sorted(made.filter(case=some.case).values_list("source_key", flat=True)) == sorted(
        f"wf:{some.case_id}:pre_litigation:{key}:0"
        for key in ("collect-evidence", "compute-claim", "draft-complaint", "preservation")
    )

    # 2. Ad hoc tasks: overdue, due today and later in the week for handler.bj; one for handler.gd.
    ad_hoc = Task.objects.filter(source=Task.Source.AD_HOC).order_by("pk")
    assert [(t.assignee.username, t.due_on, t.title, t.case_id is not None) for t in ad_hoc] == [
        (row["assignee"], today + timedelta(days=row["due_in_days"]), row["title"], row["on_case"])
        for row in data["ad_hoc_tasks"]
    ]
    assert [t.due_on - today for t in ad_hoc] == [timedelta(days=n) for n in (-3, 0, 4, 5)]
    assert {t.status for t in ad_hoc} == {Task.Status.OPEN}

    # 3. Policies of the demo creditor and the one request waiting for the legal manager.
    policies = ApprovalPolicy.objects.order_by("kind")
    assert [(p.kind, p.min_amount, p.approver_roles, p.creditor.code, p.is_active) for p in policies] == [
        ("cost_payment", D("5000.00"), ["legal_manager"], DEMO_CREDITOR_CODE, True),
        ("settlement", D("10000.00"), ["legal_manager"], DEMO_CREDITOR_CODE, True),
    ]
    request = DecisionRequest.objects.get()
    assert (request.kind, request.state, request.requested_by, request.amount, request.summary) == (
        "cost_payment",
        DecisionRequest.State.PENDING,
        handler_bj,
        D("6800.00"),
        data["cost_request"]["summary"],
    )
    assert request.case.handler == handler_bj and request.case.stage_id in ("filed", "in_trial")
    assert request.payload["amount"] == "6800.00" and request.payload["kind"] == "lawyer_fee"
    assert approver_candidates(request, current_step(request)) == [manager]

    # 4. A plan before suit with its first instalment paid from a recovery; a plan in court breached.
    paid = SettlementPlan.objects.get(phase=SettlementPlan.Phase.BEFORE_SUIT)
    assert (paid.status, paid.total, paid.agreed_on, paid.case.handler) == (
        SettlementPlan.Status.ACTIVE,
        D("3000.00"),
        today - timedelta(days=35),
        handler_bj,
    )
    first_due = today - timedelta(days=25)
    assert [(r.seq, r.due_on, r.amount, r.paid, r.status) for r in paid.instalments.order_by("seq")] == [
        (1, first_due, D("1000.00"), D("1000.00"), INST.PAID),
        (2, add_months(first_due, 1)[0], D("1000.00"), D("0.00"), INST.DUE),
        (3, add_months(first_due, 2)[0], D("1000.00"), D("0.00"), INST.DUE),
    ]
    payment = SettlementPayment.objects.get()
    assert (payment.plan, payment.amount, payment.recovery.amount, payment.received_on) == (
        paid,
        D("1000.00"),
        D("1000.00"),
        first_due - timedelta(days=2),
    )
    breached = SettlementPlan.objects.get(phase=SettlementPlan.Phase.IN_COURT)
    breach_first = today - timedelta(days=60)
    assert (breached.status, breached.breached_on, breached.case.handler) == (
        SettlementPlan.Status.BREACHED,
        breach_first + timedelta(days=11),
        handler_gd,
    )
    assert [r.status for r in breached.instalments.order_by("seq")] == [INST.MISSED, INST.MISSED, INST.DUE]
    breach_task = Task.objects.get(source=Task.Source.SETTLEMENT)
    assert (breach_task.case, breach_task.assignee, breach_task.source_key, breach_task.due_on) == (
        breached.case,
        handler_gd,
        f"settlement:{breached.pk}:breach:1",
        breach_first + timedelta(days=18),
    )
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.SETTLEMENT_BREACHED, case=breached.case).count() == 1
    assert Task.objects.count() == 48 + 4 + 1

    # 5. Two comments on a case of handler.bj, the first mentioning the legal manager; handler.bj follows it.
    comments = list(Comment.objects.order_by("pk"))
    assert [(c.author.username, c.body, c.parent_id) for c in comments] == [
        ("handler.bj", data["comments"]["first"], None),
        ("legal.manager", data["comments"]["reply"], comments[0].pk),
    ]
    assert {c.case_id for c in comments} == {comments[0].case_id}
    assert comments[0].case.handler == handler_bj
    assert list(Mention.objects.values_list("comment_id", "user__username")) == [(comments[0].pk, "legal.manager")]
    assert list(CaseFollow.objects.values_list("user__username", "case_id")) == [("handler.bj", comments[0].case_id)]

    # handler.bj's My work lists their three ad hoc tasks, not handler.gd's.
    client.force_login(handler_bj)
    page = client.get(reverse("workflow:my_work"))
    assert page.status_code == 200
    html = page.content.decode()
    for row in data["ad_hoc_tasks"]:
        assert (row["title"] in html) == (row["assignee"] == "handler.bj")

    # Idempotent: load_demo and bootstrap again add nothing.
    before = _counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Workflow demo: already loaded, nothing changed." in out.getvalue()
    _bootstrap(settings)
    assert _counts() == before


def test_without_shared_inputs_the_workflow_demo_loads_on_the_sample_once(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("LOANLIT_SHARED_DIR", str(tmp_path))
    output = _bootstrap(settings)
    # Six sample cases: fewer items, no error.
    assert (
        "Workflow demo: ad hoc tasks 2, approval policies 2, default template 1, pending requests 1, "
        "settlements breached 0, workflow cases 1." in output
    )
    assert WorkflowTemplate.objects.get(code="financial_loan_suit").is_default
    assert ApprovalPolicy.objects.count() == 2
    before = _counts()
    _bootstrap(settings)
    assert _counts() == before


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-inputs is absent")
def test_real_inputs_arriving_after_the_workflow_demo_are_not_loaded_into_it(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("LOANLIT_SHARED_DIR", str(tmp_path))
    _bootstrap(settings)
    before = (_counts(), Case.objects.count())
    monkeypatch.setenv("LOANLIT_SHARED_DIR", str(REAL.parent))
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert (
        "The workflow demo is loaded on this database: the portfolio is not extended with uci, lendingclub."
        in out.getvalue()
    )
    assert (_counts(), Case.objects.count()) == before


def test_the_workflow_demo_waits_for_the_portfolio():
    from loanlit.demo.workflow_demo import workflow_demo_load

    lines: list[str] = []
    result = workflow_demo_load(log=lines.append)
    assert not result.created
    assert lines == ["Workflow demo skipped: load the demo organisation and portfolio first."]
    assert _counts() == (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
