"""Authorization-matrix rows for the dashboard routes (issue 11); collected by tests/test_authorization_matrix.py.

The dashboard, its drill-down and its widget exports need ``reports.view`` (administrator, legal manager,
case handlers, branch manager, auditor). Everyone else — the external lawyer, the security administrator,
the read-only user — gets 404, like any page they may not see; nothing is written. They are GET only.
"""

from __future__ import annotations

from tests.support.authz import Access, Route

REPORTS = Access("code", code="reports.view", denied=404)

ROUTES: list = [
    Route("reports:dashboard", get=REPORTS),
    Route("reports:drilldown", get=REPORTS),
    Route("reports:widget_export", get=REPORTS, kwargs=lambda w: {"widget": "region", "fmt": "xlsx"}),
]
