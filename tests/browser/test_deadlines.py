"""Deadlines in a real browser (desktop and phone): record a judgment's service date on the case page, see
the appeal deadline on the deadline calendar, travel to the day before it, run one reminder scan and find
the in-app reminder behind the bell."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.browser.test_case_pages import bank_with_handler
from tests.browser.test_smoke import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, VIEWPORTS, _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
SERVED_ON = dt.date(2026, 2, 23)
# Fifteen days from service (CPL art. 171): 2026-03-10, a Tuesday.
APPEAL_DUE = dt.date(2026, 3, 10)
RECORDED_AT = dt.datetime(2026, 2, 24, 10, 0, tzinfo=SHANGHAI)
REMINDED_AT = dt.datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def deadline_world():
    from loanlit.cases.models import ProceedingParty
    from loanlit.cases.tests.views_support import build_case_world

    creditor, _head, beijing, handler = bank_with_handler()
    world = build_case_world(SimpleNamespace(creditor=creditor, beijing=beijing, case_handler=handler))
    world.defendant = ProceedingParty.objects.get(proceeding=world.proceeding, role="defendant")
    return world


@pytest.fixture
def browser(live_server, deadline_world) -> Iterator[object]:
    # Depends on the data fixture so the world exists before Playwright starts.
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


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "wang.fang")
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_url(f"{base}/")


def _shot(page, name: str, device: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"deadlines-{name}-{device}.png"), full_page=True)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_service_date_gives_the_appeal_deadline_on_the_calendar_and_a_reminder_in_the_app(
    browser, live_server, deadline_world, device
):
    from loanlit.deadlines.models import Deadline
    from loanlit.deadlines.services import reminders

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    case, proceeding, defendant = deadline_world.case, deadline_world.proceeding, deadline_world.defendant
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in {"error", "warning"} else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        with time_machine.travel(RECORDED_AT, tick=True):
            _sign_in(page, base)
            # The service record form, from the case's proceedings tab.
            page.goto(f"{base}/cases/{case.pk}/?tab=proceedings")
            page.locator(f'a[href="/cases/{case.pk}/proceedings/{proceeding.pk}/service/add/"]').click()
            page.wait_for_url(f"**/cases/{case.pk}/proceedings/{proceeding.pk}/service/add/")
            page.select_option("#id_proceeding_party", str(defendant.pk))
            page.select_option("#id_document", "judgment")
            page.fill("#id_served_on", SERVED_ON.isoformat())
            page.select_option("#id_method", "direct")
            _shot(page, "service-form", device)
            page.click("#submit-button")
            page.wait_for_url(f"**/cases/{case.pk}/**")

            appeal = Deadline.objects.get(case=case, kind=Deadline.Kind.APPEAL, proceeding_party=defendant)
            assert (appeal.start, appeal.due_on, appeal.status) == (SERVED_ON, APPEAL_DUE, "open")

            page.goto(f"{base}/deadlines/calendar/?month=2026-03")
            link = f'a[href="/deadlines/{appeal.pk}/"]'
            if device == "phone":
                item = page.locator("#deadline-calendar-list li", has=page.locator(link))
                assert item.is_visible()
                assert item.locator(".fw-semibold").inner_text().startswith("2026-03-10")
                assert page.locator("#deadline-calendar").is_hidden()
            else:
                cell = page.locator("#deadline-calendar td", has=page.locator(link))
                assert cell.locator(".fw-semibold").inner_text() == "10"
                assert case.internal_no in cell.inner_text()
            _shot(page, "calendar", device)

        with time_machine.travel(REMINDED_AT, tick=True):
            run = reminders.reminders_run()
            assert [(o.channel, o.offset, o.status) for o in run.sent] == [("in_app", 1, "sent")]
            _sign_in(page, base)  # the session of two weeks ago has expired
            bell = page.locator("#notification-bell")
            assert bell.get_attribute("data-unread") == "1"
            assert page.locator("#notification-count").inner_text() == "1"
            bell.click()
            page.wait_for_url("**/notifications/")
            body = page.locator("main").inner_text()
            assert case.internal_no in body and "Zhang San" not in body
            _shot(page, "reminder", device)
    finally:
        context.close()

    assert problems == []
