"""Task services: create, change, complete, checklist, reassign, hand over — rules, audit, nothing half-written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Case, CaseEvent
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.deadlines.models import Deadline
from loanlit.notifications.models import Notification
from loanlit.workflow import selectors_tasks as selectors
from loanlit.workflow.models import Task
from loanlit.workflow.services import handover
from loanlit.workflow.services import tasks as services
from loanlit.workflow.tests.test_tasks_support import build_task_world, make_task, task_state, written

pytestmark = pytest.mark.django_db


@pytest.fixture
def tw(personas):
    return build_task_world(personas)


def test_source_key_makes_creation_idempotent(tw):
    p = tw.p
    row = services.TaskInput(title="Prepare the complaint", case=tw.case, assignee_role="handler", source_key="k:1")
    first = services.tasks_create_batch(actor=None, rows=[row, row])
    again = services.tasks_create_batch(actor=None, rows=[row])
    assert first[0].pk == first[1].pk == again[0].pk
    assert Task.objects.filter(source_key="k:1").count() == 1
    assert first[0].assignee_id == p.case_handler.pk
    assert AuditEntry.objects.filter(action="task.created", target_id=str(first[0].pk)).count() == 1


def test_creating_notifies_the_assignee_after_commit(tw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task = make_task(actor=tw.p.legal_manager, case=tw.case, assignee=tw.p.case_handler)
    note = Notification.objects.get(recipient=tw.p.case_handler, code=services.NOTIFY_ASSIGNED)
    assert note.link == f"/workflow/tasks/{task.pk}/"
    assert note.body == tw.case.internal_no


def test_a_long_title_is_cut_in_the_notification_not_refused(tw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_task(actor=None, title="x" * 200, case=tw.case, assignee=tw.p.case_handler)
    assert len(Notification.objects.get(recipient=tw.p.case_handler).title) == 200


def test_ad_hoc_task_on_a_case_needs_a_case_editor_and_an_assignee_who_sees_the_case(tw):
    p = tw.p
    before = written()
    with pytest.raises(PermissionDeniedError):
        services.task_create_ad_hoc(actor=p.read_only, title="Look", case=tw.case, assignee=p.read_only)
    with pytest.raises(DomainError) as error:
        services.task_create_ad_hoc(actor=p.case_handler, title="Look", case=tw.case, assignee=p.outsider_branch)
    assert error.value.code == "invalid_assignee"
    assert written() == before
    task = services.task_create_ad_hoc(
        actor=p.case_handler,
        title="  File   the answer ",
        case=tw.case,
        assignee=p.legal_manager,
        due_on=dt.date(2026, 3, 9),
        priority="high",
        checklist=["Draft", " ", "Sign"],
    )
    assert (task.title, task.unit_path, task.creditor_id) == ("File the answer", tw.case.unit_path, p.creditor.pk)
    assert task.checklist == [{"text": "Draft", "done": False}, {"text": "Sign", "done": False}]
    assert (task.created_by_id, task.assignee_id, task.priority) == (p.case_handler.pk, p.legal_manager.pk, "high")


def test_personal_task_defaults_to_the_creator_and_lives_in_their_unit(tw):
    p = tw.p
    task = services.task_create_ad_hoc(actor=p.read_only, title="Read the new rules")
    assert (task.case_id, task.assignee_id, task.unit_path) == (None, p.read_only.pk, p.beijing.path)
    with pytest.raises(DomainError):
        services.task_create_ad_hoc(actor=p.read_only, title="For them", assignee=p.outsider_creditor)


def test_who_may_change_a_task(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    personal = make_task(actor=p.read_only, assignee=p.read_only)
    allowed = {name for name, user in p.all_users().items() if selectors.may_change_task(user, task)}
    # assignee (handler), creator (legal manager), case editors (administrator, handler)
    assert allowed == {"administrator", "legal_manager", "case_handler"}
    allowed = {name for name, user in p.all_users().items() if selectors.may_change_task(user, personal)}
    assert allowed == {"read_only"}


def test_update_changes_only_what_is_passed_and_audits_old_and_new(tw, django_capture_on_commit_callbacks):
    p = tw.p
    task = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler, due_on=dt.date(2026, 3, 5))
    with django_capture_on_commit_callbacks(execute=True):
        task = services.task_update(
            actor=p.case_handler,
            task=task,
            version=task.version,
            due_on=dt.date(2026, 3, 10),
            assignee=p.legal_manager,
        )
    assert (task.version, task.due_on, task.assignee_id, task.title) == (
        2,
        dt.date(2026, 3, 10),
        p.legal_manager.pk,
        "Call the court",
    )
    entry = AuditEntry.objects.get(action="task.updated", target_id=str(task.pk))
    assert entry.stream == f"case:{tw.case.pk}"
    assert entry.changes == {
        "due_on": ["2026-03-05", "2026-03-10"],
        "assignee": [p.case_handler.pk, p.legal_manager.pk],
    }
    assert Notification.objects.filter(recipient=p.legal_manager, code=services.NOTIFY_ASSIGNED).count() == 1
    same = services.task_update(actor=p.case_handler, task=task, version=task.version, due_on=dt.date(2026, 3, 10))
    assert same.version == 2


def test_stale_version_is_refused_and_nothing_is_written(tw):
    p = tw.p
    task = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler)
    services.task_update(actor=p.case_handler, task=task, version=1, title="New title")
    before, state = written(), task_state(task)
    for call in (
        lambda: services.task_update(actor=p.case_handler, task=task, version=1, title="Mine"),
        lambda: services.task_complete(actor=p.case_handler, task=task, version=1),
        lambda: services.task_checklist_add(actor=p.case_handler, task=task, version=1, text="x"),
    ):
        with pytest.raises(StaleVersionError):
            call()
    assert written() == before and task_state(task) == state


def test_assignee_must_see_the_case(tw):
    p = tw.p
    task = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler)
    before, state = written(), task_state(task)
    with pytest.raises(DomainError) as error:
        services.task_update(actor=p.case_handler, task=task, version=1, assignee=p.outsider_branch)
    assert error.value.code == "invalid_assignee"
    assert written() == before and task_state(task) == state


def test_outsider_and_viewer_cannot_change_a_task_and_nothing_is_written(tw):
    p = tw.p
    task = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler)
    before, state = written(), task_state(task)
    for user in (p.outsider_branch, p.outsider_creditor, p.read_only, p.auditor, p.external_lawyer):
        for call in (
            lambda u=user: services.task_update(actor=u, task=task, version=1, title="Hacked"),
            lambda u=user: services.task_complete(actor=u, task=task, version=1),
            lambda u=user: services.task_checklist_add(actor=u, task=task, version=1, text="x"),
            lambda u=user: services.tasks_reassign_batch(actor=u, task_ids=[task.pk], assignee=u),
        ):
            with pytest.raises(PermissionDeniedError):
                call()
    assert written() == before and task_state(task) == state


def test_complete_reopen_cancel(tw, django_capture_on_commit_callbacks, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC), tick=False)
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    with django_capture_on_commit_callbacks(execute=True):
        task = services.task_complete(actor=p.case_handler, task=task, version=1, completion_note=" Filed. ")
    assert (task.status, task.completion_note, task.completed_by_id) == ("done", "Filed.", p.case_handler.pk)
    assert task.completed_at == dt.datetime(2026, 3, 4, 2, 0, tzinfo=dt.UTC)
    assert Notification.objects.filter(recipient=p.legal_manager, code=services.NOTIFY_COMPLETED).count() == 1
    with pytest.raises(DomainError):
        services.task_update(actor=p.case_handler, task=task, version=task.version, title="Closed now")
    with pytest.raises(DomainError):
        services.task_set_status(actor=p.case_handler, task=task, version=task.version, status="in_progress")
    task = services.task_reopen(actor=p.case_handler, task=task, version=task.version)
    assert (task.status, task.completed_at, task.completed_by_id) == ("open", None, None)
    task = services.task_cancel(actor=p.case_handler, task=task, version=task.version, note="Not needed")
    assert task.status == "cancelled"
    actions = list(
        AuditEntry.objects.filter(target_id=str(task.pk), action__startswith="task.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["task.created", "task.completed", "task.reopened", "task.cancelled"]


def test_checklist_toggle_add_remove(tw):
    p = tw.p
    task = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler, checklist=["A", "B"])
    task = services.task_checklist_toggle(actor=p.case_handler, task=task, version=1, index=1)
    assert task.checklist == [{"text": "A", "done": False}, {"text": "B", "done": True}]
    task = services.task_checklist_add(actor=p.case_handler, task=task, version=2, text=" C ")
    task = services.task_checklist_remove(actor=p.case_handler, task=task, version=3, index=0)
    assert task.checklist == [{"text": "B", "done": True}, {"text": "C", "done": False}]
    assert task.version == 4
    before = written()
    with pytest.raises(DomainError):
        services.task_checklist_toggle(actor=p.case_handler, task=task, version=4, index=7)
    with pytest.raises(DomainError):
        services.task_checklist_add(actor=p.case_handler, task=task, version=4, text="   ")
    assert written() == before


def test_reassign_batch_is_all_or_nothing(tw):
    p = tw.p
    a = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler)
    b = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler, title="Second")
    gd = make_task(actor=p.outsider_branch, case=tw.gd_case, assignee=p.outsider_branch)
    before = written()
    with pytest.raises(PermissionDeniedError):  # the Guangdong task is not the Beijing handler's to change
        services.tasks_reassign_batch(actor=p.case_handler, task_ids=[a.pk, gd.pk], assignee=p.branch_manager)
    with pytest.raises(DomainError):  # the Guangdong handler cannot see the Beijing case
        services.tasks_reassign_batch(actor=p.legal_manager, task_ids=[a.pk, gd.pk], assignee=p.outsider_branch)
    assert written() == before
    moved = services.tasks_reassign_batch(actor=p.legal_manager, task_ids=[a.pk, b.pk], assignee=p.legal_manager)
    assert sorted(t.pk for t in moved) == [a.pk, b.pk]
    assert set(Task.objects.filter(pk__in=[a.pk, b.pk]).values_list("assignee_id", "version")) == {
        (p.legal_manager.pk, 2)
    }
    assert AuditEntry.objects.filter(action="task.reassigned", stream=f"case:{tw.case.pk}").count() == 2


# --- hand-over ----------------------------------------------------------------------------------------------


def _second_handler(p):
    from loanlit.accounts import services as accounts

    return accounts.user_create(
        actor=None, username="wang", password=None, role_code="case_handler", unit=p.beijing, creditors=[p.creditor]
    )


def _deadline(case, responsible, *, status="open", days=10):
    """A deadline of ``case`` besides the world's (written directly: the tests need done and waived ones)."""
    return Deadline.objects.create(
        case=case,
        creditor_id=case.creditor_id,
        unit_path=case.unit_path,
        kind=Deadline.Kind.APPEAL,
        due_on=dt.date(2026, 3, 4) + dt.timedelta(days=days),
        responsible=responsible,
        status=status,
    )


