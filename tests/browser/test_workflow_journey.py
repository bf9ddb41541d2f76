"""The workflow in a real browser (desktop and phone): the handler opens a case that runs the built-in
"financial loan suit" template, reads the workflow panel's exit requirements, moves the case from
pre-litigation to filed and on to trial with the case page's stage form, and finds each entered stage's
tasks under "my work" with the due dates the template's offsets give; one task is completed from there."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from tests.browser.test_case_pages import bank_with_handler
from tests.browser.test_smoke import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, PASSWORD, VIEWPORTS, _unavailable

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEMPLATE_CODE = "financial_loan_suit"
STAGES = ("filed", "in_trial")  # the two moves, from pre_litigation


def _definition() -> dict[str, Any]:
    from loanlit.workflow.services.templates import DATA_DIR

    return json.loads((DATA_DIR / f"{TEMPLATE_CODE}.json").read_text(encoding="utf-8"))["definition"]


def _stage(definition: dict[str, Any], code: str) -> dict[str, Any]:
    return next(stage for stage in definition["stages"] if stage["code"] == code)


def _expected_due(case: Any, due: dict[str, Any], today: date, calendar: Any) -> date | None:
    """What the template's offset gives, with the calendar function the stage automation uses."""
    from loanlit.deadlines.models import Deadline
    from loanlit.workflow.services.automation import add_working_days

    if "deadline_kind" in due:
        deadline = (
            Deadline.objects.filter(case_id=case.pk, kind=due["deadline_kind"], status=Deadline.Status.OPEN)
            .order_by("due_on", "pk")
            .first()
        )
        return deadline.due_on if deadline is not None else None
    if due.get("basis") == "working":
        return add_working_days(today, int(due["days"]), calendar)[0]
    return today + timedelta(days=int(due["days"]))


@pytest.fixture
def workflow_world(settings, tmp_path):
    from django.utils import timezone
    from django.utils.translation import gettext, override

    from loanlit.cases.models import CaseStage
    from loanlit.cases.tests.views_support import build_case_world
    from loanlit.deadlines.services.deadlines import law_calendar
    from loanlit.documents.tests.support import add_pdf
    from loanlit.workflow import definitions
    from loanlit.workflow.models import Task, WorkflowTemplate
    from loanlit.workflow.services import templates

    settings.MEDIA_ROOT = tmp_path
    creditor, _head, beijing, handler = bank_with_handler()
    world = build_case_world(SimpleNamespace(creditor=creditor, beijing=beijing, case_handler=handler))
    case = world.case
    assert case.stage_id == "pre_litigation" and case.handler_id == handler.pk
    template = WorkflowTemplate.objects.select_related("current_version").get(code=TEMPLATE_CODE)
    version = template.current_version
    templates.case_workflow_assign(actor=None, case=case, version=version)
    # Leaving pre_litigation needs the claim (build_case_world computed it); leaving filed, a complaint.
    definition = _definition()
    # The shipped definition is the version the case runs (as the seeding normalises it).
    assert version.definition == definitions.validate_definition(definition, reference=definitions.load_reference())
    assert _stage(definition, "pre_litigation")["exit_requires"]["fields"] == ["claim_total"]
    assert _stage(definition, "filed")["exit_requires"]["documents"] == ["complaint"]
    complaint = add_pdf(case, handler, title="Complaint", filename="complaint.pdf", category="complaint")
    case.refresh_from_db()
    assert case.claim_total == Decimal("12345.67")
    assert not Task.objects.filter(case=case).exists()  # assigning a template creates no tasks by itself

    today = timezone.localdate()
    calendar = law_calendar()
    with override("zh-hans"):
        no_date = gettext("No date")
    expected = {
        code: {
            task["title"]: _expected_due(case, task.get("due") or {}, today, calendar)
            for task in _stage(definition, code)["on_enter"]["tasks"]
        }
        for code in STAGES
    }
    labels = {stage.code: stage.label for stage in CaseStage.objects.all()}
    moves = [labels[target] for source, target in definition["transitions"] if source == "pre_litigation"]
    return SimpleNamespace(
        case=case,
        moves=moves,
        handler=handler,
        version=version,
        complaint=complaint,
        expected=expected,
        no_date=no_date,
    )


@pytest.fixture
def browser(live_server, workflow_world) -> Iterator[object]:
    # Depends on the data fixture so every ORM call of the setup happens before Playwright starts.
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
    page.screenshot(path=str(ARTIFACTS / f"workflow-{name}-{device}.png"), full_page=True)


def _open_tasks(page) -> dict[str, str]:
    """My work's open tasks as {title: the first part of the line under it (the due date or "no date")}."""
    found: dict[str, str] = {}
    rows = page.locator("#main .task-row")
    for index in range(rows.count()):
        row = rows.nth(index)
        title = row.locator("a.fw-semibold").inner_text().strip()
        assert title not in found, f"{title} listed twice"
        found[title] = row.locator("div.small").first.inner_text().split("·")[0].strip()
    return found


