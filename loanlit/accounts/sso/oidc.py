"""Sign-in with the bank's OpenID Connect provider (mozilla-django-oidc), mapped by claims.

Authorization-code flow with PKCE and a nonce. The ID token's signature is verified against the
provider's JWKS (mozilla-django-oidc), and here also its issuer, audience and expiry; the user-info
claims must belong to the same subject. The groups claim (LOANLIT_OIDC_GROUPS_CLAIM) goes through the
same group map as LDAP (``services.directory_sign_in``); the account gets auth_source "oidc".

Endpoints come from LOANLIT_OIDC_* settings or, with only LOANLIT_OIDC_ISSUER, from the provider's
discovery document, fetched on first use and kept for the process's life.
"""

from __future__ import annotations

import threading
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from loanlit.accounts.models import User
from loanlit.accounts.sso import oidc_enabled, services

ENDPOINT_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_discovered: dict[str, dict[str, Any]] = {}
_discovery_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be fetched or is not usable."""


def discovery(issuer: str) -> dict[str, Any]:
    """The provider's ``/.well-known/openid-configuration`` (cached per process)."""
    with _discovery_lock:
        if issuer in _discovered:
            return _discovered[issuer]
    try:
        response = requests.get(
            issuer + "/.well-known/openid-configuration",
            timeout=getattr(settings, "OIDC_TIMEOUT", 10),
            verify=getattr(settings, "OIDC_VERIFY_SSL", True),
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(str(exc)) from None
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnavailable("the discovery document names another issuer")
    with _discovery_lock:
        _discovered[issuer] = document
    return document


def oidc_setting(attr: str, *default: Any) -> Any:
    """A mozilla-django-oidc setting, with endpoints filled in from discovery when not configured."""
    value = getattr(settings, attr, default[0] if default else None)
    issuer = getattr(settings, "OIDC_ISSUER", None) or ""
    if attr in ENDPOINT_SETTINGS and not value and issuer:
        value = discovery(issuer).get(ENDPOINT_SETTINGS[attr]) or None
    if value is None and not default and attr not in ENDPOINT_SETTINGS:
        raise ImproperlyConfigured(f"Setting {attr} not found")
    return value


def _claim_text(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name) if name else None
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value is not None else ""


def _claim_groups(claims: dict[str, Any]) -> list[str]:
    value = claims.get(getattr(settings, "OIDC_GROUPS_CLAIM", "groups"))
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


class LoanlitOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, mapping claims to a role, unit and creditors through the service."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every sign-in, password sign-ins included: read the
        # provider's endpoints (maybe over the network) only when an OIDC callback is handled.
        self.UserModel = get_user_model()

    def _configure(self) -> None:
        super().__init__()

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # Only the callback view passes a nonce; a password form never reaches the provider.
        if request is None or "nonce" not in kwargs or "username" in kwargs or "password" in kwargs:
            return None
        self._configure()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = super().verify_token(token, **kwargs)
        issuer = getattr(settings, "OIDC_ISSUER", "")
        if issuer and str(payload.get("iss", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        if "exp" not in payload:
            raise SuspiciousOperation("ID token without expiry")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            user_info = super().get_userinfo(access_token, id_token, payload)
            if user_info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("user info for another subject")
            claims.update(user_info)
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(_claim_text(claims, settings.OIDC_USERNAME_CLAIM).strip())

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        username = _claim_text(claims, settings.OIDC_USERNAME_CLAIM).strip().lower()
        return self.UserModel.objects.filter(username__iexact=username)

    def _sync(self, claims: dict[str, Any]) -> User:
        try:
            return services.directory_sign_in(
                request=getattr(self, "request", None),
                source=User.AuthSource.OIDC,
                username=_claim_text(claims, settings.OIDC_USERNAME_CLAIM),
                groups=_claim_groups(claims),
                display_name=_claim_text(claims, "name"),
                email=_claim_text(claims, "email"),
                staff_no=_claim_text(claims, getattr(settings, "OIDC_STAFF_NO_CLAIM", "")),
            )
        except services.SignOnRefused as refused:
            self.request.sso_refusal = refused.message
            raise

    def create_user(self, claims: dict[str, Any]) -> User:
        return self._sync(claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return self._sync(claims)


def _to_login(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("accounts:login")


# Session flag: the sign-in started from the confirmation page (re-authentication).
REAUTH_PENDING = "loanlit_oidc_reauth"


class OIDCStartView(OIDCAuthenticationRequestView):
    """Redirect to the provider's sign-in page (404 when OIDC is not configured)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: Any) -> None:
        # mozilla's __init__ reads the endpoints; here that waits for dispatch (404 when off).
        for key, value in kwargs.items():
            setattr(self, key, value)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable:
            return _to_login(request, _("The bank's sign-on service does not answer. Try again later."))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().dispatch(request, *args, **kwargs)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        """``?reauth=1`` (the confirmation page of a bank sign-on user): the provider must ask for the
        credentials again (OIDC Core 3.1.2.1 ``prompt=login``, ``max_age=0``); the sign-in that follows
        counts as the confirmation."""
        params = dict(super().get_extra_params(request))
        if request.GET.get("reauth") == "1":
            params.update({"prompt": "login", "max_age": "0"})
            request.session[REAUTH_PENDING] = True
        return params


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code (404 when OIDC is not configured)."""

    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not oidc_enabled():
            raise Http404
        try:
            return super().dispatch(request, *args, **kwargs)
        except (
            SuspiciousOperation,
            ProviderUnavailable,
            requests.RequestException,
            jwt.PyJWTError,
            ImproperlyConfigured,
        ):
            # A replayed or forged callback, a bad token, or the provider down: refused, logged.
            services.sign_on_refused(request=request, source=User.AuthSource.OIDC, username="", reason="oidc_error")
            return _to_login(request, _("Sign-in with the bank's account failed. Try again."))

    def login_success(self) -> HttpResponse:
        pending = self.request.session.pop(REAUTH_PENDING, False)
        response = super().login_success()
        # mozilla skips login() when the same user signs in again, so a confirmation asked for with
        # ``?reauth=1`` is recorded here (a new sign-in records its own).
        if pending and self.request.user.is_authenticated and self.request.user.pk == self.user.pk:
            from loanlit import audit
            from loanlit.accounts.reauth import mark_authenticated

            mark_authenticated(self.request)
            audit.access_log(user=self.user, action=audit.AccessAction.REAUTH, request=self.request)
        return response

    def login_failure(self) -> HttpResponse:
        message = getattr(self.request, "sso_refusal", "") or _("Sign-in with the bank's account failed. Try again.")
        return _to_login(self.request, message)
