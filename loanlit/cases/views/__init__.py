"""Case pages (package: read pages, write forms, shared helpers)."""

from loanlit.cases.views.edits import (
    case_edit,
    case_stage,
    claim_compute,
    cost_add,
    hearing_add,
    judgment_record,
    placement_add,
    placement_recall,
    proceeding_add,
    proceeding_edit,
    proceeding_party_add,
    proceeding_result,
    recovery_add,
    service_record_add,
)
from loanlit.cases.views.pages import case_detail, case_list, case_tab, dashboard
from loanlit.cases.views.parties import party_contact_add, party_detail, party_reveal

__all__ = [
    "case_detail",
    "case_edit",
    "case_list",
    "case_stage",
    "case_tab",
    "claim_compute",
    "cost_add",
    "dashboard",
    "hearing_add",
    "judgment_record",
    "party_contact_add",
    "party_detail",
    "party_reveal",
    "placement_add",
    "placement_recall",
    "proceeding_add",
    "proceeding_edit",
    "proceeding_party_add",
    "proceeding_result",
    "recovery_add",
    "service_record_add",
]
