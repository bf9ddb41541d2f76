"""Authorization-matrix rows for this area (issue 10); collected by tests/test_authorization_matrix.py.

The user's own security pages are for every signed-in user (each acts only on their own account, so
there is nothing of another user's to refuse). The one-time-code step of the sign-in is public and sends
a visitor without a pending sign-in back to the login page. Empty POSTs are form errors (200) or, with
nothing to act on (no authenticator yet), a redirect back to the two-factor page.
"""

from __future__ import annotations

from tests.support.authz import LOGIN, Access, Route

ROUTES: list[Route] = [
    Route("accounts:login_otp", get=Access("public", ok=(302,)), post=Access("public", ok=(302,))),
    Route("accounts:password_change", get=LOGIN, post=LOGIN),
    Route("accounts:two_factor", get=LOGIN, post=Access("login", ok=(302,))),
    Route("accounts:two_factor_enrol", get=LOGIN, post=LOGIN),
    Route("accounts:two_factor_disable", get=None, post=Access("login", ok=(302,))),
    Route("accounts:two_factor_backup_codes", get=None, post=Access("login", ok=(302,))),
    Route("accounts:confirm", get=LOGIN, post=LOGIN),
    Route("accounts:history", get=LOGIN),
]
