"""The signed-in user's own security pages (issue 10): password, two-factor, re-authentication, history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.signals import user_login_failed
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from loanlit import audit
from loanlit.accounts import selectors, services, two_factor
from loanlit.accounts.forms_auth import CodeForm, ConfirmForm, PasswordChangeForm
from loanlit.accounts.passwords import password_expired
from loanlit.accounts.reauth import mark_authenticated, require_recent_auth
from loanlit.accounts.receivers import STEP_ATTRIBUTE
from loanlit.core.errors import DomainError

HISTORY_PAGE_SIZE = 25


def _local_password(user: Any) -> bool:
    return getattr(user, "auth_source", "local") == "local"


# --- password -------------------------------------------------------------------------------------


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not _local_password(user):
        return render(request, "accounts/password_change.html", {"form": None, "external": True})
    form = PasswordChangeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_set(
                actor=user, user=user, password=form.cleaned_data["new_password1"], temporary=False
            )
        except DomainError as error:
            form.add_error("new_password1", error.message)
        else:
            update_session_auth_hash(request, user)
            audit.access_log(user=user, action=audit.AccessAction.PASSWORD_CHANGED, request=request)
            messages.success(request, _("Your password was changed."))
            return redirect("core:home")
    context = {
        "form": form,
        "forced": user.must_change_password,
        "expired": not user.must_change_password and password_expired(user),
    }
    return render(request, "accounts/password_change.html", context)


# --- two-factor -----------------------------------------------------------------------------------


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_page(request: HttpRequest) -> HttpResponse:
    """Status, links to enrol, replace, disable and backup codes; and the code step for a session that
    policy requires to be verified (e.g. a user who enrolled in another session)."""
    user: Any = request.user
    enrolled = two_factor.has_two_factor(user)
    verified = user.is_verified()
    form = CodeForm(request.POST or None) if enrolled and not verified else None
    if request.method == "POST":
        if form is None:
            return redirect("accounts:two_factor")
        if form.is_valid():
            device = two_factor.verify_code(user, form.cleaned_data["code"])
            if device is not None:
                otp_login(request, device)
                messages.success(request, _("Two-factor sign-in confirmed."))
                return redirect("core:home")
            setattr(request, STEP_ATTRIBUTE, "otp")
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
            form.add_error("code", _("That code is not correct. Try the current code from your app."))
    context = {
        "enrolled": enrolled,
        "verified": verified,
        "required": two_factor.requires_two_factor(user),
        "backup_left": two_factor.backup_codes_left(user) if enrolled else 0,
        "form": form,
    }
    return render(request, "accounts/two_factor.html", context)


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if two_factor.has_two_factor(user):
        messages.info(request, _("Two-factor sign-in is already on. Turn it off first to use another app."))
        return redirect("accounts:two_factor")
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.totp_confirm(user=user, device=device, token=form.cleaned_data["code"]):
            otp_login(request, device)
            codes = two_factor.backup_codes_generate(user=user)
            messages.success(request, _("Two-factor sign-in is on."))
            return render(request, "accounts/backup_codes.html", {"codes": codes})
        form.add_error("code", _("That code is not correct. Check the time on your phone and try the current code."))
    context = {"form": form, "qr_svg": two_factor.qr_svg(device), "secret": two_factor.secret_text(device)}
    return render(request, "accounts/two_factor_enrol.html", context)


@require_POST
@require_recent_auth
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    two_factor.two_factor_disable(actor=request.user, user=request.user)
    messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:two_factor")


@require_POST
@require_recent_auth
def backup_codes(request: HttpRequest) -> HttpResponse:
    if not two_factor.has_two_factor(request.user):
        return redirect("accounts:two_factor")
    codes = two_factor.backup_codes_generate(user=request.user)
    return render(request, "accounts/backup_codes.html", {"codes": codes})


# --- re-authentication ----------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """Confirm your identity again before an export, an unmasking or another sensitive action."""
    user: Any = request.user
    needs_code = two_factor.has_two_factor(user)
    form = ConfirmForm(request.POST or None, needs_code=needs_code)
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        setattr(request, STEP_ATTRIBUTE, "reauth")
        checked = authenticate(request, username=user.get_username(), password=form.cleaned_data["password"])
        ok = checked is not None and checked.pk == user.pk
        if ok and needs_code:
            ok = two_factor.verify_code(user, form.cleaned_data["code"]) is not None
            if not ok:
                user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        if ok:
            mark_authenticated(request)
            audit.access_log(user=user, action=audit.AccessAction.REAUTH, request=request)
            return redirect(next_url or "core:home")
        form.add_error(None, _("That did not match. Enter your password again."))
    context: dict[str, Any] = {"form": form, "next": next_url}
    if getattr(user, "auth_source", "") == "oidc":
        # No local password: confirm by signing in at the bank's provider again.
        query = urlencode({"next": next_url or reverse("core:home"), "reauth": "1"})
        context["oidc_reauth_url"] = f"{reverse('accounts:oidc_start')}?{query}"
    return render(request, "accounts/confirm.html", context)


# --- history --------------------------------------------------------------------------------------


@require_GET
def history(request: HttpRequest) -> HttpResponse:
    rows = selectors.sign_in_history(target=request.user)  # a user's own history
    page = Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/history.html", {"page": page, "query": ""})
