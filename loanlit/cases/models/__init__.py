"""Models of the cases app (package: one module per area)."""

from loanlit.cases.models.case import Case, CaseCounter, CaseLoan, CaseShare
from loanlit.cases.models.events import CaseEvent
from loanlit.cases.models.firms import LawFirm, LawFirmMember, Placement
from loanlit.cases.models.judgment import ADJUDICATED_KINDS, Judgment, JudgmentItem
from loanlit.cases.models.money import CostEntry, Recovery
from loanlit.cases.models.proceeding import Hearing, Proceeding, ProceedingParty, ServiceRecord
from loanlit.cases.models.reference import CaseStage, CaseStageTransition, Court

__all__ = [
    "ADJUDICATED_KINDS",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "CaseLoan",
    "CaseShare",
    "CaseStage",
    "CaseStageTransition",
    "CostEntry",
    "Court",
    "Hearing",
    "Judgment",
    "JudgmentItem",
    "LawFirm",
    "LawFirmMember",
    "Placement",
    "Proceeding",
    "ProceedingParty",
    "Recovery",
    "ServiceRecord",
]