def _shown(expected: dict[str, date | None], no_date: str) -> dict[str, str]:
    return {title: due.isoformat() if due else no_date for title, due in expected.items()}


def _move(page, base: str, case: Any, stage: str) -> None:
    page.goto(f"{base}/cases/{case.pk}/")
    page.click("#change-stage")
    page.wait_for_url(f"**/cases/{case.pk}/stage/")
    page.select_option("#id_stage", stage)
    page.click("#submit-button")
    page.wait_for_url(f"**/cases/{case.pk}/")


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_two_stage_moves_put_the_template_tasks_in_my_work(browser, live_server, workflow_world, device):
    from playwright.sync_api import expect

    from loanlit.audit import services as audit
    from loanlit.audit.models import AuditEntry
    from loanlit.cases.models import Case
    from loanlit.workflow.models import Task

    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    case = workflow_world.case
    expected = workflow_world.expected
    no_date = workflow_world.no_date

    context = browser.new_context(locale="zh-CN", **VIEWPORTS[device])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    _sign_in(page, base, "wang.fang")

    # The case page: the workflow panel names the template and what leaving pre-litigation needs (met).
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#case-workflow")
    expect(panel.locator("#workflow-version")).to_contain_text(workflow_world.version.template.name)
    requirements = panel.locator("#workflow-requirements li")
    assert requirements.count() == 1
    assert "text-success" in (panel.locator("#requirement-field-claim_total").get_attribute("class") or "")
    assert panel.locator("#workflow-moves .badge").all_inner_texts() == workflow_world.moves
    expect(page.locator("#case-tasks .task-row")).to_have_count(0)
    _shot(page, "case-pre-litigation", device)

    # My work is empty: assigning the template created no tasks.
    page.goto(f"{base}/workflow/")
    assert _open_tasks(page) == {}
    _shot(page, "my-work-empty", device)

    # First move: pre-litigation -> filed, with the stage form's real clicks.
    _move(page, base, case, "filed")
    expect(page.locator("#case-workflow #requirement-document-complaint")).to_have_class(re.compile(r"text-success"))
    assert page.locator("#case-workflow #workflow-requirements li").count() == 1
    expect(page.locator("#case-tasks .task-row")).to_have_count(len(expected["filed"]))  # the case's tasks panel
    _shot(page, "case-filed", device)

    page.goto(f"{base}/workflow/")
    assert _open_tasks(page) == _shown(expected["filed"], no_date)
    _shot(page, "my-work-filed", device)

    # Second move: filed -> in trial (the complaint is on the case file).
    _move(page, base, case, "in_trial")
    expect(page.locator("#case-workflow #workflow-requirements")).to_have_count(0)  # trial asks for nothing
    expect(page.locator("#case-tasks .task-row")).to_have_count(len(expected["filed"]) + len(expected["in_trial"]))
    _shot(page, "case-in-trial", device)

    page.goto(f"{base}/workflow/")
    both = {**_shown(expected["filed"], no_date), **_shown(expected["in_trial"], no_date)}
    assert _open_tasks(page) == both
    _shot(page, "my-work-in-trial", device)

    # Quick complete the first trial task from My work: it leaves the open list, the others stay.
    done_title = next(iter(expected["in_trial"]))
    row = page.locator("#main .task-row").filter(has=page.get_by_role("link", name=done_title, exact=True))
    assert row.count() == 1
    row_id = row.get_attribute("id") or ""
    row.locator("button[type=submit]").click()
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    assert page.url.startswith(f"{base}/workflow/")
    assert _open_tasks(page) == {title: due for title, due in both.items() if title != done_title}
    _shot(page, "my-work-completed", device)
    context.close()
    assert problems == []

    # The database: the stage, each entered stage's tasks (assigned to the handler), the audited moves.
    case = Case.objects.get(pk=case.pk)
    assert case.stage_id == "in_trial"
    tasks = list(Task.objects.filter(case=case))
    by_stage = {code: sorted(t.title for t in tasks if t.source_key.split(":")[2] == code) for code in STAGES}
    assert by_stage == {code: sorted(expected[code]) for code in STAGES}
    assert {t.source_key.split(":")[2] for t in tasks} == set(STAGES)
    assert {t.assignee_id for t in tasks} == {workflow_world.handler.pk}
    assert {t.title: t.due_on for t in tasks} == {**expected["filed"], **expected["in_trial"]}
    done = [t for t in tasks if t.status == Task.Status.DONE]
    assert [t.title for t in done] == [done_title]
    assert all(t.status == Task.Status.OPEN for t in tasks if t.title != done_title)
    moves_audited = AuditEntry.objects.filter(
        stream=audit.stream_key("case", case.pk), action="case.stage_changed"
    ).order_by("pk")
    assert [entry.changes["stage"] for entry in moves_audited] == [["pre_litigation", "filed"], ["filed", "in_trial"]]
    assert {entry.actor_id for entry in moves_audited} == {workflow_world.handler.pk}
