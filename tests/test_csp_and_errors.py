"""Security headers, CSP-clean templates, and translated error pages (DEBUG off, as in production)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from config import urls as project_urls
from loanlit.core.views import public

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def _bad(request: HttpRequest) -> HttpResponse:
    raise BadRequest


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("an unexpected failure")


def _upload(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"received {sum(f.size for f in request.FILES.values())} bytes")


# This module doubles as the URLconf for the tests below: the project's routes plus views that fail.
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500
urlpatterns = [
    *project_urls.urlpatterns,
    path("test-errors/403/", public(_forbidden)),
    path("test-errors/400/", public(_bad)),
    path("test-errors/500/", public(_boom)),
    path("test-errors/upload/", public(_upload)),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

ZH = {"accept-language": "zh-CN,zh;q=0.9"}
EN = {"accept-language": "en"}


@pytest.fixture(autouse=True)
def _production_mode(settings):
    settings.DEBUG = False


# --- CSP and headers ------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["accounts:login", "core:home"])
def test_pages_carry_the_content_security_policy_and_security_headers(client, personas, url_name):
    client.force_login(personas.case_handler)

    response = client.get(reverse(url_name), follow=True)

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_error_pages_carry_the_content_security_policy_too(client):
    assert "script-src 'self'" in client.get("/no-such-page/")["Content-Security-Policy"]


def _templates() -> list[Path]:
    return sorted([*(ROOT / "templates").rglob("*.html"), *(ROOT / "loanlit").glob("*/templates/**/*.html")])


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\s(?:on[a-z]+|hx-on[:\w-]*)\s*=", re.IGNORECASE)


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_script_style_or_event_handlers(template: Path):
    text = template.read_text(encoding="utf-8")
    assert INLINE_SCRIPT.findall(text) == []
    assert INLINE_STYLE.findall(text) == []
    assert EVENT_HANDLER.findall(text) == []


def test_base_template_loads_vendor_assets_locally_with_htmx_eval_off(client, personas):
    client.force_login(personas.case_handler)
    html = client.get(reverse("core:home")).content.decode()

    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == [
        "/static/vendor/bootstrap/js/bootstrap.bundle.min.js",
        "/static/vendor/htmx/htmx.min.js",
        "/static/js/app.js",
    ]
    assert '<link rel="stylesheet" href="/static/vendor/bootstrap/css/bootstrap.min.css">' in html
    htmx_config = '{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false}'
    assert f"<meta name=\"htmx-config\" content='{htmx_config}'>" in html
    assert re.search(r'<meta name="csrf-token" content="[A-Za-z0-9]{64}">', html)
    assert "//cdn" not in html and "https://" not in html.replace("http://www.w3.org/2000/svg", "")
    for asset in [*scripts, "/static/vendor/bootstrap/css/bootstrap.min.css", "/static/css/app.css"]:
        assert (ROOT / asset.removeprefix("/")).is_file(), asset


def test_app_js_sends_the_csrf_token_with_htmx_requests():
    source = (ROOT / "static/js/app.js").read_text(encoding="utf-8")
    assert "htmx:configRequest" in source
    assert 'event.detail.headers["X-CSRFToken"]' in source
    assert "eval(" not in source


def test_logout_and_language_switch_are_post_forms(client, personas):
    client.force_login(personas.case_handler)
    html = client.get(reverse("core:home")).content.decode()

    assert re.search(
        r'<form method="post" action="/accounts/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken"', html
    )
    assert re.search(r'<form class="lang-switch" method="post" action="/i18n/setlang/">', html)
    assert client.get(reverse("accounts:logout")).status_code == 405


# --- error pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "zh_title", "en_title"),
    [
        ("/test-errors/400/", 400, "请求无效", "Bad request"),
        ("/test-errors/403/", 403, "无权操作", "Not allowed"),
        ("/no-such-page/", 404, "页面不存在", "Not found"),
    ],
)
def test_error_pages_are_translated(client, url, status, zh_title, en_title):
    zh = client.get(url, headers=ZH)
    en = client.get(url, headers=EN)

    assert (zh.status_code, en.status_code) == (status, status)
    assert f'<h1 class="h4">{zh_title}</h1>' in zh.content.decode()
    assert f'<h1 class="h4">{en_title}</h1>' in en.content.decode()


def test_server_error_page_is_translated_and_needs_no_context_processors():
    client = Client(raise_request_exception=False)

    zh = client.get("/test-errors/500/", headers=ZH)
    en = client.get("/test-errors/500/", headers=EN)

    assert (zh.status_code, en.status_code) == (500, 500)
    assert '<h1 class="h4">出错了</h1>' in zh.content.decode()
    assert '<h1 class="h4">Something went wrong</h1>' in en.content.decode()
    assert "an unexpected failure" not in en.content.decode()


def test_404_for_a_signed_in_user_is_translated_and_keeps_the_navigation(client, personas):
    client.force_login(personas.case_handler)

    response = client.get("/no-such-page/", headers=EN)

    assert response.status_code == 404
    assert "This page does not exist or is outside your scope." in response.content.decode()
    assert 'id="notification-bell"' in response.content.decode()


@pytest.mark.parametrize(
    ("headers", "title", "text"),
    [
        (ZH, "表单已失效", "请刷新页面后重新提交，未保存任何内容。"),
        (EN, "The form has expired", "Nothing was saved."),
    ],
)
def test_csrf_failure_page_is_translated(headers, title, text):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"}, headers=headers)

    assert response.status_code == 403
    html = response.content.decode()
    assert f'<h1 class="h4">{title}</h1>' in html
    assert text in html


# --- oversized uploads --------------------------------------------------------------------------------


def _file(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("scan.pdf", b"%" * size, content_type="application/pdf")


@pytest.fixture
def small_limit(settings):
    settings.MAX_UPLOAD_BYTES = 1 * MB
    return settings


def test_upload_within_the_limit_is_received(client, small_limit):
    response = client.post("/test-errors/upload/", {"file": _file(MB - 10)})

    assert response.status_code == 200
    assert response.content == f"received {MB - 10} bytes".encode()


@pytest.mark.parametrize(
    ("headers", "text"),
    [
        (ZH, "文件超过 1 MB 的上限，未保存任何内容。"),
        (EN, "The file is larger than the 1 MB limit. Nothing was saved."),
    ],
)
def test_file_over_the_limit_gets_a_translated_413(client, small_limit, headers, text):
    response = client.post("/test-errors/upload/", {"file": _file(MB + MB // 2)}, headers=headers)

    assert response.status_code == 413
    assert text in response.content.decode()


def test_request_far_over_the_limit_is_refused_before_reading_the_body(client, small_limit):
    response = client.post("/test-errors/upload/", {"file": _file(3 * MB)}, headers=EN)

    assert response.status_code == 413
    assert "The file is larger than the 1 MB limit. Nothing was saved." in response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_oversized_upload_is_refused_with_413_even_for_a_csrf_checked_anonymous_post(small_limit):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("accounts:login"), {"file": _file(MB + 1)}, headers=EN)

    assert response.status_code == 413


def test_form_body_over_djangos_memory_limit_gets_413_not_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * MB

    response = client.post("/test-errors/upload/", {"note": "x" * (3 * MB)}, headers=EN)

    assert response.status_code == 413
    assert "The file is larger than the 2 MB limit. Nothing was saved." in response.content.decode()


def test_oversized_upload_is_a_413_page_in_debug_mode_too(client, small_limit):
    small_limit.DEBUG = True

    response = client.post("/test-errors/upload/", {"file": _file(MB + MB // 2)}, headers=EN)

    assert response.status_code == 413
    assert "The file is larger than the 1 MB limit." in response.content.decode()


@pytest.mark.django_db
def test_api_clients_get_json_errors_from_django_itself(client, settings, personas):
    """An unknown /api/ path and an oversized API upload answer with the API's JSON error shape, not a page."""
    client.force_login(personas.case_handler)

    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"status": 404, "code": "not_found", "message": missing.json()["error"]["message"]}
    }

    settings.MAX_UPLOAD_BYTES = 1024
    big = client.post("/api/v1/documents/", {"file": "x" * 1_200_000}, content_type="application/json")
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "too_large"
