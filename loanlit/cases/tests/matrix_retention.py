"""Authorization-matrix rows for the legal hold (issue 10); collected by tests/test_authorization_matrix.py.

retention.manage (administrator, legal manager) on a case they can see; other viewers of the world's case
get 403, everyone else 404. An empty POST is a form error: 200 and nothing written.
"""

from __future__ import annotations

from tests.support.authz import Access, Route

RETENTION = Access(
    "users",
    users=("administrator", "legal_manager"),
    denied=404,
    forbidden=("case_handler", "branch_manager", "auditor", "read_only"),
)

ROUTES: list = [
    Route(f"cases:{name}", get=RETENTION, post=RETENTION, kwargs=lambda w: {"pk": w.cw.case.pk})
    for name in ("legal_hold_set", "legal_hold_release")
]
