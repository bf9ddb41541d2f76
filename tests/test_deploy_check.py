"""Production settings pass `manage.py check --deploy` with no warning; HTTPS, HSTS and cookie flags follow
LOANLIT_HTTPS; the proxy header is believed only with named proxies; no view skips the CSRF check."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROOT = Path(__file__).resolve().parent.parent

# What a bank's production start-up looks like: real-looking secrets, DEBUG off, a host name.
PRODUCTION = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "LOANLIT_DEBUG": "false",
    "LOANLIT_TESTING": "false",
    "LOANLIT_SECRET_KEY": secrets.token_urlsafe(64),
    "LOANLIT_ENCRYPTION_KEY": "prod1:" + __import__("base64").b64encode(secrets.token_bytes(32)).decode(),
    "LOANLIT_HMAC_KEY": secrets.token_urlsafe(48),
    "LOANLIT_ALLOWED_HOSTS": "loanlit.bank.example",
    "LOANLIT_DATABASE_URL": "sqlite:///:memory:",
}

SETTINGS_DUMP = """
import json, django
from django.conf import settings
django.setup()
names = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
         "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME",
         "SECURE_PROXY_SSL_HEADER", "SECURE_CROSS_ORIGIN_OPENER_POLICY", "WATERMARK_PAGES"]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def _run(args: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**PRODUCTION, **extra, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def _settings(**extra: str) -> dict:
    result = _run([sys.executable, "-c", SETTINGS_DUMP], **extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings():
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "W0" not in result.stdout + result.stderr


def test_check_deploy_stays_clean_when_hsts_preload_is_turned_on():
    result = _run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], LOANLIT_HSTS_PRELOAD="true"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_defaults_force_https_hsts_and_host_only_secure_cookies():
    assert _settings() == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "WATERMARK_PAGES": True,
    }


def test_named_proxies_make_x_forwarded_proto_believed_and_hsts_seconds_are_configurable():
    values = _settings(
        LOANLIT_TRUSTED_PROXIES="10.1.2.0/24", LOANLIT_HSTS_SECONDS="86400", LOANLIT_WATERMARK_PAGES="false"
    )

    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 86400
    assert values["WATERMARK_PAGES"] is False


@pytest.mark.parametrize("switch", [{"LOANLIT_HTTPS": "false"}, {"LOANLIT_SECURE_COOKIES": "false"}])
def test_a_plain_http_install_turns_redirect_hsts_and_secure_cookies_off(switch):
    values = _settings(**switch)

    assert (values["SECURE_SSL_REDIRECT"], values["SECURE_HSTS_SECONDS"], values["SESSION_COOKIE_SECURE"]) == (
        False,
        0,
        False,
    )
    assert (values["SESSION_COOKIE_NAME"], values["CSRF_COOKIE_NAME"]) == ("sessionid", "csrftoken")
    assert values["SESSION_COOKIE_HTTPONLY"] is values["CSRF_COOKIE_HTTPONLY"] is True


def test_a_malformed_hsts_value_stops_start_up_with_the_variable_named():
    result = _run([sys.executable, "manage.py", "check"], LOANLIT_HSTS_SECONDS="a year")

    assert result.returncode != 0
    assert "LOANLIT_HSTS_SECONDS must be a whole number" in result.stderr


# --- the same rules in a running app -----------------------------------------------------------------------


@pytest.mark.django_db
def test_plain_http_is_redirected_and_https_answers_carry_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = False

    plain = client.get(reverse("accounts:login"))
    secure = client.get(reverse("accounts:login"), secure=True)

    assert plain.status_code == 301 and plain["Location"] == "https://testserver/accounts/login/"
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert secure["Cross-Origin-Opener-Policy"] == "same-origin"


# --- CSRF everywhere ------------------------------------------------------------------------------------------

# Views that may skip Django's CSRF check, each with its reason. None today: the OpenID Connect callback
# is a GET (no state change through CSRF), the API is not served from these URLs.
CSRF_EXEMPT_ALLOWED: dict[str, str] = {}


def _views(patterns: list, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern.callback))
    return found


def test_no_view_is_csrf_exempt():
    views = _views(get_resolver().url_patterns)
    assert len(views) > 100  # the walk reached the apps' URLconfs

    # Django REST framework marks its views csrf_exempt and checks the CSRF token itself whenever the caller is
    # authenticated by the session cookie (loanlit.api.authentication.SessionAuthentication); API keys are sent
    # in a header, which a cross-site form cannot set. test_api_session_writes_need_the_csrf_token proves it.
    exempt = sorted(
        route for route, view in views if getattr(view, "csrf_exempt", False) and not route.startswith("api/")
    )

    assert exempt == sorted(CSRF_EXEMPT_ALLOWED)


@pytest.mark.django_db
def test_api_session_writes_need_the_csrf_token(personas):
    from django.test import Client

    from loanlit.cases.models import Case

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.case_handler)
    before = Case.objects.count()

    response = client.post("/api/v1/cases/", {}, content_type="application/json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert Case.objects.count() == before


def test_csrf_middleware_is_on():
    from django.conf import settings

    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
