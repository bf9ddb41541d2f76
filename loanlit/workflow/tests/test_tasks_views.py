"""Task pages: my work, a task, checklist by htmx, new tasks, team, hand-over; scope and refusals write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from loanlit.accounts import services as accounts
from loanlit.cases.models import Case
from loanlit.cases.tests.views_support import text
from loanlit.deadlines.models import Deadline
from loanlit.workflow.models import Task
from loanlit.workflow.tests.test_tasks_support import NOW, TODAY, build_task_world, make_task, task_state, written

pytestmark = pytest.mark.django_db


@pytest.fixture
def tw(personas, time_machine):
    time_machine.move_to(NOW, tick=False)
    return build_task_world(personas)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_my_work_page_shows_the_groups_and_filters(tw):
    p = tw.p
    overdue = make_task(
        actor=p.legal_manager, title="Overdue one", case=tw.case, assignee=p.case_handler, due_on=dt.date(2026, 3, 2)
    )
    today = make_task(
        actor=p.legal_manager, title="Today one", case=tw.case, assignee=p.case_handler, due_on=TODAY, priority="urgent"
    )
    client = _client(p.case_handler)
    page = text(client.get(reverse("workflow:my_work")))
    assert 'id="group-overdue"' in page and 'id="group-today"' in page
    assert f'id="task-{overdue.pk}"' in page and f'id="task-{today.pk}"' in page
    assert page.index('id="group-overdue"') < page.index(f'id="task-{overdue.pk}"') < page.index('id="group-today"')
    page = text(client.get(reverse("workflow:my_work"), {"priority": "urgent"}))
    assert f'id="task-{today.pk}"' in page and f'id="task-{overdue.pk}"' not in page
    page = text(client.get(reverse("workflow:my_work"), {"view": "case"}))
    assert f'id="case-group-{tw.case.pk}"' in page


def test_quick_complete_from_my_work(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler, due_on=TODAY)
    client = _client(p.case_handler)
    response = client.post(
        reverse("workflow:task_complete", args=[task.pk]),
        {"version": task.version, "next": reverse("workflow:my_work")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("workflow:my_work")
    assert Task.objects.get(pk=task.pk).status == "done"


def test_the_next_parameter_never_leaves_the_site(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    response = _client(p.case_handler).post(
        reverse("workflow:task_complete", args=[task.pk]), {"version": 1, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("workflow:task_detail", args=[task.pk])


def test_outsider_gets_404_on_a_branch_a_task_and_nothing_changes(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler, checklist=["A"])
    before, state = written(), task_state(task)
    for outsider in (p.outsider_branch, p.outsider_creditor, p.external_lawyer):
        client = _client(outsider)
        assert client.get(reverse("workflow:task_detail", args=[task.pk])).status_code == 404
        assert client.get(reverse("workflow:task_edit", args=[task.pk])).status_code == 404
        for name, data in (
            ("workflow:task_complete", {"version": 1}),
            ("workflow:task_status", {"version": 1, "action": "cancel"}),
            ("workflow:task_checklist", {"version": 1, "action": "toggle", "index": 0}),
            ("workflow:task_edit", {"version": 1, "title": "Hacked", "priority": "normal"}),
        ):
            assert client.post(reverse(name, args=[task.pk]), data).status_code == 404
        page = text(client.get(reverse("workflow:my_work"), {"status": "all"}))
        assert f'id="task-{task.pk}"' not in page
    assert written() == before and task_state(task) == state


def test_a_viewer_who_may_not_change_gets_403_and_nothing_changes(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    before, state = written(), task_state(task)
    client = _client(p.read_only)
    page = text(client.get(reverse("workflow:task_detail", args=[task.pk])))
    assert 'id="complete-form"' not in page
    assert client.post(reverse("workflow:task_complete", args=[task.pk]), {"version": 1}).status_code == 403
    assert written()[:3] == before[:3] and task_state(task) == state


def test_checklist_toggle_by_htmx_returns_the_checklist(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler, checklist=["Draft", "Sign"])
    client = _client(p.case_handler)
    response = client.post(
        reverse("workflow:task_checklist", args=[task.pk]),
        {"version": 1, "action": "toggle", "index": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = text(response)
    assert body.startswith('<section class="card shadow-sm mb-3 task-checklist" id="task-checklist">')
    assert 'name="version" value="2"' in body
    assert Task.objects.get(pk=task.pk).checklist == [{"text": "Draft", "done": False}, {"text": "Sign", "done": True}]
    stale = client.post(
        reverse("workflow:task_checklist", args=[task.pk]),
        {"version": 1, "action": "toggle", "index": 0},
        HTTP_HX_REQUEST="true",
    )
    assert stale.status_code == 409 and 'id="checklist-error"' in text(stale)
    assert Task.objects.get(pk=task.pk).version == 2
    client.post(reverse("workflow:task_checklist", args=[task.pk]), {"version": 2, "action": "add", "text": "File"})
    assert Task.objects.get(pk=task.pk).checklist[-1] == {"text": "File", "done": False}


def test_edit_with_a_stale_version_shows_the_conflict(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    client = _client(p.case_handler)
    data = {"version": 1, "title": "Renamed", "priority": "high", "assignee": p.case_handler.pk, "due_on": ""}
    assert client.post(reverse("workflow:task_edit", args=[task.pk]), data).status_code == 302
    data["title"] = "Second rename"
    response = client.post(reverse("workflow:task_edit", args=[task.pk]), data)
    assert response.status_code == 409
    assert Task.objects.get(pk=task.pk).title == "Renamed"


def test_complete_with_note_and_reopen(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    client = _client(p.case_handler)
    client.post(reverse("workflow:task_complete", args=[task.pk]), {"version": 1, "completion_note": "Filed today"})
    page = text(client.get(reverse("workflow:task_detail", args=[task.pk])))
    assert 'id="task-note">Filed today<' in page and 'id="reopen-form"' in page
    client.post(reverse("workflow:task_status", args=[task.pk]), {"version": 2, "action": "reopen"})
    assert Task.objects.get(pk=task.pk).status == "open"


def test_new_task_from_the_case_page_and_personal(tw):
    from loanlit.workflow import panels_tasks

    panels_tasks.connect()
    p = tw.p
    client = _client(p.case_handler)
    page = text(client.get(tw.case.get_absolute_url()))
    assert 'id="case-tasks"' in page and reverse("workflow:task_new_for_case", args=[tw.case.pk]) in page
    response = client.post(
        reverse("workflow:task_new_for_case", args=[tw.case.pk]),
        {"title": "Serve the complaint", "assignee": p.legal_manager.pk, "priority": "normal", "checklist": "A\nB"},
    )
    task = Task.objects.get(title="Serve the complaint")
    assert response["Location"] == reverse("workflow:task_detail", args=[task.pk])
    assert (task.case_id, task.assignee_id, len(task.checklist)) == (tw.case.pk, p.legal_manager.pk, 2)
    page = text(client.get(tw.case.get_absolute_url()))
    assert f'id="task-{task.pk}"' in page

    response = client.post(reverse("workflow:task_new"), {"title": "Read rules", "priority": "low", "assignee": ""})
    personal = Task.objects.get(title="Read rules")
    assert (personal.case_id, personal.assignee_id) == (None, p.case_handler.pk)
    response = client.post(
        reverse("workflow:task_new"), {"title": "On a case", "priority": "low", "case_no": tw.gd_case.internal_no}
    )
    assert response.status_code == 200 and not Task.objects.filter(title="On a case").exists()
    response = client.post(
        reverse("workflow:task_new"), {"title": "On a case", "priority": "low", "case_no": tw.case.internal_no}
    )
    assert Task.objects.get(title="On a case").case_id == tw.case.pk


def test_new_task_refused_for_a_viewer_and_an_outsider(tw):
    p = tw.p
    before = written()
    url = reverse("workflow:task_new_for_case", args=[tw.case.pk])
    assert _client(p.read_only).post(url, {"title": "x", "priority": "normal"}).status_code == 403
    assert _client(p.outsider_branch).post(url, {"title": "x", "priority": "normal"}).status_code == 404
    assert _client(p.external_lawyer).post(reverse("workflow:task_new"), {"title": "x"}).status_code == 403
    assert written()[:3] == before[:3]


def test_team_pages(tw):
    p = tw.p
    make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler, due_on=dt.date(2026, 3, 1))
    assert _client(p.case_handler).get(reverse("workflow:team")).status_code == 403
    client = _client(p.branch_manager)
    page = text(client.get(reverse("workflow:team")))
    assert f'id="team-row-{p.case_handler.pk}"' in page and f'id="team-row-{p.outsider_branch.pk}"' not in page
    page = text(client.get(reverse("workflow:team_member", args=[p.case_handler.pk])))
    assert 'id="group-overdue"' in page and tw.case.internal_no in page
    assert client.get(reverse("workflow:team_member", args=[p.outsider_branch.pk])).status_code == 404


def test_handover_preview_confirm_and_result(tw):
    p = tw.p
    wang = accounts.user_create(
        actor=None, username="wang", password=None, role_code="case_handler", unit=p.beijing, creditors=[p.creditor]
    )
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    assert _client(p.case_handler).get(reverse("workflow:handover")).status_code == 403
    client = _client(p.legal_manager)
    assert client.get(reverse("workflow:handover")).status_code == 200
    deadline_ids = sorted(
        Deadline.objects.filter(case=tw.case, responsible=p.case_handler, status="open").values_list("pk", flat=True)
    )
    assert deadline_ids
    choice = {
        "from_user": p.case_handler.pk,
        "to_user": wang.pk,
        "include_cases": "on",
        "include_tasks": "on",
        "include_deadlines": "on",
    }
    page = text(client.get(reverse("workflow:handover"), choice))
    assert 'id="preview-cases">1<' in page and 'id="preview-tasks">1<' in page and 'id="handover-confirm"' in page
    assert f'id="preview-deadlines">{len(deadline_ids)}<' in page
    assert Case.objects.get(pk=tw.case.pk).handler_id == p.case_handler.pk  # a preview changes nothing
    assert not Deadline.objects.filter(responsible=wang).exists()
    page = text(client.post(reverse("workflow:handover"), {**choice, "confirm": "1"}))
    assert 'id="handover-result"' in page
    assert Case.objects.get(pk=tw.case.pk).handler_id == wang.pk
    assert Task.objects.get(pk=task.pk).assignee_id == wang.pk
    assert sorted(Deadline.objects.filter(responsible=wang).values_list("pk", flat=True)) == deadline_ids


def test_handover_refused_shows_which_cases_and_writes_nothing(tw):
    p = tw.p
    client = _client(p.legal_manager)
    choice = {"from_user": p.case_handler.pk, "to_user": p.outsider_branch.pk, "include_cases": "on"}
    page = text(client.get(reverse("workflow:handover"), choice))
    assert 'id="handover-refused"' in page and tw.case.internal_no in page and 'id="handover-confirm"' not in page
    before = written()
    page = text(client.post(reverse("workflow:handover"), {**choice, "confirm": "1"}))
    assert tw.case.internal_no in page and 'id="handover-result"' not in page
    assert written() == before
    # a user outside the manager's scope is not even offered
    response = client.get(
        reverse("workflow:handover"), {"from_user": p.outsider_creditor.pk, "to_user": p.case_handler.pk}
    )
    assert 'id="handover-preview"' not in text(response)


def test_reassign_ticked_tasks_from_the_team_member_page(tw):
    p = tw.p
    wang = accounts.user_create(
        actor=None, username="wang", password=None, role_code="case_handler", unit=p.beijing, creditors=[p.creditor]
    )
    a = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    b = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler, title="Second")
    gd = make_task(actor=p.outsider_branch, case=tw.gd_case, assignee=p.outsider_branch)
    client = _client(p.legal_manager)
    page = text(client.get(reverse("workflow:team_member", args=[p.case_handler.pk])))
    assert 'id="reassign-form"' in page and f'id="pick-{a.pk}"' in page
    url = reverse("workflow:tasks_reassign")
    response = client.post(url, {"task": [a.pk, b.pk], "assignee": wang.pk, "next": "/workflow/team/"})
    assert response.status_code == 302 and response["Location"] == "/workflow/team/"
    assert set(Task.objects.filter(pk__in=[a.pk, b.pk]).values_list("assignee_id", flat=True)) == {wang.pk}
    # the Beijing handler may not touch a Guangdong task: 404, and nothing moves
    before = written()
    handler = _client(p.case_handler)
    assert handler.post(url, {"task": [a.pk, gd.pk], "assignee": p.case_handler.pk}).status_code == 404
    # a viewer who may not change the task: 403
    assert _client(p.read_only).post(url, {"task": [a.pk], "assignee": p.read_only.pk}).status_code == 403
    assert written()[:3] == before[:3]
    assert Task.objects.get(pk=a.pk).assignee_id == wang.pk
