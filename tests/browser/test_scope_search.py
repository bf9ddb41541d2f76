"""Scope in a real browser (issue 10): a Beijing (branch A) handler cannot find a Guangdong (branch B)
borrower by name, full ID number or its last 6 characters — neither by submitting the case search nor by the
live search as one types (the case list's htmx search, its only autocomplete) — and sees the empty state;
a Guangdong handler finds the same borrower with the same searches, so the test can fail."""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.parse import quote

import pytest

from tests.browser.test_case_pages import bank_with_handler
from tests.browser.test_smoke import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, VIEWPORTS, _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BORROWER = "Chen Guangming"
SEQ = 7


@pytest.fixture
def branches():
    from loanlit.accounts import services as accounts
    from loanlit.cases.tests.views_support import build_case_world
    from loanlit.core.models import OrgUnit
    from loanlit.parties.tests.support import make_ric

    creditor, head, _beijing, _handler = bank_with_handler()  # wang.fang, Beijing branch
    guangdong = accounts.org_unit_create(
        actor=None, code="GD", name="Guangdong branch", kind=OrgUnit.Kind.BRANCH, parent=head, region_code="440000"
    )
    gd_handler = accounts.user_create(
        actor=None,
        username="chen.gd",
        password=PASSWORD,
        role_code="case_handler",
        unit=guangdong,
        creditors=[creditor],
        display_name="Chen GD",
    )
    # The Guangdong borrower's case, handled in Guangdong.
    world = build_case_world(
        SimpleNamespace(creditor=creditor, beijing=guangdong, case_handler=gd_handler), name=BORROWER, seq=SEQ
    )
    ric = make_ric(SEQ)
    return SimpleNamespace(case=world.case, ric=ric, queries=[("name", "Chen"), ("id", ric), ("tail", ric[-6:])])


@pytest.fixture
def browser(live_server, branches) -> Iterator[object]:
    # Depends on the data fixture so every ORM call happens before Playwright starts.
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


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_url(f"{base}/")


def _results(page) -> tuple[int, bool]:
    """(rows in the result table, whether the empty state shows)."""
    rows = page.locator("#case-table tbody tr").count()
    return rows, page.locator("#no-results").is_visible()


@pytest.mark.parametrize(("username", "finds"), [("wang.fang", False), ("chen.gd", True)])
def test_a_borrower_of_another_branch_cannot_be_found_by_any_search(browser, live_server, branches, username, finds):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="en-US", **VIEWPORTS["desktop"])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    base = live_server.url
    internal_no = branches.case.internal_no
    try:
        _sign_in(page, base, username)
        for kind, query in branches.queries:
            # The search submitted as a page.
            page.goto(f"{base}/cases/?q={quote(query)}")
            rows, empty = _results(page)
            assert (rows, empty) == ((1, False) if finds else (0, True)), (username, kind)
            assert (internal_no in page.content()) is finds, (username, kind)
            assert BORROWER not in page.content() or finds
            page.screenshot(path=str(ARTIFACTS / f"scope-search-{username}-{kind}.png"), full_page=True)

            # The live search: type into the box on a fresh list; htmx swaps the results in place.
            page.goto(f"{base}/cases/")
            box = page.locator("#id_q")
            box.fill("")
            with page.expect_response(lambda r: "/cases/?" in r.url and "q=" in r.url):
                box.type(query)
                box.press("Enter")
            page.wait_for_url("**/cases/?*q=*")
            page.locator("#result-count").wait_for()
            rows, empty = _results(page)
            assert (rows, empty) == ((1, False) if finds else (0, True)), (username, kind, "live")
            assert (internal_no in page.locator("#case-results").inner_html()) is finds
    finally:
        context.close()
    assert problems == []
