"""Enforcement in a real browser (desktop and phone): the judgment becomes effective on service, a
preservation freeze is recorded, enforcement is applied for and takes the freeze over with its term running,
the freeze shows its expiry and the day to apply for renewal, it is on the cross-case list of expiring
measures, and a week before that day the handler finds the renewal reminder behind the bell."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.browser.test_case_pages import bank_with_handler
from tests.browser.test_smoke import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, VIEWPORTS, _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")
JUDGED_ON = dt.date(2026, 2, 10)
SERVED_ON = dt.date(2026, 2, 12)
# Appeal period to Friday 2026-02-27 (CPL art. 171): effective 2026-02-28.
EFFECTIVE_ON = dt.date(2026, 2, 28)
# A freeze of a deposit in the suit from 2025-03-20: expires Friday 2026-03-20, apply to renew by Friday 2026-03-13.
FROZEN_ON = dt.date(2025, 3, 20)
EXPIRES_ON = dt.date(2026, 3, 20)
RENEW_BY = dt.date(2026, 3, 13)
RECORDED_AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
REMINDED_AT = dt.datetime(2026, 3, 6, 9, 0, tzinfo=SHANGHAI)  # 7 days before the renewal day


@pytest.fixture
def judged_world():
    from loanlit.cases import services as cases
    from loanlit.cases.tests.views_support import build_case_world

    creditor, _head, beijing, handler = bank_with_handler()
    world = build_case_world(SimpleNamespace(creditor=creditor, beijing=beijing, case_handler=handler))
    cases.proceeding_record_judgment(
        actor=None,
        proceeding=world.proceeding,
        judged_on=JUDGED_ON,
        items=[cases.JudgmentItemInput(kind="principal", amount=Decimal("12000.00"))],
        version=world.proceeding.version,
    )
    return world


@pytest.fixture
def browser(live_server, judged_world) -> Iterator[object]:
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
    page.screenshot(path=str(ARTIFACTS / f"enforcement-{name}-{device}.png"), full_page=True)


def _submit(page, url: str | re.Pattern[str]) -> None:
    page.click("#submit-button")
    page.wait_for_url(url)


def _page(url: str) -> re.Pattern[str]:
    """``url`` itself, with or without an anchor (a form's own URL under it does not match)."""
    return re.compile(rf"{re.escape(url)}(#.*)?$")


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_from_an_effective_judgment_to_the_seizure_renewal_reminder(browser, live_server, judged_world, device):
    from loanlit.cases.models import Judgment, ProceedingParty
    from loanlit.deadlines.models import Deadline, ReminderDelivery
    from loanlit.deadlines.services import reminders
    from loanlit.enforcement.models import Asset, Measure

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    case, proceeding, court = judged_world.case, judged_world.proceeding, judged_world.court
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in {"error", "warning"} else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    enforcement_url = f"{base}/enforcement/case/{case.pk}/"
    try:
        with time_machine.travel(RECORDED_AT, tick=True):
            _sign_in(page, base)
            # 1. The judgment is served on both parties: it takes effect after the appeal period.
            for participant in ProceedingParty.objects.filter(proceeding=proceeding).order_by("pk"):
                page.goto(f"{base}/cases/{case.pk}/proceedings/{proceeding.pk}/service/add/")
                page.select_option("#id_proceeding_party", str(participant.pk))
                page.select_option("#id_document", "judgment")
                page.fill("#id_served_on", SERVED_ON.isoformat())
                page.select_option("#id_method", "direct")
                _submit(page, re.compile(rf"/cases/{case.pk}/\?tab=proceedings"))
            assert Judgment.objects.get(proceeding=proceeding).effective_on == EFFECTIVE_ON

            # 2. The freeze of the debtor's deposit from the suit, from the case page's enforcement panel.
            page.goto(f"{base}/cases/{case.pk}/")
            page.click("#open-enforcement")
            page.wait_for_url(enforcement_url)
            page.click("#add-asset")
            page.wait_for_url("**/assets/add/")
            page.select_option("#id_kind", "deposit")
            page.fill("#id_description", "Current account")
            page.select_option("#id_source", "asset_search")
            page.fill("#id_found_on", "2025-03-18")
            page.fill("#id_registration_no", "6222020200001234")
            _submit(page, _page(enforcement_url))
            page.click("#add-measure")
            page.wait_for_url("**/measures/add/")
            assert page.locator("#id_asset").input_value() == str(Asset.objects.get(case=case).pk)  # the only one
            page.select_option("#id_kind", "freeze")
            page.select_option("#id_basis", "preservation")
            page.fill("#id_started_on", FROZEN_ON.isoformat())
            page.fill("#id_amount", "8000.00")
            _shot(page, "measure-form", device)
            _submit(page, _page(enforcement_url))
            measure = Measure.objects.get(case=case)
            assert (measure.expires_on, measure.renewal_due_on) == (EXPIRES_ON, RENEW_BY)

            # 3. Enforcement is applied for; the freeze becomes the enforcement's, its term running on.
            page.click("#apply-enforcement")
            page.wait_for_url("**/apply/")
            page.select_option("#id_court", str(court.pk))
            page.fill("#id_applied_on", RECORDED_AT.date().isoformat())
            _submit(page, _page(enforcement_url))
            measure.refresh_from_db()
            assert measure.enforcement_proceeding is not None and measure.expires_on == EXPIRES_ON
            row = page.locator(f"#measure-{measure.pk}")
            assert row.locator(".measure-expiry").inner_text().startswith("2026-03-20")
            assert row.locator(".measure-renewal").inner_text().startswith("2026-03-13")
            assert "6222020200001234" not in page.locator("#assets").inner_text()  # masked
            _shot(page, "case", device)

            renewal = Deadline.objects.get(case=case, kind=Deadline.Kind.PRESERVATION_RENEWAL)
            assert (renewal.due_on, renewal.responsible.username) == (RENEW_BY, "wang.fang")
            page.goto(f"{base}/enforcement/measures/expiring/?days=30")
            assert page.locator(f"#expiring-{measure.pk}").is_visible()
            _shot(page, "expiring", device)

        with time_machine.travel(REMINDED_AT, tick=True):
            run = reminders.reminders_run()
            # The deadlines app reminds of the expiry on the renewal day too (its reminder date is the same).
            assert sorted((o.kind, o.channel, o.offset, o.status, o.case_no) for o in run.sent) == [
                ("preservation_expiry", "in_app", 7, "sent", case.internal_no),
                ("preservation_renewal", "in_app", 7, "sent", case.internal_no),
            ]
            assert ReminderDelivery.objects.get(deadline=renewal).status == "sent"
            _sign_in(page, base)  # the session of last week has expired
            bell = page.locator("#notification-bell")
            assert bell.get_attribute("data-unread") == "2"
            bell.click()
            page.wait_for_url("**/notifications/")
            body = page.locator("main").inner_text()
            assert case.internal_no in body and "Zhang San" not in body and "6222" not in body
            _shot(page, "reminder", device)
    finally:
        context.close()

    assert problems == []
