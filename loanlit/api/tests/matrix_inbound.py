"""API matrix rows for the inbound resources (see api_matrix.py)."""

from __future__ import annotations

from loanlit.api.tests.api_matrix import ApiRoute
from tests.support.authz import code

ROUTES: list[ApiRoute] = [
    # The matrix sends no Idempotency-Key: a caller with imports.run is told to send one (428), nothing written.
    ApiRoute(
        "api:loan-update-list",
        {"post": code("imports.run", ok=(428,))},
        data=lambda w: {
            "items": [
                {"type": "balance", "contract_no": w.cw.loan.contract_no, "as_of": "2026-11-30", "principal": "1.00"}
            ]
        },
    ),
]