def _deadline_state():
    return sorted(Deadline.objects.values_list("pk", "responsible_id", "status", "version"))


def test_handover_moves_cases_tasks_and_deadlines_together(tw, django_capture_on_commit_callbacks):
    p = tw.p
    wang = _second_handler(p)
    case = tw.case
    task = make_task(actor=p.legal_manager, case=case, assignee=p.case_handler)
    personal = make_task(actor=p.case_handler, assignee=p.case_handler, title="Personal")
    done = make_task(actor=p.legal_manager, case=case, assignee=p.case_handler, title="Done already")
    services.task_complete(actor=p.case_handler, task=done, version=1)
    world_ids = list(
        Deadline.objects.filter(case=case, responsible=p.case_handler, status="open").values_list("pk", flat=True)
    )
    assert world_ids  # the world's trial-limit deadline
    missed = _deadline(case, p.case_handler, status="missed", days=-2)
    extra = _deadline(case, p.case_handler)
    settled = [_deadline(case, p.case_handler, status="done"), _deadline(case, p.case_handler, status="waived")]
    others = _deadline(case, p.legal_manager)  # someone else's stays theirs
    moved_ids = sorted([*world_ids, missed.pk, extra.pk])
    versions = dict(Deadline.objects.values_list("pk", "version"))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        result = handover.user_handover(actor=p.legal_manager, from_user=p.case_handler, to_user=wang)
    assert result == handover.HandoverResult(cases=1, co_handled=0, tasks=2, deadlines=len(moved_ids))
    case = Case.objects.get(pk=case.pk)
    assert case.handler_id == wang.pk
    assert Task.objects.get(pk=task.pk).assignee_id == wang.pk
    assert Task.objects.get(pk=personal.pk).assignee_id == wang.pk
    assert Task.objects.get(pk=done.pk).assignee_id == p.case_handler.pk
    assert sorted(Deadline.objects.filter(responsible=wang).values_list("pk", flat=True)) == moved_ids
    for row in Deadline.objects.filter(pk__in=moved_ids):
        assert row.version == versions[row.pk] + 1
    for row in [*settled, others]:
        fresh = Deadline.objects.get(pk=row.pk)
        assert (fresh.responsible_id, fresh.status, fresh.version) == (row.responsible_id, row.status, row.version)
    changed = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.DEADLINE_CHANGED, params__change="reassigned")
    assert sorted(event.params["deadline"] for event in changed) == moved_ids
    audited = AuditEntry.objects.filter(stream=f"case:{case.pk}", action="deadline.reassigned")
    assert sorted(int(entry.target_id) for entry in audited) == moved_ids
    assert {tuple(entry.changes["responsible"]) for entry in audited} == {(p.case_handler.pk, wang.pk)}
    stream = f"case:{case.pk}"
    assert AuditEntry.objects.filter(stream=stream, action="case.updated").count() == 1
    assert AuditEntry.objects.filter(stream=stream, action="case.handed_over").count() == 1
    assert AuditEntry.objects.filter(stream=stream, action="task.reassigned", target_id=str(task.pk)).count() == 1
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.HANDLER_CHANGED)
    assert event.params["from"] == p.case_handler.pk and event.params["to"] == wang.pk
    summary = AuditEntry.objects.get(action="workflow.handover")
    assert summary.changes["cases"] == [case.pk] and sorted(summary.changes["tasks"]) == sorted([task.pk, personal.pk])
    assert summary.changes["deadlines"] == len(moved_ids)
    notice = Notification.objects.get(recipient=wang, code=handover.NOTIFY_HANDOVER)
    assert notice.body == f"1 cases, 2 tasks, {len(moved_ids)} deadlines"
    # assignment notices are not sent one by one on a hand-over
    assert Notification.objects.filter(recipient=wang, code=services.NOTIFY_ASSIGNED).count() == 0


