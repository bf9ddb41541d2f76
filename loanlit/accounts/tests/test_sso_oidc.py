"""OpenID Connect sign-in against a fake provider served in-process.

The provider answers at the HTTP transport (requests' adapter), so discovery, the token exchange, the
JWKS and user info go through the real client code; ID tokens are RSA-signed here and verified by
mozilla-django-oidc against the provider's JWKS (a token signed with another key is refused).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from loanlit.accounts.models import User
from loanlit.accounts.sso import oidc
from loanlit.accounts.sso.mapping import parse_group_map
from loanlit.audit.models import AccessLog, AuditEntry

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.bank.example/realms/bank"
CLIENT_ID = "loanlit"
CLIENT_SECRET = "client-secret-for-tests"
OIDC_BACKEND = "loanlit.accounts.sso.oidc.LoanlitOIDCBackend"


class FakeProvider:
    """A minimal OpenID provider: discovery, authorization codes, tokens, JWKS and user info."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "key-1"
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.signing_key = self.key  # a test may swap in an attacker's key
        self.audience = CLIENT_ID
        self.down = False
        self.requests: list[str] = []

    # -- what the browser does at the provider --------------------------------------------------
    def sign_in(self, authorize_url: str, claims: dict) -> dict[str, str]:
        """The user signs in at the provider: returns the callback's query (code and state)."""
        query = {k: v[-1] for k, v in parse_qs(urlparse(authorize_url).query).items()}
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"query": query, "claims": claims}
        return {"code": code, "state": query["state"]}

    # -- the HTTP endpoints ----------------------------------------------------------------------
    def handle(self, request: requests.PreparedRequest) -> tuple[int, dict | str, str]:
        self.requests.append(f"{request.method} {request.url}")
        if self.down:
            raise requests.ConnectionError("provider down")
        path = urlparse(request.url).path
        if path == "/realms/bank/.well-known/openid-configuration":
            return 200, self.discovery(), "application/json"
        if path == "/realms/bank/protocol/openid-connect/certs":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return 200, {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}, "application/json"
        if path == "/realms/bank/protocol/openid-connect/token" and request.method == "POST":
            return self.token(parse_qs(request.body if isinstance(request.body, str) else request.body.decode()))
        if path == "/realms/bank/protocol/openid-connect/userinfo":
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in self.access_tokens:
                return 401, {"error": "invalid_token"}, "application/json"
            return 200, self.access_tokens[token], "application/json"
        return 404, {"error": "not_found"}, "application/json"

    def discovery(self) -> dict:
        base = ISSUER + "/protocol/openid-connect"
        return {
            "issuer": ISSUER,
            "authorization_endpoint": base + "/auth",
            "token_endpoint": base + "/token",
            "userinfo_endpoint": base + "/userinfo",
            "jwks_uri": base + "/certs",
        }

    def token(self, form: dict[str, list[str]]) -> tuple[int, dict, str]:
        values = {k: v[-1] for k, v in form.items()}
        grant = self.codes.pop(values.get("code", ""), None)
        if grant is None or values.get("client_secret") != CLIENT_SECRET or values.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_grant"}, "application/json"
        query = grant["query"]
        verifier = values.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != query.get("code_challenge") or values.get("redirect_uri") != query["redirect_uri"]:
            return 400, {"error": "invalid_grant"}, "application/json"
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": self.audience,
            "iat": now,
            "exp": now + 300,
            "nonce": query.get("nonce"),
            **grant["claims"],
        }
        id_token = jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": self.kid})
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = dict(grant["claims"])
        return 200, {"id_token": id_token, "access_token": access_token, "token_type": "Bearer"}, "application/json"


@pytest.fixture
def provider(monkeypatch):
    fake = FakeProvider()
    real_send = HTTPAdapter.send

    def send(adapter, request, **kwargs):
        if not request.url.startswith("https://idp.bank.example/"):
            return real_send(adapter, request, **kwargs)
        status, body, content_type = fake.handle(request)
        response = requests.Response()
        response.status_code = status
        response._content = (json.dumps(body) if isinstance(body, dict) else body).encode()
        response.headers = CaseInsensitiveDict({"Content-Type": content_type})
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    monkeypatch.setattr(HTTPAdapter, "send", send)
    oidc._discovered.clear()
    yield fake
    oidc._discovered.clear()


