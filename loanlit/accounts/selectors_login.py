"""Reads for the sign-in security pages (issue 10)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from loanlit.audit.models import AccessLog

LOGIN_ACTIONS = (
    AccessLog.Action.LOGIN,
    AccessLog.Action.LOGIN_FAILED,
    AccessLog.Action.LOGIN_LOCKED,
    AccessLog.Action.LOGOUT,
    AccessLog.Action.SESSION_TIMEOUT,
    AccessLog.Action.REAUTH,
    AccessLog.Action.REAUTH_FAILED,
    AccessLog.Action.OTP_FAILED,
    AccessLog.Action.PASSWORD_CHANGED,
)


def login_history_for_user(*, user: Any) -> QuerySet[AccessLog]:
    """The user's own sign-in events, newest first (failed attempts on their user name included)."""
    return AccessLog.objects.filter(user_id=user.pk, action__in=LOGIN_ACTIONS).order_by("-at", "-pk")