def test_handover_without_deadlines_leaves_them(tw):
    p = tw.p
    wang = _second_handler(p)
    before = _deadline_state()
    result = handover.user_handover(
        actor=p.legal_manager, from_user=p.case_handler, to_user=wang, include_deadlines=False
    )
    assert (result.cases, result.deadlines) == (1, 0)
    assert _deadline_state() == before


def test_handover_is_refused_when_the_new_user_cannot_see_a_deadline_and_nothing_moves(tw):
    p = tw.p
    wang = _second_handler(p)  # Beijing: cannot see the Guangdong case
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    _deadline(tw.gd_case, p.case_handler)
    before, deadlines = written(), _deadline_state()
    with pytest.raises(DomainError) as error:
        handover.user_handover(actor=p.legal_manager, from_user=p.case_handler, to_user=wang)
    assert error.value.params["cases"] == [tw.gd_case.internal_no]
    assert (written(), _deadline_state()) == (before, deadlines)
    assert Case.objects.get(pk=tw.case.pk).handler_id == p.case_handler.pk
    assert Task.objects.get(pk=task.pk).assignee_id == p.case_handler.pk


def test_a_refusal_of_the_deadlines_app_undoes_the_whole_handover(tw, monkeypatch):
    """The cases and tasks are already moved when the deadlines app refuses: all of it is rolled back."""
    from loanlit.deadlines import selectors as deadline_selectors

    p = tw.p
    wang = _second_handler(p)
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    hidden = _deadline(tw.case, p.case_handler)
    real = deadline_selectors.deadlines_visible_to
    # As if the new handler could not see this one deadline (the deadlines app checks for itself).
    monkeypatch.setattr(deadline_selectors, "deadlines_visible_to", lambda user: real(user).exclude(pk=hidden.pk))
    before, deadlines = written(), _deadline_state()
    case_version = Case.objects.get(pk=tw.case.pk).version
    with pytest.raises(DomainError) as error:
        handover.user_handover(actor=p.legal_manager, from_user=p.case_handler, to_user=wang)
    assert error.value.code == "invalid_responsible"
    assert (written(), _deadline_state()) == (before, deadlines)
    case = Case.objects.get(pk=tw.case.pk)
    assert (case.handler_id, case.version) == (p.case_handler.pk, case_version)
    assert Task.objects.get(pk=task.pk).assignee_id == p.case_handler.pk
    assert not AuditEntry.objects.filter(action="workflow.handover").exists()


