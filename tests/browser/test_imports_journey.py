"""An import in a real browser (desktop and phone): download the template, upload a CSV with a bad row and
a duplicate, accept the suggested mapping, read the preview, resolve the duplicate, commit, and find the
new cases in the case list. The background jobs run in the test process between the steps; the page
notices through its htmx poll and reloads itself."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from tests.browser.test_case_pages import bank_with_handler
from tests.browser.test_smoke import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, VIEWPORTS, _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Line 3: the principal is not an amount. Lines 4 and 5: the same contract twice.
CSV = (
    "合同编号,产品,借款本金,年利率,放款日,借款人姓名,证件号码,逾期起始日\r\n"
    "LN-001,消费贷款,50000.00,4.35,2023-01-15,赵六,110105199003070017,2024-06-16\r\n"
    "LN-002,消费贷款,abc,4.35,2023-01-15,钱七,110105198505120024,2024-06-16\r\n"
    "LN-003,消费贷款,30000.00,4.35,2023-02-01,孙八,110105199201010031,2024-07-01\r\n"
    "LN-003,消费贷款,30000.00,4.35,2023-02-01,孙八,110105199201010031,2024-07-01\r\n"
).encode()


@pytest.fixture
def import_world(settings, tmp_path):

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JOB_TRANSPORT = "worker"
    creditor, _head, beijing, handler = bank_with_handler()
    return SimpleNamespace(creditor=creditor, beijing=beijing, handler=handler)


@pytest.fixture
def browser(live_server, import_world) -> Iterator[object]:
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


def _run_jobs() -> None:
    """What run_worker would do: run every queued job (here, in the test process)."""
    from django.db import close_old_connections

    from loanlit.jobs.worker import run_pending

    run_pending(worker_id="browser-test")
    close_old_connections()


def _shot(page, name: str, device: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"imports-{name}-{device}.png"), full_page=True)


def _open_menu_if_collapsed(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#main-nav.show").wait_for()


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_import_loans_from_a_csv_with_a_bad_row_and_a_duplicate(browser, live_server, import_world, device):
    from openpyxl import load_workbook

    from loanlit.imports import template
    from loanlit.imports.kinds import get_kind

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    context = browser.new_context(locale="en-US", accept_downloads=True, **VIEWPORTS[device])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in {"error", "warning"} else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "wang.fang")
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in-button")
        page.wait_for_url(f"{base}/")

        _open_menu_if_collapsed(page)
        page.click("#nav-imports")
        page.wait_for_url(f"{base}/imports/")
        assert page.locator("#no-imports").is_visible()
        _shot(page, "list", device)

        # The standard template: a real workbook with the required columns marked.
        with page.expect_download() as download_info:
            page.click("#template-loans")
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        book = load_workbook(io.BytesIO(download.path().read_bytes()))
        headers = [cell.value for cell in book.worksheets[0][1]]
        assert headers == [template.header_text(spec) for spec in get_kind("loans").fields]
        assert headers[0] == "*合同编号"

        # Upload the file.
        page.select_option("#id_kind", "loans")
        assert page.locator("#id_creditor").input_value() == str(import_world.creditor.pk)
        assert page.locator("#id_unit").input_value() == str(import_world.beijing.pk)
        page.set_input_files("#id_file", files=[{"name": "loans.csv", "mimeType": "text/csv", "buffer": CSV}])
        page.click("#import-start-button")
        page.wait_for_url(f"{base}/imports/*/")
        page.locator("#import-progress").wait_for()
        _shot(page, "reading", device)

        # The analysis job runs; the poll reloads the page with the mapping.
        _run_jobs()
        page.locator("#mapping-form").wait_for(timeout=15_000)
        assert page.locator("#detected-encoding").inner_text().startswith("utf-8")
        assert page.locator("#id_field_contract_no").input_value() == "0"
        assert page.locator("#id_field_borrower_name").input_value() == "5"
        _shot(page, "mapping", device)
        page.click("#mapping-submit")
        page.locator("#import-progress").wait_for()

        _run_jobs()
        page.locator("#import-counts").wait_for(timeout=15_000)
        assert page.locator("#count-new").inner_text() == "1"
        assert page.locator("#count-error").inner_text() == "1"
        assert page.locator("#count-duplicate").inner_text() == "2"
        assert "Principal: “abc” is not an amount." in page.locator("#row-3").inner_text()
        _shot(page, "preview", device)

        # Keep the first of the two LN-003 rows.
        page.get_by_label("Keep row 4").check()
        page.click("#duplicates-submit")
        page.locator("#import-progress").wait_for()
        _run_jobs()
        page.locator("#import-counts").wait_for(timeout=15_000)
        assert page.locator("#count-new").inner_text() == "2"
        assert page.locator("#count-skipped").inner_text() == "1"
        assert page.locator("#duplicates-form").count() == 0

        page.click("#commit-button")
        page.locator("#import-progress").wait_for()
        _run_jobs()
        page.locator("#import-result").wait_for(timeout=15_000)
        assert page.locator("#result-created").inner_text() == "2"
        assert page.locator("#result-cases-opened").inner_text() == "2"
        _shot(page, "done", device)

        page.click("#case-list-link")
        page.wait_for_url(f"{base}/cases/")
        table = page.locator("#case-table").inner_text()
        assert "赵六" in table and "孙八" in table
        assert "钱七" not in table  # the bad row was not imported
        _shot(page, "cases", device)
    finally:
        context.close()

    assert problems == []
