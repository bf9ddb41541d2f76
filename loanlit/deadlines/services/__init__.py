"""Writes of the deadlines app (DESIGN rule 1)."""

from loanlit.deadlines.services.deadlines import (
    RecomputeResult,
    SyncResult,
    collection_action_record,
    deadline_change_procedure,
    deadline_create_for_measure,
    deadline_mark_done,
    deadline_override,
    deadline_waive,
    deadlines_for_events,
    deadlines_mark_missed,
    deadlines_reassign,
    deadlines_recompute,
    fee_notice_record,
    monitors_refresh,
)

__all__ = [
    "RecomputeResult",
    "SyncResult",
    "collection_action_record",
    "deadline_change_procedure",
    "deadline_create_for_measure",
    "deadline_mark_done",
    "deadline_override",
    "deadline_waive",
    "deadlines_for_events",
    "deadlines_mark_missed",
    "deadlines_reassign",
    "deadlines_recompute",
    "fee_notice_record",
    "monitors_refresh",
]