def test_handover_moves_co_handler_memberships(tw):
    from loanlit.cases import services as cases

    p = tw.p
    wang = _second_handler(p)
    case = cases.case_update(
        actor=None, case=tw.case, version=tw.case.version, handler=p.legal_manager, co_handlers=[p.case_handler]
    )
    result = handover.user_handover(
        actor=p.legal_manager, from_user=p.case_handler, to_user=wang, include_tasks=False, include_deadlines=False
    )
    assert (result.cases, result.co_handled) == (0, 1)
    assert list(Case.objects.get(pk=case.pk).co_handlers.values_list("pk", flat=True)) == [wang.pk]


def test_handover_is_refused_when_the_new_user_cannot_see_a_case_and_nothing_moves(tw):
    p = tw.p
    make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    before = written()
    with pytest.raises(DomainError) as error:
        handover.user_handover(actor=p.legal_manager, from_user=p.case_handler, to_user=p.outsider_branch)
    assert tw.case.internal_no in error.value.message
    assert error.value.params["cases"] == [tw.case.internal_no]
    with pytest.raises(DomainError):  # a viewer who may not edit cannot handle the case
        handover.user_handover(actor=p.legal_manager, from_user=p.case_handler, to_user=p.read_only)
    assert written() == before
    assert Case.objects.get(pk=tw.case.pk).handler_id == p.case_handler.pk


