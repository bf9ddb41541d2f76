"""Sign in (password, then a one-time code for users with an authenticator) and sign out (issue 10)."""

from __future__ import annotations

import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from loanlit.accounts import two_factor
from loanlit.accounts.forms_auth import CodeForm
from loanlit.accounts.lockout import lockout_response
from loanlit.accounts.receivers import STEP_ATTRIBUTE
from loanlit.core.views import public

PENDING_KEY = "loanlit_pending_login"


class LoanlitLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if two_factor.has_two_factor(user):
            # The password was right; the session stays signed out until the code step succeeds.
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "at": time.time(),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login_otp")
        return super().form_valid(form)


def _pending(request: HttpRequest) -> tuple[Any, dict] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        fresh = time.time() - float(pending.get("at", 0)) < settings.LOGIN_OTP_PENDING_SECONDS
    except (TypeError, ValueError):
        fresh = False
    user_pk = pending.get("user")
    user = None
    if fresh and isinstance(user_pk, int):
        user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return user, pending


@public
@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_otp(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code from the authenticator app (or a backup code)."""
    found = _pending(request)
    if found is None:
        messages.info(request, _("Sign in with your user name and password first."))
        return redirect("accounts:login")
    user, pending = found
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        request.session.pop(PENDING_KEY, None)
        return lockout_response(request, None, credentials)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            request.session.pop(PENDING_KEY, None)
            user.otp_device = device  # django-otp marks the session verified on login()
            login(request, user, backend=pending["backend"])
            target = str(pending.get("next") or "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
        # A wrong code counts as a failed sign-in for the lockout, logged as OTP_FAILED.
        setattr(request, STEP_ATTRIBUTE, "otp")
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING_KEY, None)
            return lockout_response(request, None, credentials)
        form.add_error("code", _("That code is not correct. Try the current code from your app."))
    return render(request, "accounts/login_otp.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")
