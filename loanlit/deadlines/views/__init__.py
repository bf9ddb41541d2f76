from loanlit.deadlines.views.deadlines import (
    deadline_calendar,
    deadline_detail,
    deadline_done,
    deadline_list,
    deadline_override,
    deadline_waive,
)
from loanlit.deadlines.views.records import (
    collection_action_add,
    deadline_case,
    deadline_loan,
    fee_notice_add,
    measure_add,
)

__all__ = [
    "collection_action_add",
    "deadline_calendar",
    "deadline_case",
    "deadline_detail",
    "deadline_done",
    "deadline_list",
    "deadline_loan",
    "deadline_override",
    "deadline_waive",
    "fee_notice_add",
    "measure_add",
]
