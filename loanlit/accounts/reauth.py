"""Re-authentication before sensitive actions (issue 10): export, unmasking, backup, role changes.

Contract:

* ``require_recent_auth(view)`` — a view decorator. Without a recent confirmation in the session,
  a GET is redirected to the confirmation page with ``?next=`` the request's path; a POST (and htmx)
  gets the confirmation page's link instead of running the view. Nothing of the view runs.
* ``recently_authenticated(request) -> bool`` — whether the session holds a confirmation younger than
  settings.REAUTH_SECONDS.
* ``mark_authenticated(request)`` — record a confirmation now (called at sign-in and by the page).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "loanlit_reauth_at"


def recently_authenticated(request: Any) -> bool:
    session = getattr(request, "session", None)
    if session is None:
        return False
    try:
        confirmed_at = float(session.get(SESSION_KEY, 0))
    except (TypeError, ValueError):
        return False
    return 0 <= time.time() - confirmed_at < settings.REAUTH_SECONDS


def mark_authenticated(request: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = time.time()


def confirm_url(next_path: str) -> str:
    return reverse("accounts:confirm") + "?" + urlencode({"next": next_path})


def _next_for(request: Any) -> str:
    """Where to go after confirming: the page itself for a GET, else the page the form was on."""
    if request.method == "GET" and not request.headers.get("HX-Request"):
        return request.get_full_path()
    current = request.headers.get("HX-Current-URL") or request.META.get("HTTP_REFERER") or ""
    if current and url_has_allowed_host_and_scheme(current, allowed_hosts={request.get_host()}):
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return reverse("core:home")


def require_recent_auth(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if recently_authenticated(request):
            return view(request, *args, **kwargs)
        url = confirm_url(_next_for(request))
        if request.method == "GET" and not request.headers.get("HX-Request"):
            return HttpResponseRedirect(url)
        context = {"confirm_url": url}
        if request.headers.get("HX-Request"):
            # htmx swaps only successful answers: the fragment with the link replaces the button.
            return render(request, "accounts/partials/reauth_needed.html", context)
        response: HttpResponse = render(request, "accounts/reauth_needed.html", context, status=403)
        return response

    return wrapper
