"""Authorization-matrix rows for the operations routes; collected by tests/test_authorization_matrix.py."""

from __future__ import annotations

from tests.support.authz import PUBLIC, Access, Route, code

ROUTES: list = [
    # Probes and the scraper sign in nowhere. /metrics is open unless LOANLIT_METRICS_TOKEN is set (unset here);
    # /readyz answers 503 in the matrix's world, which runs no worker.
    Route("ops:healthz", get=PUBLIC),
    Route("ops:readyz", get=Access("public", ok=(200, 503))),
    Route("ops:metrics", get=PUBLIC),
    Route("ops:status", get=code("system.status")),
]
