"""Issue 9 in the demo: workflow, tasks, internal approvals, settlements and comments on the loaded portfolio.

Runs after the portfolio (``portfolio.loader.portfolio_load``), through the ordinary services only, in one
transaction, once: the demo creditor's cost-payment approval policy is the marker, so a second run (or a
run after the demo users changed things) adds nothing. Texts (task titles, comment bodies, notes) are data
in ``workflow.json``; nothing personal is in them.

1. The built-in ``financial_loan_suit`` template becomes the default (the built-in templates are offered to
   every creditor, so its default flag is the global one the demo creditor falls back on): cases opened in
   the demo get it. It is also assigned to ``WORKFLOW_CASES`` open financial-loan cases before suit (half
   per handler, lowest internal numbers first), with the tasks of the stage they are in, as the stage
   automation creates them when a case starts in a stage (entry 0, the same source keys: never twice).
2. Ad hoc tasks for the handlers: one overdue, one due today, one due later this week (``handler.bj``).
3. Approval policies of the demo creditor: cost payments from 5,000.00 and settlement waivers from
   10,000.00 need the legal manager; one cost payment by ``handler.bj`` waits for ``legal.manager``.
4. Settlement plans: one before suit with three instalments, the first paid from a recovery; one in court
   whose instalments went unpaid, breached by the daily check run for the demo's today (its task exists).
5. Two comments on a case of ``handler.bj`` (the first mentions ``legal.manager``, who replies), and
   ``handler.bj`` follows that case.

Fewer cases than planned (the built-in sample has six) mean fewer items, never an error.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from loanlit.accounts.models import User
from loanlit.cases.models import Case, CaseStage, CostEntry, Proceeding, Recovery
from loanlit.cases.services import money as money_services
from loanlit.collaboration import services as collaboration
from loanlit.core.models import Creditor
from loanlit.demo import services as demo_services
from loanlit.law.causes import CAUSES_BY_KEY
from loanlit.workflow.models import WorkflowTemplate
from loanlit.workflow.models.decisions import ApprovalPolicy, DecisionKind
from loanlit.workflow.models.settlements import SettlementPlan
from loanlit.workflow.services import automation, decisions, settlements, tasks, templates

DATA_FILE: Final = Path(__file__).with_name("workflow.json")
TEMPLATE_CODE: Final = "financial_loan_suit"
WORKFLOW_CASES: Final = 12
HANDLERS: Final = ("handler.bj", "handler.gd")
MANAGER: Final = "legal.manager"
COST_POLICY_FROM: Final = Decimal("5000.00")
WAIVER_POLICY_FROM: Final = Decimal("10000.00")
SETTLEMENT_TOTAL: Final = Decimal("3000.00")
SETTLEMENT_INSTALMENTS: Final = 3
Log = Callable[[str], Any]


def texts() -> dict[str, Any]:
    """The demo's task titles, comment bodies and notes."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@dataclass