@pytest.fixture
def oidc_settings(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""
    settings.OIDC_OP_TOKEN_ENDPOINT = ""
    settings.OIDC_OP_USER_ENDPOINT = ""
    settings.OIDC_OP_JWKS_ENDPOINT = ""
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_USERNAME_CLAIM = "preferred_username"
    settings.OIDC_STAFF_NO_CLAIM = "employee_id"
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        OIDC_BACKEND,
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.SSO_GROUP_ROLES = parse_group_map("/loanlit/legal => legal_manager | /loanlit/handlers => case_handler")
    settings.SSO_GROUP_UNITS = parse_group_map("/branches/beijing => BJ")
    settings.SSO_DEFAULT_UNIT = "HO"
    settings.SSO_DEFAULT_CREDITORS = ("BANK-A",)
    return settings


CLAIMS = {
    "sub": "0b6c-42",
    "preferred_username": "Zhang.Wei",
    "name": "Zhang Wei",
    "email": "zhang.wei@bank.example",
    "employee_id": "E1001",
    "groups": ["/loanlit/handlers", "/branches/beijing"],
}


def start(client) -> str:
    response = client.get(reverse("accounts:oidc_start"), {"next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"].startswith(ISSUER + "/protocol/openid-connect/auth?")
    return response["Location"]


def callback(client, query: dict):
    return client.get(reverse("accounts:oidc_callback") + "?" + urlencode(query))


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_bank_account_sign_in_creates_the_mapped_user_and_returns_to_next(client, personas, oidc_settings, provider):
    authorize = start(client)
    query = parse_qs(urlparse(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"]
    response = callback(client, provider.sign_in(authorize, CLAIMS))
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    user = signed_in_user(client)
    assert user is not None and user.username == "zhang.wei"
    assert client.session["_auth_user_backend"] == OIDC_BACKEND
    assert (user.role.code, user.unit.code, user.auth_source, user.staff_no) == ("case_handler", "BJ", "oidc", "E1001")
    assert list(user.creditors.values_list("code", flat=True)) == ["BANK-A"]
    assert not user.has_usable_password()
    assert AuditEntry.objects.filter(action="user.created", target_id=str(user.pk)).count() == 1
    assert f"POST {ISSUER}/protocol/openid-connect/token" in provider.requests


def test_next_sign_in_resynchronises_the_role_from_the_groups_claim(client, personas, oidc_settings, provider):
    callback(client, provider.sign_in(start(client), CLAIMS))
    client.post(reverse("accounts:logout"))
    claims = {**CLAIMS, "groups": ["/loanlit/legal"]}
    assert callback(client, provider.sign_in(start(client), claims)).status_code == 302
    user = User.objects.get(username="zhang.wei")
    assert (user.role.code, user.unit.code) == ("legal_manager", "HO")


def test_id_token_signed_with_another_key_is_refused(client, personas, oidc_settings, provider):
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    users = User.objects.count()
    response = callback(client, provider.sign_in(start(client), CLAIMS))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert signed_in_user(client) is None
    assert User.objects.count() == users
    assert AccessLog.objects.filter(action=AccessLog.Action.LOGIN_FAILED, detail__reason="oidc_error").count() == 1


def test_id_token_for_another_client_is_refused(client, personas, oidc_settings, provider):
    provider.audience = "another-application"
    users = User.objects.count()
    callback(client, provider.sign_in(start(client), CLAIMS))
    assert signed_in_user(client) is None
    assert User.objects.count() == users


def test_no_mapped_group_is_refused_with_a_message_and_logged(client, personas, oidc_settings, provider):
    users = User.objects.count()
    response = callback(client, provider.sign_in(start(client), {**CLAIMS, "groups": ["/everyone"]}))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert signed_in_user(client) is None
    assert User.objects.count() == users
    page = client.get(response["Location"])
    assert "您的目录账号不在可访问 Loanlit 的组中" in page.content.decode()
    row = AccessLog.objects.get(action=AccessLog.Action.LOGIN_FAILED, detail__reason="no_role")
    assert row.detail == {"source": "oidc", "username": "Zhang.Wei", "reason": "no_role"}


def test_callback_with_a_state_this_browser_never_started_is_refused(client, personas, oidc_settings, provider):
    authorize = start(client)
    query = provider.sign_in(authorize, CLAIMS)
    response = callback(client, {**query, "state": "forged-state"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert signed_in_user(client) is None
    assert not any("/token" in line for line in provider.requests)


def test_replayed_callback_is_refused(client, personas, oidc_settings, provider):
    query = provider.sign_in(start(client), CLAIMS)
    callback(client, query)
    client.post(reverse("accounts:logout"))
    response = callback(client, query)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert signed_in_user(client) is None


def test_provider_down_sends_the_user_back_to_the_login_page(client, personas, oidc_settings, provider):
    provider.down = True
    response = client.get(reverse("accounts:oidc_start"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert "银行统一认证服务无响应" in client.get(response["Location"]).content.decode()


def test_explicit_endpoints_work_without_discovery(client, personas, oidc_settings, provider):
    base = ISSUER + "/protocol/openid-connect"
    oidc_settings.OIDC_ISSUER = ""
    oidc_settings.OIDC_OP_AUTHORIZATION_ENDPOINT = base + "/auth"
    oidc_settings.OIDC_OP_TOKEN_ENDPOINT = base + "/token"
    oidc_settings.OIDC_OP_USER_ENDPOINT = base + "/userinfo"
    oidc_settings.OIDC_OP_JWKS_ENDPOINT = base + "/certs"
    callback(client, provider.sign_in(start(client), CLAIMS))
    assert signed_in_user(client).username == "zhang.wei"
    assert not any("well-known" in line for line in provider.requests)


def test_password_sign_in_never_calls_the_provider(client, personas, oidc_settings, provider):
    client.post(reverse("accounts:login") + "?code=abc&state=def", {"username": "x", "password": "y"})
    assert provider.requests == []


def test_routes_are_404_when_oidc_is_not_configured(client, settings, personas):
    settings.OIDC_ENABLED = False
    assert client.get(reverse("accounts:oidc_start")).status_code == 404
    assert client.get(reverse("accounts:oidc_callback"), {"code": "x", "state": "y"}).status_code == 404


def test_backend_maps_claims_through_the_service(personas, oidc_settings, rf):
    backend = oidc.LoanlitOIDCBackend()
    backend.request = rf.get("/accounts/oidc/callback/")
    assert backend.verify_claims(CLAIMS)
    assert not backend.verify_claims({**CLAIMS, "preferred_username": " "})
    assert list(backend.filter_users_by_claims(CLAIMS)) == []
    user = backend.create_user(CLAIMS)
    assert list(backend.filter_users_by_claims({**CLAIMS, "preferred_username": "ZHANG.WEI"})) == [user]
    updated = backend.update_user(user, {**CLAIMS, "groups": "/loanlit/legal", "email": "zw@bank.example"})
    assert (updated.pk, updated.role.code, updated.email) == (user.pk, "legal_manager", "zw@bank.example")


def test_backend_refuses_a_local_account_with_the_same_user_name(personas, oidc_settings, rf):
    backend = oidc.LoanlitOIDCBackend()
    backend.request = rf.get("/accounts/oidc/callback/")
    local = personas.case_handler
    with pytest.raises(oidc.services.SignOnRefused):
        backend.update_user(local, {**CLAIMS, "preferred_username": local.username})
    local.refresh_from_db()
    assert local.auth_source == "local"
    assert backend.request.sso_refusal == f"用户名 {local.username} 属于本地账号，不能通过目录服务登录。"


def test_a_bank_sign_on_user_confirms_by_signing_in_at_the_provider_again(client, personas, oidc_settings, provider):
    from loanlit.accounts.reauth import recently_authenticated
    from tests.support.reauth import forget

    callback(client, provider.sign_in(start(client), CLAIMS))
    forget(client)
    page = client.get(reverse("accounts:confirm"), {"next": "/cases/"}, headers={"accept-language": "en"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="oidc-reauth"' in body and 'name="password"' not in body
    again = client.get(reverse("accounts:oidc_start"), {"next": "/cases/", "reauth": "1"})
    assert again.status_code == 302
    query = parse_qs(urlparse(again["Location"]).query)
    assert (query["prompt"], query["max_age"]) == (["login"], ["0"])
    response = callback(client, provider.sign_in(again["Location"], CLAIMS))
    assert response.status_code == 302 and response["Location"] == "/cases/"

    class Request:  # the session of the client after the second sign-in
        session = client.session

    assert recently_authenticated(Request())
    from loanlit.audit.models import AccessLog

    assert AccessLog.objects.filter(action="reauth", user=signed_in_user(client)).count() == 1
