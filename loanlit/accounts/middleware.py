"""Login security on every request (issue 10): inactivity timeout, forced password change, required two-factor.

Runs in ``process_view`` (after LoginRequiredMiddleware, so anonymous visitors are already on their way
to the login page, and with the resolved URL name, so the pages a user must still reach are known).
Cheap: the session and the user row are loaded anyway; the last-activity time is written at most once a
minute; two-factor state comes from django-otp's session key; the role is read only when the
two-factor policy is on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.passwords import must_change_password
from loanlit.accounts.receivers import LAST_SEEN_KEY, QUIET_LOGOUT_ATTRIBUTE
from loanlit.accounts.two_factor import requires_two_factor

# Written back to the session only when it moved by more than this, so most requests save nothing.
LAST_SEEN_RESOLUTION = 60

# Pages that never redirect elsewhere (signing in and out, the language switch, the watermark image).
ALWAYS_OPEN = {"accounts:login", "accounts:login_otp", "accounts:logout", "set_language", "watermark"}
PASSWORD_PAGES = ALWAYS_OPEN | {"accounts:password_change"}
TWO_FACTOR_PAGES = PASSWORD_PAGES | {"accounts:two_factor", "accounts:two_factor_enrol"}


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class LoginSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.view_name if match is not None else ""
        timed_out = self._idle(request, user)
        if timed_out is not None:
            return timed_out
        if name not in PASSWORD_PAGES and must_change_password(user):
            if not user.must_change_password:
                messages.warning(request, _("Your password has expired. Choose a new one to continue."))
            return _redirect(request, reverse("accounts:password_change"))
        if name not in TWO_FACTOR_PAGES and requires_two_factor(user) and not user.is_verified():
            return _redirect(request, reverse("accounts:two_factor"))
        return None

    def _idle(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        now = time.time()
        session = request.session
        try:
            last_seen = float(session.get(LAST_SEEN_KEY, 0))
        except (TypeError, ValueError):
            last_seen = 0.0
        if last_seen and now - last_seen > settings.SESSION_IDLE_SECONDS:
            audit.access_log(
                user=user,
                action=audit.AccessAction.SESSION_TIMEOUT,
                request=request,
                detail={"idle_minutes": int((now - last_seen) // 60)},
            )
            setattr(request, QUIET_LOGOUT_ATTRIBUTE, True)
            logout(request)
            messages.info(request, _("You were signed out after a period of inactivity. Please sign in again."))
            login_url = reverse("accounts:login")
            if request.method == "GET":
                login_url += "?" + urlencode({"next": request.get_full_path()})
            return _redirect(request, login_url)
        if now - last_seen > LAST_SEEN_RESOLUTION:
            session[LAST_SEEN_KEY] = now
        return None
