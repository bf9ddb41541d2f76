"""Periodic tasks of the accounts area (discovered by loanlit.jobs.registry.ensure_discovered)."""

from __future__ import annotations

from datetime import timedelta

from loanlit.jobs.registry import periodic


@periodic("accounts.dormant_accounts", every=timedelta(hours=24))
def dormant_accounts_daily() -> None:
    """Disable accounts without a sign-in for settings.DORMANT_AFTER_DAYS days, when
    settings.DORMANT_AUTO_DISABLE is on (idempotent: an account already disabled is not dormant)."""
    from loanlit.accounts import services

    services.dormant_accounts_disable()
