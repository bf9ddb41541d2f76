"""Documents in a real browser (desktop and phone): the handler uploads a PDF to the case file, opens its
PNG preview, submits it for approval to the legal manager; the legal manager finds it under "my approvals",
approves it, and the document is approved and locked."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from PIL import Image

from tests.browser.test_case_pages import bank_with_handler
from tests.browser.test_smoke import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, VIEWPORTS, _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def documents_world(settings, tmp_path):
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
    world = build_case_world(SimpleNamespace(creditor=creditor, beijing=beijing, case_handler=handler))
    return SimpleNamespace(case=world.case, handler=handler, manager=manager, path=tmp_path)


@pytest.fixture
def browser(live_server, documents_world) -> Iterator[object]:
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


def _shot(page, name: str, device: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"documents-{name}-{device}.png"), full_page=True)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_upload_preview_submit_and_approve_as_another_persona(browser, live_server, documents_world, device):
    from loanlit.documents.models import Document
    from loanlit.documents.tests.support import pdf_bytes

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    case = documents_world.case
    pdf = documents_world.path / "借款合同 (2025).pdf"
    pdf.write_bytes(pdf_bytes("Loan contract", pages=2))

    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    _sign_in(page, base, "wang.fang")
    page.goto(f"{base}/documents/case/{case.pk}/")
    page.set_input_files("#documents-files", str(pdf))
    page.select_option("#documents-upload-form select[name=category]", "loan_contract")
    page.click("#documents-upload-submit")
    page.wait_for_selector("#document-list a:has-text('借款合同 (2025).pdf')")
    document = Document.objects.get(case=case)
    assert document.current_version.original_name == "借款合同 (2025).pdf"
    assert document.current_version.size == pdf.stat().st_size
    _shot(page, "case-file", device)

    page.goto(f"{base}/documents/{document.pk}/")
    page.click("#preview-1")
    page.wait_for_selector("#preview-pages img")
    images = page.locator("#preview-pages img")
    assert images.count() == 2
    # The first page really is a PNG: fetched with the browser's session and opened with Pillow.
    png = context.request.get(base + images.first.get_attribute("src"))
    assert png.ok and png.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(png.body())) as picture:
        assert picture.format == "PNG" and picture.width > 0
    _shot(page, "preview", device)

    page.goto(f"{base}/documents/{document.pk}/")
    page.click("#submit-for-approval")
    page.select_option("#id_approver_1", str(documents_world.manager.pk))
    page.click("#submit-button")
    page.wait_for_selector("#approval-state")  # the request's page
    document.refresh_from_db()
    assert document.approval == Document.Approval.PENDING
    context.close()

    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    _sign_in(page, base, "li.na")
    page.goto(f"{base}/documents/approvals/")
    page.click(f"a:has-text('{document.title}')")
    page.wait_for_selector("#decision-form")
    page.check("#decision-form input[value='approve']")
    page.fill("#decision-form textarea", "材料齐全")
    page.click("#decide-button")
    page.wait_for_selector("#approval-state")
    assert page.inner_text("#approval-state").strip() == "已批准"  # Approved
    _shot(page, "approved", device)
    context.close()

    document.refresh_from_db()
    assert (document.approval, document.locked) == (Document.Approval.APPROVED, True)
