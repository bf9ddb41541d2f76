"""Writes of the enforcement app (DESIGN rule 1): keyword-only, atomic, audited on the case stream.

``actor=None`` is the system (the scheduler, the demo loader); requests always pass the user. Proceedings,
costs and recoveries are written through the cases services, deadlines through the deadlines services.
"""

from loanlit.enforcement.services.demo import enforcement_demo_build
from loanlit.enforcement.services.enforcement import (
    asset_search_record,
    auction_step_record,
    court_payment_record,
    distribution_claim_add,
    distribution_claim_update,
    enforcement_apply,
    enforcement_objection_open,
    enforcement_record_update,
    restriction_apply,
    restriction_update,
    settlement_breach,
    settlement_instalment_pay,
    settlement_record,
)
from loanlit.enforcement.services.measures import (
    asset_add,
    asset_update,
    measure_record,
    measure_release,
    measure_renew,
    measures_carry_into_enforcement,
    preservation_guarantee_record,
)
from loanlit.enforcement.services.terminations import (
    enforcement_resume,
    enforcement_terminate_for_now,
    follow_up_close,
    termination_review_record,
    termination_reviews_due,
)
from loanlit.enforcement.services.writeoffs import debt_transfer_record, evidence_update, write_off_record

__all__ = [
    "asset_add",
    "asset_search_record",
    "asset_update",
    "auction_step_record",
    "court_payment_record",
    "debt_transfer_record",
    "distribution_claim_add",
    "distribution_claim_update",
    "enforcement_apply",
    "enforcement_demo_build",
    "enforcement_objection_open",
    "enforcement_record_update",
    "enforcement_resume",
    "enforcement_terminate_for_now",
    "evidence_update",
    "follow_up_close",
    "measure_record",
    "measure_release",
    "measure_renew",
    "measures_carry_into_enforcement",
    "preservation_guarantee_record",
    "restriction_apply",
    "restriction_update",
    "settlement_breach",
    "settlement_instalment_pay",
    "settlement_record",
    "termination_review_record",
    "termination_reviews_due",
    "write_off_record",
]