def test_handover_needs_the_permission_and_both_users_in_scope(tw):
    p = tw.p
    wang = _second_handler(p)
    before = written()
    with pytest.raises(PermissionDeniedError):
        handover.user_handover(actor=p.case_handler, from_user=p.case_handler, to_user=wang)
    with pytest.raises(PermissionDeniedError):
        handover.user_handover(actor=p.legal_manager, from_user=p.outsider_creditor, to_user=wang)
    with pytest.raises(DomainError):
        handover.user_handover(actor=p.legal_manager, from_user=wang, to_user=wang)
    assert written() == before


def test_handover_preview_counts_match_what_moves(tw):
    p = tw.p
    wang = _second_handler(p)
    make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    elsewhere = make_task(actor=p.outsider_branch, case=tw.gd_case, assignee=p.outsider_branch, title="Not in Beijing")
    # A task the handler kept from before a move of the case to another branch (no service assigns it so now).
    Task.objects.filter(pk=elsewhere.pk).update(assignee=p.case_handler)
    plan = handover.handover_plan(actor=p.branch_manager, from_user=p.case_handler, to_user=wang)
    # the branch manager cannot edit cases: nothing on cases is theirs to move
    assert (len(plan.cases), len(plan.tasks)) == (0, 0)
    plan = handover.handover_plan(actor=p.legal_manager, from_user=p.case_handler, to_user=wang)
    assert ([c.pk for c in plan.cases], len(plan.tasks), plan.refused) == ([tw.case.pk], 2, True)
    assert plan.refused_see == [tw.gd_case.internal_no]


