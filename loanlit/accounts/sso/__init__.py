"""Optional bank sign-on (issue 10): LDAP / Active Directory and OpenID Connect.

Both are off unless configured by LOANLIT_* variables (settings block "sso", docs/configuration.md).
Directory groups or token claims map to a Loanlit role, unit and creditors (``mapping``); the account is
created or re-synchronised at every sign-in by ``services.user_sync_from_directory``. Local accounts
remain for administrators.
"""

from __future__ import annotations

from django.conf import settings


def ldap_enabled() -> bool:
    return bool(getattr(settings, "LDAP_ENABLED", False))


def oidc_enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))
