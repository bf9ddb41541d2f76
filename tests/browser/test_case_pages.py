"""The main job in a real browser (desktop and phone): find a borrower, open the case, record a judgment
and a recovery, and see both on the timeline and in the outstanding amount."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.test_smoke import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, VIEWPORTS, _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _reference_data() -> None:
    """An earlier transactional test may have flushed what the migrations seeded: put it back."""
    from django.apps import apps

    from loanlit.accounts.models import Role
    from loanlit.accounts.permissions import BUILTIN_ROLES
    from loanlit.cases.models import CaseStage

    for code, (name, permissions) in BUILTIN_ROLES.items():
        Role.objects.get_or_create(
            code=code, defaults={"name": str(name), "permissions": list(permissions), "is_builtin": True}
        )
    if not CaseStage.objects.exists():
        importlib.import_module("loanlit.cases.migrations.0002_seed_courts_and_stages").seed(apps, None)
    from loanlit.documents.models import DocumentCategory

    if not DocumentCategory.objects.exists():
        importlib.import_module("loanlit.documents.migrations.0002_seed_categories").seed(apps, None)
    # post_migrate seeds these after the categories; both are idempotent. The workflow templates name
    # docgen templates (documents a stage generates), so docgen's built-ins go first.
    from loanlit.docgen.services import ensure_builtin_templates
    from loanlit.workflow.services.templates import ensure_builtin_workflow_templates

    ensure_builtin_templates()
    ensure_builtin_workflow_templates()


def bank_with_handler() -> tuple[Any, Any, Any, Any]:
    """The browser tests' bank: creditor BANK-A, its head office, the Beijing branch and the case handler
    wang.fang there (signs in with PASSWORD); the reference data put back first."""
    from loanlit.accounts import services as accounts
    from loanlit.core.models import OrgUnit

    _reference_data()
    creditor = accounts.creditor_create(
        actor=None, code="BANK-A", name="Demo Bank", kind="bank", legal_name="Demo Bank Co., Ltd."
    )
    head = accounts.org_unit_create(actor=None, code="HO", name="Head office", kind=OrgUnit.Kind.HEAD_OFFICE)
    beijing = accounts.org_unit_create(
        actor=None, code="BJ", name="Beijing branch", kind=OrgUnit.Kind.BRANCH, parent=head, region_code="110000"
    )
    handler = accounts.user_create(
        actor=None,
        username="wang.fang",
        password=PASSWORD,
        role_code="case_handler",
        unit=beijing,
        creditors=[creditor],
        display_name="Wang Fang",
    )
    return creditor, head, beijing, handler


@pytest.fixture
def case_world():
    from loanlit.cases.tests.views_support import build_case_world

    creditor, _head, beijing, handler = bank_with_handler()
    people = SimpleNamespace(creditor=creditor, beijing=beijing, case_handler=handler)
    world = build_case_world(people, name="Zhang San")
    build_case_world(people, name="Li Si", seq=2)
    return world


@pytest.fixture
def browser(live_server, case_world) -> Iterator[object]:
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


def _shot(page, name: str, device: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"case-{name}-{device}.png"), full_page=True)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_find_a_borrower_record_a_judgment_and_a_recovery(browser, live_server, case_world, device):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type in {"error", "warning"} else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    case = case_world.case
    try:
        page.goto(f"{live_server.url}/")
        page.fill("#id_username", "wang.fang")
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in-button")
        page.wait_for_url(f"{live_server.url}/")
        assert page.locator("#my-cases-stat").inner_text() == "2"
        _shot(page, "dashboard", device)

        # Search by the borrower's name prefix from the dashboard.
        page.fill("#dashboard-q", "Zhang")
        page.locator("form.dashboard-search button[type=submit]").click()
        page.wait_for_url("**/cases/?q=Zhang")
        assert page.locator("#result-count").inner_text() == "1 件案件"
        assert page.locator("#case-table tbody tr").count() == 1
        _shot(page, "search", device)

        page.get_by_role("link", name=case.internal_no).click()
        page.wait_for_url(f"**/cases/{case.pk}/")
        outstanding = page.locator("#outstanding-amount")
        assert outstanding.inner_text() == "CNY 12,345.67"
        _shot(page, "overview", device)

        # Proceedings tab through htmx, then the judgment form.
        page.locator("#tab-proceedings").click()
        page.locator("#tab-proceedings.active").wait_for()
        assert page.url.endswith("?tab=proceedings")
        page.locator(f"#record-judgment-{case_world.proceeding.pk}").click()
        page.fill("#id_judged_on", "2026-02-20")
        page.select_option("#id_items-0-kind", "principal")
        page.fill("#id_items-0-amount", "12,000.00")
        page.select_option("#id_items-1-kind", "interest")
        page.fill("#id_items-1-amount", "300.50")
        _shot(page, "judgment-form", device)
        page.click("#submit-button")
        page.wait_for_url(f"**/cases/{case.pk}/?tab=proceedings*")
        assert "CNY 12,300.50" in page.locator(".judgment").first.inner_text()
        assert outstanding.inner_text() == "CNY 12,300.50"
        _shot(page, "judgment-recorded", device)

        page.click("#add-recovery")
        page.fill("#id_received_on", "2026-02-25")
        page.fill("#id_amount", "1000")
        page.select_option("#id_source", "court_enforcement")
        page.click("#submit-button")
        page.wait_for_url(f"**/cases/{case.pk}/?tab=money*")
        assert outstanding.inner_text() == "CNY 11,300.50"
        row = page.locator("#recoveries-table tr.table-success")
        assert "1,000.00" in row.inner_text()
        assert "判决确定的债务" in row.inner_text()
        _shot(page, "recovery-recorded", device)

        page.locator("#tab-timeline").click()
        page.locator("#tab-timeline.active").wait_for()
        timeline = page.locator("#timeline").inner_text()
        assert "已录入裁判\nCNY 12,300.50" in timeline
        assert "已收到回款\n法院执行 CNY 1,000.00" in timeline
        _shot(page, "timeline", device)
    finally:
        context.close()

    assert problems == []