# --- assignees must be able to work the case (fix4) -------------------------------------------------------


def _refusal_in(language, call):
    with translation.override(language), pytest.raises(DomainError) as error:
        call()
    assert error.value.code == "invalid_assignee"
    return error.value.message


@pytest.mark.parametrize("who", ["read_only", "auditor"])
def test_a_viewer_who_cannot_work_the_case_is_never_given_its_task(tw, who):
    from loanlit.cases import access

    p = tw.p
    viewer = getattr(p, who)
    assert access.can_view(viewer, tw.case) and not access.can_edit(viewer, tw.case)
    task = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler)
    before, state = written(), task_state(task)
    calls = (
        lambda: services.task_create_ad_hoc(actor=p.case_handler, title="Look", case=tw.case, assignee=viewer),
        lambda: services.task_update(actor=p.case_handler, task=task, version=1, assignee=viewer),
        lambda: services.tasks_reassign_batch(actor=p.legal_manager, task_ids=[task.pk], assignee=viewer),
    )
    for call in calls:
        chinese, english = _refusal_in("zh-hans", call), _refusal_in("en", call)
        assert chinese != english, "the refusal is translated"
        assert tw.case.internal_no in chinese
        assert any("\u4e00" <= char <= "\u9fff" for char in chinese)
    assert written() == before and task_state(task) == state
    assert selectors.may_be_assigned(viewer, case=tw.case, creditor_id=tw.case.creditor_id) is False


def test_the_assignee_choices_of_a_case_task_are_the_people_who_may_work_it(tw):
    p = tw.p
    names = {user.username for user in selectors.assignee_candidates(tw.case)}
    for who in ("read_only", "auditor", "branch_manager", "outsider_branch", "outsider_creditor"):
        assert getattr(p, who).username not in names, who
    assert {p.case_handler.username, p.legal_manager.username} <= names
    for user in selectors.assignee_candidates(tw.case):
        assert selectors.may_be_assigned(user, case=tw.case, creditor_id=tw.case.creditor_id), user.username


def test_handing_tasks_over_to_a_viewer_who_cannot_work_their_case_is_refused(tw):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    before, state = written(), task_state(task)
    with pytest.raises(DomainError) as error:
        handover.user_handover(
            actor=p.legal_manager,
            from_user=p.case_handler,
            to_user=p.read_only,
            include_cases=False,
            include_deadlines=False,
        )
    assert tw.case.internal_no in error.value.message
    assert written() == before and task_state(task) == state


def test_the_system_path_leaves_a_task_unassigned_rather_than_give_it_to_someone_who_may_not_work_the_case(tw):
    p = tw.p
    task = services.tasks_create_batch(
        actor=None, rows=[services.TaskInput(title="Check the file", case=tw.case, assignee=p.branch_manager)]
    )[0]
    assert (task.assignee_id, task.assignee_role) == (None, "")
