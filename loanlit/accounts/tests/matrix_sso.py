"""Authorization-matrix rows for bank sign-on (issue 10); collected by tests/test_authorization_matrix.py.

The OpenID Connect routes are public (the browser arrives before anyone is signed in) and answer 404
to every method while OIDC is not configured, as in the test settings. With OIDC on they are covered by
loanlit/accounts/tests/test_sso_oidc.py.
"""

from __future__ import annotations

from tests.support.authz import Access, Route

OIDC_OFF = Access("public", ok=(404,))

ROUTES: list[Route] = [
    Route("accounts:oidc_start", get=OIDC_OFF, post=OIDC_OFF),
    Route("accounts:oidc_callback", get=OIDC_OFF, post=OIDC_OFF),
]
