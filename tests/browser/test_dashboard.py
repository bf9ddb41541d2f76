"""The statistics dashboard in a real browser (issue 11): a Beijing case handler opens the dashboard,
the charts draw (canvas), a filter narrows the figures, a figure opens the cases behind it (never the
Guangdong case), the Excel export downloads a workbook that opens with the same numbers and the PNG
export downloads an image; on a phone (390×844) the page has no horizontal overflow."""

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
def portfolio():
    from loanlit.accounts import services as accounts
    from loanlit.core.models import OrgUnit
    from loanlit.reports.tests.dashboard_support import build_portfolio

    creditor, head, beijing, handler = bank_with_handler()  # wang.fang, Beijing branch, reports.view
    chaoyang = accounts.org_unit_create(
        actor=None, code="BJ-CY", name="Chaoyang sub-branch", kind=OrgUnit.Kind.SUB_BRANCH, parent=beijing
    )
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
    )
    people = SimpleNamespace(
        creditor=creditor,
        beijing=beijing,
        beijing_chaoyang=chaoyang,
        guangdong=guangdong,
        case_handler=handler,
        outsider_branch=gd_handler,
    )
    return build_portfolio(people)


@pytest.fixture
def browser(live_server, portfolio) -> Iterator[object]:
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


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "wang.fang")
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in-button")
    page.wait_for_url(f"{base}/")


def _figure(page, code: str) -> str:
    return page.locator(f"#figure-{code} .figure-value").inner_text().strip()


def test_open_filter_drill_down_and_export_the_dashboard(browser, live_server, portfolio, tmp_path):
    import openpyxl

    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="en-US", accept_downloads=True, **VIEWPORTS["desktop"])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    base = live_server.url
    try:
        _sign_in(page, base)
        page.click("#nav-statistics")
        page.click("#nav-stats-dashboard")
        page.wait_for_url(f"{base}/dashboard/")
        page.locator("#chart-region canvas").first.wait_for()
        assert page.locator(".dashboard-chart canvas").count() >= 10
        # The Beijing handler's scope: BJ-1 and BJ-2, never the Guangdong case.
        assert _figure(page, "cases") == "2"
        assert _figure(page, "claim") == "20,345.67"
        assert _figure(page, "recovered") == "5,000.00"
        page.screenshot(path=str(ARTIFACTS / "dashboard-desktop.png"), full_page=True)
        # The navigation bar (with the Statistics menu) fits a desktop screen: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

        # A filter narrows every figure: the court's province Beijing leaves BJ-1.
        page.locator("#stats-filters summary").click()
        page.select_option("#id_court_province", "11")
        page.click("#apply-filters")
        page.wait_for_url("**/dashboard/?*court_province=11*")
        page.locator("#chart-region canvas").first.wait_for()
        assert _figure(page, "cases") == "1"
        assert _figure(page, "claim") == "12,345.67"
        assert "Live figures" in page.locator("#figures-as-of").inner_text()

        # Drill down from the total: the cases behind it are BJ-1 only.
        page.click("#figure-cases")
        page.wait_for_url("**/dashboard/cases/?*")
        rows = page.locator("#drilldown-table tbody tr")
        assert rows.count() == 1
        assert portfolio.bj1.internal_no in rows.first.inner_text()
        assert portfolio.gd1.internal_no not in page.content()
        page.go_back()
        page.locator("#chart-region canvas").first.wait_for()

        # A figure in a widget's table drills down too: Shanghai court, no filter → BJ-2.
        page.goto(f"{base}/dashboard/")
        page.locator("#widget-regions details summary").first.click()
        page.locator("#table-region tr[data-key='31'] td a").first.click()
        page.wait_for_url("**/dashboard/cases/?*key=31*")
        assert page.locator("#drilldown-table tbody tr").count() == 1
        assert portfolio.bj2.internal_no in page.locator("#drilldown-table").inner_text()
        page.go_back()
        page.locator("#chart-region canvas").first.wait_for()

        # Excel export of a widget: a workbook with the same numbers.
        with page.expect_download() as info:
            page.click("#export-region-xlsx")
        path = tmp_path / "region.xlsx"
        info.value.save_as(path)
        sheet = openpyxl.load_workbook(path).worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
        assert any(row[:2] == ("Beijing", 1) for row in values if row), values
        assert any(row[:2] == ("Shanghai", 1) for row in values if row), values
        assert not any(row and row[0] == "Guangdong" for row in values)

        # PNG export of the chart (drawn in the browser).
        with page.expect_download() as info:
            page.click("#export-region-png")
        png = tmp_path / "region.png"
        info.value.save_as(png)
        assert info.value.suggested_filename == "dashboard-region.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        context.close()
    assert problems == []


def test_the_dashboard_fits_a_phone(browser, live_server, portfolio):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS["phone"])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        _sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/dashboard/")
        page.locator("#chart-region canvas").first.wait_for()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
        assert overflow <= 0, f"the page is {overflow}px wider than the phone"
        # The borrower's-region tab draws its chart when shown.
        page.click("#tab-borrower_region")
        page.locator("#chart-borrower_region canvas").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()
    assert problems == []
