"""The mention autocomplete in a real browser (desktop and phone): the handler types "@li" in a comment,
is offered the legal manager who sees the case (never the colleague of another branch with a similar name),
picks her with Enter and posts; the comment shows the mention and she is notified."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from tests.browser.test_case_pages import bank_with_handler
from tests.browser.test_smoke import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, VIEWPORTS, _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def collab_world(settings, tmp_path):
    from loanlit.accounts import services as accounts
    from loanlit.cases.tests.views_support import build_case_world

    settings.MEDIA_ROOT = tmp_path
    creditor, head, beijing, handler = bank_with_handler()
    manager = accounts.user_create(
        actor=None,
        username="li.na",
        password=PASSWORD,
        role_code="legal_manager",
        unit=head,
        creditors=[creditor],
        display_name="Li Na",
    )
    guangdong = accounts.org_unit_create(
        actor=None, code="GD", name="Guangdong branch", kind="branch", parent=head, region_code="440000"
    )
    accounts.user_create(
        actor=None,
        username="li.gd",
        password=PASSWORD,
        role_code="case_handler",
        unit=guangdong,
        creditors=[creditor],
        display_name="Li Guang",
    )
    world = build_case_world(SimpleNamespace(creditor=creditor, beijing=beijing, case_handler=handler))
    return SimpleNamespace(case=world.case, handler=handler, manager=manager)


@pytest.fixture
def browser(live_server, collab_world) -> Iterator[object]:
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


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_mention_autocomplete_offers_only_colleagues_who_see_the_case(browser, live_server, collab_world, device):
    from loanlit.collaboration.models import Comment
    from loanlit.notifications.models import Notification

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "wang.fang")
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}{collab_world.case.get_absolute_url()}")
    page.click("#new-comment > summary")
    box = page.locator("#comment-form-body")
    box.click()
    box.press_sequentially("Please check @li", delay=30)
    menu = page.locator("#new-comment .mention-menu")
    menu.locator("li").first.wait_for()
    assert menu.locator("li").count() == 1
    assert "Li Na" in menu.inner_text() and "@li.na" in menu.inner_text()
    assert "li.gd" not in menu.inner_text()
    box.press("Enter")
    assert box.input_value() == "Please check @li.na "
    page.screenshot(path=str(ARTIFACTS / f"collaboration-mention-{device}.png"), full_page=True)
    page.click("#new-comment button[type=submit]")
    page.wait_for_url(f"**{collab_world.case.get_absolute_url()}#comment-*")
    assert page.locator("#case-comments .mention").inner_text() == "@li.na"
    comment = Comment.objects.get()
    assert list(comment.mentions.values_list("user__username", flat=True)) == ["li.na"]
    assert Notification.objects.filter(recipient=collab_world.manager).count() == 1
    assert errors == []
    context.close()
