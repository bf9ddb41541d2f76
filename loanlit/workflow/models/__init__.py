"""Workflow models, one module per area: templates, tasks, internal decisions (maker-checker), settlements."""

from loanlit.workflow.models.decisions import ApprovalPolicy, DecisionRequest, DecisionStep
from loanlit.workflow.models.settlements import SettlementInstalment, SettlementPayment, SettlementPlan
from loanlit.workflow.models.tasks import Task
from loanlit.workflow.models.templates import CaseWorkflow, WorkflowTemplate, WorkflowVersion

__all__ = [
    "ApprovalPolicy",
    "CaseWorkflow",
    "DecisionRequest",
    "DecisionStep",
    "SettlementInstalment",
    "SettlementPayment",
    "SettlementPlan",
    "Task",
    "WorkflowTemplate",
    "WorkflowVersion",
]