class WorkflowDemoResult:
    created: bool = False
    counts: Counter[str] = field(default_factory=Counter)

    def summary(self) -> list[str]:
        if not self.created:
            return ["Workflow demo: already loaded, nothing changed."]
        return ["Workflow demo: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) + "."]


def workflow_demo_loaded(creditor: Creditor) -> bool:
    return ApprovalPolicy.objects.filter(creditor=creditor, kind=DecisionKind.COST_PAYMENT).exists()


def workflow_demo_load(*, today: date | None = None, log: Log = print) -> WorkflowDemoResult:
    """Load the workflow demo once (see the module docstring); nothing when the portfolio is not there."""
    creditor = Creditor.objects.filter(code=demo_services.DEMO_CREDITOR_CODE).first()
    admin = User.objects.filter(username=demo_services.ADMIN_USERNAME).first()
    if creditor is None or admin is None or not Case.objects.filter(creditor=creditor).exists():
        log("Workflow demo skipped: load the demo organisation and portfolio first.")
        return WorkflowDemoResult()
    if workflow_demo_loaded(creditor):
        return WorkflowDemoResult()
    users = {u.username: u for u in User.objects.filter(username__in=(*HANDLERS, MANAGER), is_active=True)}
    if set(users) != {*HANDLERS, MANAGER}:
        log("Workflow demo skipped: the demo handlers or the legal manager are missing.")
        return WorkflowDemoResult()
    with transaction.atomic():
        loader = _WorkflowDemo(
            admin=admin, creditor=creditor, users=users, today=today or timezone.localdate(), data=texts()
        )
        loader.run()
    return WorkflowDemoResult(created=True, counts=loader.counts)


class _WorkflowDemo:
    def __init__(
        self, *, admin: User, creditor: Creditor, users: dict[str, User], today: date, data: dict[str, Any]
    ) -> None:
        self.admin = admin
        self.creditor = creditor
        self.users = users
        self.today = today
        self.data = data
        self.counts: Counter[str] = Counter()
        self.used: set[int] = set()

    def run(self) -> None:
        workflow_cases = self._workflow()
        self._ad_hoc(workflow_cases)
        self._approvals()
        self._settlements()
        self._comments(workflow_cases)

    # --- choosing cases (deterministic: lowest internal numbers first, each case used once) ---------------

    def _open(self, handler: str, *stages: str) -> QuerySet[Case]:
        return (
            Case.objects.filter(
                creditor=self.creditor,
                handler=self.users[handler],
                stage_id__in=stages,
                is_closed=False,
                is_archived=False,
                cause_of_action=CAUSES_BY_KEY["financial_loan"].name,
            )
            .exclude(pk__in=self.used)
            .order_by("internal_no")
        )

    def _take(self, handler: str, *stages: str, count: int = 1, extra: Q | None = None) -> list[Case]:
        found = self._open(handler, *stages)
        if extra is not None:
            found = found.filter(extra)
        chosen = list(found.distinct()[:count])
        self.used.update(case.pk for case in chosen)
        return chosen

    # --- 1. the default template and its cases -----------------------------------------------------------

    def _workflow(self) -> dict[str, list[Case]]:
        template = WorkflowTemplate.objects.filter(code=TEMPLATE_CODE).select_related("current_version").first()
        if template is None or template.current_version is None:
            return {handler: [] for handler in HANDLERS}
        if not template.is_default:
            templates.workflow_template_update(
                actor=self.admin, template=template, version=template.version, is_default=True
            )
            self.counts["default template"] += 1
        version = template.current_version
        chosen: dict[str, list[Case]] = {}
        for handler in HANDLERS:
            chosen[handler] = self._take(
                handler,
                CaseStage.PRE_LITIGATION,
                count=WORKFLOW_CASES // len(HANDLERS),
                extra=Q(workflow__isnull=True),
            )
        entries = []
        for case in [c for cases in chosen.values() for c in cases]:
            templates.case_workflow_assign(actor=self.admin, case=case, version=version)
            # Assignment by hand creates no tasks: the stage automation's own entry step does, as for a
            # case that starts in its stage (entry 0: the source keys it would use, so never twice).
            entries.append((Case.objects.select_related("handler").get(pk=case.pk), version, case.stage_id, 0, None))
        automation.stage_entries_run(entries)
        self.counts["workflow cases"] += len(entries)
        return chosen

    # --- 2. ad hoc tasks ----------------------------------------------------------------------------------

    def _ad_hoc(self, workflow_cases: dict[str, list[Case]]) -> None:
        on_case = {handler: list(cases) for handler, cases in workflow_cases.items()}
        for row in self.data["ad_hoc_tasks"]:
            assignee = self.users[row["assignee"]]
            case = None
            if row["on_case"]:
                if not on_case.get(row["assignee"]):
                    continue
                case = on_case[row["assignee"]].pop(0)
            tasks.task_create_ad_hoc(
                actor=assignee,
                title=row["title"],
                case=case,
                assignee=assignee,
                due_on=self.today + timedelta(days=int(row["due_in_days"])),
                priority=row["priority"],
                description=row.get("description", ""),
                checklist=row.get("checklist", ()),
            )
            self.counts["ad hoc tasks"] += 1

    # --- 3. approval policies and one pending request -------------------------------------------------------

    def _approvals(self) -> None:
        for kind, from_amount in (
            (DecisionKind.COST_PAYMENT, COST_POLICY_FROM),
            (DecisionKind.SETTLEMENT, WAIVER_POLICY_FROM),
        ):
            decisions.approval_policy_create(
                actor=self.admin,
                kind=kind,
                approver_roles=["legal_manager"],
                min_amount=from_amount,
                creditor=self.creditor,
            )
            self.counts["approval policies"] += 1
        found = self._take(
            "handler.bj",
            CaseStage.FILED,
            CaseStage.IN_TRIAL,
            extra=Q(proceedings__kind=Proceeding.Kind.FIRST_INSTANCE),
        )
        if not found:
            return
        case = found[0]
        spec = self.data["cost_request"]
        # The cost ledger keeps one currency per case: the currency of the costs already on it.
        currency = (
            CostEntry.objects.filter(case=case).order_by("pk").values_list("currency", flat=True).first()
            or case.claim_currency
        )
        proceeding = Proceeding.objects.filter(case=case, kind=Proceeding.Kind.FIRST_INSTANCE).order_by("pk").first()
        amount = Decimal(spec["amount"])
        decisions.decision_run_or_request(
            actor=self.users["handler.bj"],
            kind=DecisionKind.COST_PAYMENT,
            case=case,
            amount=amount,
            currency=currency,
            payload=decisions.cost_payload(
                kind=spec["kind"],
                amount=amount,
                paid_on=self.today,
                payer=spec["payer"],
                borne_by_defendant=False,
                proceeding=proceeding,
                currency=currency,
                note=spec["note"],
            ),
            summary=spec["summary"],
            reason=spec["reason"],
        )
        self.counts["pending requests"] += 1

    # --- 4. settlement plans ------------------------------------------------------------------------------

    def _no_money(self) -> Q:
        return Q(recoveries__isnull=True) & ~Q(pk__in=SettlementPlan.objects.values("case_id"))

    def _settlements(self) -> None:
        texts = self.data["settlements"]
        handler = self.users["handler.bj"]
        paid = self._take("handler.bj", CaseStage.PRE_LITIGATION, extra=self._no_money())
        if paid:
            case = paid[0]
            agreed_on = self.today - timedelta(days=35)
            plan = settlements.settlement_create(
                actor=handler,
                case=case,
                phase=SettlementPlan.Phase.BEFORE_SUIT,
                agreed_on=agreed_on,
                total=SETTLEMENT_TOTAL,
                count=SETTLEMENT_INSTALMENTS,
                first_due=self.today - timedelta(days=25),
                grace_days=7,
                note=texts["paid"]["note"],
            )
            first = plan.instalments.order_by("seq").first()
            assert first is not None
            # The borrower's payment of the first instalment: the recovery listener matches it to the plan.
            money_services.recovery_record(
                actor=handler,
                case=case,
                received_on=first.due_on - timedelta(days=2),
                amount=first.amount,
                source=Recovery.Source.BORROWER_PAYMENT,
                currency=plan.currency,
            )
            self.counts["settlement plans"] += 1
        breached = self._take(
            "handler.gd",
            CaseStage.IN_TRIAL,
            extra=self._no_money() & Q(proceedings__kind=Proceeding.Kind.FIRST_INSTANCE),
        )
        if breached:
            settlements.settlement_create(
                actor=self.users["handler.gd"],
                case=breached[0],
                phase=SettlementPlan.Phase.IN_COURT,
                agreed_on=self.today - timedelta(days=75),
                total=SETTLEMENT_TOTAL,
                count=SETTLEMENT_INSTALMENTS,
                first_due=self.today - timedelta(days=60),
                grace_days=10,
                note=texts["breached"]["note"],
            )
            self.counts["settlement plans"] += 1
        self.counts["settlements breached"] += settlements.settlements_check_breaches(today=self.today)

    # --- 5. comments and a follow -------------------------------------------------------------------------

    def _comments(self, workflow_cases: dict[str, list[Case]]) -> None:
        cases = workflow_cases.get("handler.bj") or self._take("handler.bj", CaseStage.PRE_LITIGATION)
        if not cases:
            return
        case = Case.objects.get(pk=cases[0].pk)
        texts = self.data["comments"]
        first = collaboration.comment_post(actor=self.users["handler.bj"], case=case, body=texts["first"])
        collaboration.comment_post(actor=self.users[MANAGER], case=case, body=texts["reply"], parent=first)
        collaboration.case_follow(actor=self.users["handler.bj"], case=case)
        self.counts["comments"] += 2
        self.counts["follows"] += 1
