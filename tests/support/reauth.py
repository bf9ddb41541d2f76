"""Re-authentication in tests (issue 10): give a test client's session a fresh confirmation, or take it away.

A sign-in (``force_login`` included) counts as a confirmation for ``settings.REAUTH_SECONDS``; tests of
export and unmask views that move the clock forward call ``confirm(client)`` after travelling.
"""

from __future__ import annotations

import time

from django.test import Client

from loanlit.accounts.reauth import SESSION_KEY


def confirm(client: Client) -> None:
    """Record a confirmation now in the client's session, as the confirmation page does."""
    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()


def forget(client: Client) -> None:
    """Drop the client's confirmation, so the next sensitive action asks for the password again."""
    session = client.session
    session.pop(SESSION_KEY, None)
    session.save()
