"""Authorization-matrix rows for the fixed management reports (issue 11); collected by
tests/test_authorization_matrix.py.

Every route needs ``reports.view`` (administrator, legal manager, case handler, branch manager, auditor —
and the two outsiders, who are case handlers: they get their own scope's figures, none of the world's).
Without it the answer is 404, like any page a user may not see. The pages and files are GETs only.
"""

from __future__ import annotations

from tests.support.authz import Access, Route

REPORTS_VIEW = Access("code", code="reports.view", denied=404)
SLUGS = ("monthly", "recovery", "firms", "deadlines", "seizures")
FORMATS = ("xlsx", "csv", "pdf")

ROUTES: list = [
    Route("reports:index", get=REPORTS_VIEW),
    *[Route("reports:report", get=REPORTS_VIEW, kwargs=lambda w, slug=slug: {"report": slug}) for slug in SLUGS],
    *[
        Route(
            "reports:report_export",
            get=REPORTS_VIEW,
            kwargs=lambda w, slug=slug, fmt=fmt: {"report": slug, "fmt": fmt},
        )
        for slug in SLUGS
        for fmt in FORMATS
    ],
]
