"""Sign-in lockout (django-axes) as the rest of the product sees it (issue 10).

Contract:

* ``is_locked_out(username) -> bool`` — whether sign-in for this user name is locked right now.
* ``lockout_reset(*, actor, username) -> int`` — an administrator's unlock: clears the failed attempts
  recorded for the user name (every IP), audited; returns how many attempt rows were cleared.

Two limits (settings block "login"): ``AXES_FAILURE_LIMIT`` (``LOANLIT_LOGIN_FAILURE_LIMIT``) failures for
one user name, from any address, lock that user name; ``LOGIN_IP_FAILURE_LIMIT`` failures from one address,
across user names, lock the address. Attempts older than the cool-off (``LOANLIT_LOGIN_LOCKOUT_MINUTES``)
no longer count. Axes' tables are security infrastructure, not domain models: written here, audited.
"""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from loanlit import audit


def lockout_key(username: str | None) -> str:
    """The user name as lockouts count it: NFKC-normalised, trimmed and case-folded.

    Directory sign-on binds case-insensitively (``ZhangWei`` signs in as ``zhangwei``), so failures under
    any spelling must count against one lock; for local accounts folding only joins look-alike names.
    """
    if not username:
        return ""
    return unicodedata.normalize("NFKC", str(username)).strip().casefold()


def axes_username(request: Any, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: the attempted user name from the credentials or the form, as ``lockout_key``."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    if credentials:
        raw = credentials.get(field)
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        raw = data.get(field) if hasattr(data, "get") else None
    return lockout_key(raw)


def _user_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def _ip_limit() -> int:
    return int(getattr(settings, "LOGIN_IP_FAILURE_LIMIT", settings.AXES_FAILURE_LIMIT))


def _cool_off() -> timedelta:
    return timedelta(hours=float(settings.AXES_COOLOFF_TIME))


def lockout_minutes() -> int:
    return round(_cool_off().total_seconds() / 60)


class LoanlitAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate, higher limit for the address than for the user name."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        parameters = get_lockout_parameters(request, credentials)
        counts: dict[str, int] = {}
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            key = parameter if isinstance(parameter, str) else "+".join(parameter)
            counts[key] = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        user_failures = counts.get("username", 0)
        if counts.get("ip_address", 0) >= _ip_limit():
            # Axes compares one number with one limit: report the address lock as a full count.
            return max(user_failures, _user_limit())
        return user_failures


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The translated page for a refused sign-in (AXES_LOCKOUT_CALLABLE)."""
    context = {
        "username": get_client_username(request, credentials) or "",
        "minutes": lockout_minutes(),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


def _failures_for(username: str) -> int:
    threshold = timezone.now() - _cool_off()
    total = AccessAttempt.objects.filter(username=lockout_key(username), attempt_time__gte=threshold).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return int(total or 0)


def is_locked_out(username: str) -> bool:
    """Whether sign-in for ``username`` is locked right now (by its own failures; address locks aside)."""
    if not settings.AXES_ENABLED or not username:
        return False
    return _failures_for(username) >= _user_limit()


@transaction.atomic
def lockout_reset(*, actor: Any, username: str) -> int:
    """Clear the failed attempts recorded for ``username`` from every address; audited."""
    from loanlit.accounts.models import User

    cleared, _ = AccessAttempt.objects.filter(username=lockout_key(username)).delete()  # write-ok: axes' table
    user = User.objects.filter(username=username).first()
    user = user or User.objects.filter(username__iexact=username.strip()).first()
    target: Any = user if user is not None else audit.TargetRef(type="accounts.user", id="", repr=username)
    audit.record(
        actor=actor,
        action="user.lockout_reset",
        target=target,
        changes=audit.diff({}, {"username": username, "attempts_cleared": cleared}),
    )
    return int(cleared)
