from loanlit.deadlines.views.deadlines import (
    deadline_calendar,
    deadline_case,
    deadline_detail,
    deadline_done,
    deadline_list,
    deadline_override,
    deadline_waive,
)

__all__ = [
    "deadline_calendar",
    "deadline_case",
    "deadline_detail",
    "deadline_done",
    "deadline_list",
    "deadline_override",
    "deadline_waive",
]
