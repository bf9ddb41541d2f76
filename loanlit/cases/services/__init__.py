"""Writes of the cases app (DESIGN rule 1): keyword-only, atomic, audited on the case stream with timeline events.

``actor=None`` is the system (management commands, the demo loader); requests always pass the user.
"""

from loanlit.cases.services.cases import (
    CaseOpenInput,
    allowed_stage_codes,
    case_change_stage,
    case_close,
    case_link_loan,
    case_open,
    case_update,
    cases_open_batch,
    clean_tags,
    internal_number,
)
from loanlit.cases.services.claims import ClaimOverride, ClaimResult, LoanClaim, case_compute_claim, loan_claim_for
from loanlit.cases.services.firms import case_place_with_firm, case_recall, law_firm_create, law_firm_member_add
from loanlit.cases.services.money import cost_record, cost_refund, recovery_record
from loanlit.cases.services.proceedings import (
    JudgmentItemInput,
    hearing_schedule,
    parse_court_case_number,
    proceeding_open,
    proceeding_party_add,
    proceeding_record_judgment,
    proceeding_record_result,
    proceeding_set_case_number,
    proceeding_update,
    service_record_add,
)

__all__ = [
    "CaseOpenInput",
    "ClaimOverride",
    "ClaimResult",
    "JudgmentItemInput",
    "LoanClaim",
    "allowed_stage_codes",
    "case_change_stage",
    "case_close",
    "case_compute_claim",
    "case_link_loan",
    "case_open",
    "case_place_with_firm",
    "case_recall",
    "case_update",
    "cases_open_batch",
    "clean_tags",
    "cost_record",
    "cost_refund",
    "hearing_schedule",
    "internal_number",
    "law_firm_create",
    "law_firm_member_add",
    "loan_claim_for",
    "parse_court_case_number",
    "proceeding_open",
    "proceeding_party_add",
    "proceeding_record_judgment",
    "proceeding_record_result",
    "proceeding_set_case_number",
    "proceeding_update",
    "recovery_record",
    "service_record_add",
]
