"""Sign-in events into the access log (issue 10): the one home of who signed in, failed, was locked out.

Connected in ``AccountsConfig.ready()``, after django-axes' own receivers (axes comes first in
INSTALLED_APPS), so a failure that reaches the limit already carries ``request.axes_locked_out``.

A sign-in outside an HTTP request (``request.method`` is ``None``: the test client's ``force_login``, a
shell) is not a person signing in and is not logged; it still counts as a fresh confirmation.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from loanlit import audit

# Set on the request by the step that called authenticate(): the password form, the one-time code step,
# the re-authentication page. Tells a failure which access-log action it is.
STEP_ATTRIBUTE = "loanlit_login_step"
LAST_SEEN_KEY = "loanlit_last_seen"
# Set by the inactivity timeout, which logs SESSION_TIMEOUT itself.
QUIET_LOGOUT_ATTRIBUTE = "loanlit_quiet_logout"


def _is_http(request: Any) -> bool:
    return request is not None and getattr(request, "method", None) is not None


def on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from loanlit.accounts.reauth import mark_authenticated

    if request is None:
        return
    mark_authenticated(request)
    if getattr(request, "session", None) is not None:
        request.session[LAST_SEEN_KEY] = time.time()
    if _is_http(request):
        detail: dict[str, Any] = {"backend": str(getattr(user, "backend", "")).rsplit(".", 1)[-1]}
        if getattr(user, "otp_device", None) is not None:
            detail["two_factor"] = True
        audit.access_log(user=user, action=audit.AccessAction.LOGIN, request=request, detail=detail)


def on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if not _is_http(request) or user is None or getattr(request, QUIET_LOGOUT_ATTRIBUTE, False):
        return
    audit.access_log(user=user, action=audit.AccessAction.LOGOUT, request=request)


def failure_action(request: Any) -> str:
    if getattr(request, "axes_locked_out", False):
        return audit.AccessAction.LOGIN_LOCKED
    step = getattr(request, STEP_ATTRIBUTE, "password")
    if step == "otp":
        return audit.AccessAction.OTP_FAILED
    if step == "reauth":
        return audit.AccessAction.REAUTH_FAILED
    return audit.AccessAction.LOGIN_FAILED


def on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    """Log the attempted user name (Django has already replaced the password with asterisks)."""
    from loanlit.accounts.models import User

    username = str(credentials.get("username") or "")[:150]
    account = User.objects.filter(username=username).first() if username else None
    detail: dict[str, Any] = {"username": username}
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None:
        detail["failures"] = failures
    audit.access_log(
        user=account,
        action=failure_action(request),
        request=request if _is_http(request) else None,
        detail=detail,
    )


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="loanlit.accounts.on_logged_in")
    user_logged_out.connect(on_logged_out, dispatch_uid="loanlit.accounts.on_logged_out")
    user_login_failed.connect(on_login_failed, dispatch_uid="loanlit.accounts.on_login_failed")
