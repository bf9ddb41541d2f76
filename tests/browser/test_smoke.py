"""Browser smoke test: Debian's chromium through Playwright, on a desktop and a phone viewport."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread, which trips Django's async-safety check.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
PASSWORD = "Ledger-Tiger-2026!"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} — CI must run the browser tests (install it with `make browser-packages`).")
    pytest.skip(f"{reason}; browser tests skipped (run `make browser-packages` to enable them).")


@pytest.fixture
def user_with_notification():
    from loanlit.accounts import services as accounts
    from loanlit.accounts.models import Role
    from loanlit.accounts.permissions import BUILTIN_ROLES
    from loanlit.core.models import OrgUnit
    from loanlit.notifications import services as notifications

    # An earlier transactional test may have flushed the roles the migration seeded. (serialized_rollback
    # would restore them, but collides with content types that post_migrate re-creates after a flush.)
    name, permissions = BUILTIN_ROLES["case_handler"]
    Role.objects.get_or_create(
        code="case_handler", defaults={"name": str(name), "permissions": list(permissions), "is_builtin": True}
    )
    unit = accounts.org_unit_create(actor=None, code="BJ", name="Beijing branch", kind=OrgUnit.Kind.BRANCH)
    user = accounts.user_create(
        actor=None,
        username="wang.fang",
        password=PASSWORD,
        role_code="case_handler",
        unit=unit,
        display_name="Wang Fang",
    )
    notifications.notify(
        recipients=[user],
        code="deadline.due",
        title="Case LL-2026-0001: appeal period ends 2026-03-02",
        body="Appeal period (15 days) from service on 2026-02-15.",
        link="/notifications/",
    )
    return user


@pytest.fixture
def browser(live_server, user_with_notification) -> Iterator[object]:
    # Depends on the data fixtures so every ORM call happens before Playwright starts: its greenlet
    # has its own context variables, hence its own database connection objects.
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open_menu_if_collapsed(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#main-nav.show").wait_for()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_sign_in_switch_language_and_see_the_unread_bell(browser, live_server, device):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in {"error", "warning"} else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/")
        assert page.url.startswith(f"{live_server.url}/accounts/login/")
        assert page.locator("#sign-in-button").inner_text() == "登录"
        page.screenshot(path=str(ARTIFACTS / f"login-{device}-zh.png"), full_page=True)

        page.fill("#id_username", "wang.fang")
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in-button")
        page.wait_for_url(f"{live_server.url}/")

        bell = page.locator("#notification-bell")
        assert bell.is_visible()
        assert bell.get_attribute("data-unread") == "1"
        assert page.locator("#notification-count").inner_text() == "1"
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        _open_menu_if_collapsed(page)
        assert page.locator("#main-nav .nav-link", has_text="工作台").is_visible()
        page.screenshot(path=str(ARTIFACTS / f"home-{device}-zh.png"), full_page=True)

        switch = page.locator("#language-switch")
        assert switch.inner_text() == "English"
        switch.click()
        page.wait_for_load_state()
        page.locator("html[lang='en']").wait_for()
        _open_menu_if_collapsed(page)
        assert page.locator("#main-nav .nav-link", has_text="Dashboard").is_visible()
        assert page.locator("#language-switch").inner_text() == "简体中文"
        assert page.locator("#unread-stat").inner_text() == "1"
        page.screenshot(path=str(ARTIFACTS / f"home-{device}-en.png"), full_page=True)

        # Mark it read on the list page: htmx posts with the CSRF header and swaps the bell out of band.
        page.goto(f"{live_server.url}/notifications/")
        page.get_by_role("button", name="Mark as read").click()
        page.locator("#notification-count").wait_for(state="detached")
        assert page.locator("#notification-bell").get_attribute("data-unread") == "0"
        assert page.url == f"{live_server.url}/notifications/"
        page.screenshot(path=str(ARTIFACTS / f"notifications-{device}-en.png"), full_page=True)
    finally:
        context.close()

    assert problems == []
