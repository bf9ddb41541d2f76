"""Authorization-matrix rows for the builder routes (issue 11); collected by tests/test_authorization_matrix.py.

The builder needs ``reports.view`` (everyone else: 404). The world's saved report belongs to the legal
manager and is shared with the administrator, case-handler and branch-manager roles: those holders who work
for the owner's creditor see it (the outsider in another creditor does not: 404, nor do the roles it is not
shared with). Changing it is for its owner and ``reports.manage`` holders who see it (the administrator);
the other viewers get 403. An empty POST re-renders the form with its errors (200) and writes nothing.
"""

from __future__ import annotations

from typing import Any

from tests.support.authz import Access, Route

VIEWERS = ("legal_manager", "administrator", "case_handler", "branch_manager", "outsider_branch")
EDITORS = ("legal_manager", "administrator")
VIEW_ONLY = ("case_handler", "branch_manager", "outsider_branch")
BUILDER = Access("code", code="reports.view", denied=404)
SEE = Access("users", users=VIEWERS, denied=404)
EDIT = Access("users", users=EDITORS, denied=404, forbidden=VIEW_ONLY)
DELETE = Access("users", users=EDITORS, ok=(302,), denied=404, forbidden=VIEW_ONLY)


def world_report(world: Any) -> Any:
    report = getattr(world, "saved_report", None)
    if report is None:
        from loanlit.accounts.models import Role
        from loanlit.reports.services.saved import saved_report_create

        report = saved_report_create(
            actor=world.legal_manager,
            name="Matrix report",
            definition={"dimensions": ["court_province"], "measures": ["cases", "claim"]},
            shared_with_roles=list(Role.objects.filter(code__in=["administrator", "case_handler", "branch_manager"])),
        )
        world.saved_report = report
    return report


ROUTES: list = [
    Route("reports:builder", get=BUILDER, post=BUILDER),
    Route("reports:saved_detail", get=SEE, kwargs=lambda w: {"pk": world_report(w).pk}),
    Route("reports:saved_edit", get=EDIT, post=EDIT, kwargs=lambda w: {"pk": world_report(w).pk}),
    Route("reports:saved_delete", get=None, post=DELETE, kwargs=lambda w: {"pk": world_report(w).pk}),
    Route("reports:saved_export", get=SEE, kwargs=lambda w: {"pk": world_report(w).pk, "fmt": "csv"}),
]
