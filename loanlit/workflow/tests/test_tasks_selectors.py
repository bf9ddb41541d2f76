"""Task reads: my-work grouping on a fixed day, scope, the team view's counts and its query budget."""

from __future__ import annotations

import datetime as dt

import pytest

from loanlit.accounts import services as accounts
from loanlit.workflow import selectors_tasks as selectors
from loanlit.workflow.services import tasks as services
from loanlit.workflow.tests.test_tasks_support import TODAY, build_task_world, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def tw(personas):
    return build_task_world(personas)


def _titles(tasks):
    return [task.title for task in tasks]


def test_my_work_groups_by_date_exactly(tw):
    p = tw.p
    for title, due in (
        ("later", dt.date(2026, 3, 9)),  # next Monday
        ("sunday", dt.date(2026, 3, 8)),
        ("tomorrow", dt.date(2026, 3, 5)),
        ("today", TODAY),
        ("yesterday", dt.date(2026, 3, 3)),
        ("long ago", dt.date(2025, 12, 31)),
        ("no date", None),
    ):
        make_task(actor=p.legal_manager, title=title, case=tw.case, assignee=p.case_handler, due_on=due)
    make_task(actor=p.case_handler, title="personal", assignee=p.case_handler, due_on=dt.date(2026, 3, 6))
    make_task(actor=p.legal_manager, title="not mine", case=tw.case, assignee=p.branch_manager, due_on=TODAY)
    done = make_task(actor=p.legal_manager, title="done", case=tw.case, assignee=p.case_handler, due_on=TODAY)
    services.task_complete(actor=p.case_handler, task=done, version=1)

    work = selectors.my_work(p.case_handler, TODAY)
    assert {group.key: _titles(group.tasks) for group in work.groups} == {
        "overdue": ["long ago", "yesterday"],
        "today": ["today"],
        "week": ["tomorrow", "personal", "sunday"],
        "later": ["later"],
        "no_date": ["no date"],
    }
    assert [(group.case.pk if group.case else None, len(group.tasks)) for group in work.by_case] == [
        (tw.case.pk, 7),
        (None, 1),
    ]
    assert work.total == 8

    done_only = selectors.my_work(p.case_handler, TODAY, selectors.TaskFilters(status="done"))
    assert _titles(done_only.group("today").tasks) == ["done"]
    urgent = selectors.my_work(p.case_handler, TODAY, selectors.TaskFilters(priority="urgent"))
    assert urgent.total == 0


def test_on_a_sunday_this_week_is_empty_and_monday_is_later(tw):
    p = tw.p
    sunday = dt.date(2026, 3, 8)
    make_task(actor=p.case_handler, title="monday", assignee=p.case_handler, due_on=dt.date(2026, 3, 9))
    work = selectors.my_work(p.case_handler, sunday)
    assert (_titles(work.group("week").tasks), _titles(work.group("later").tasks)) == ([], ["monday"])


def test_a_branch_b_user_never_sees_a_branch_a_task(tw):
    p = tw.p
    task = make_task(actor=p.case_handler, case=tw.case, assignee=p.case_handler)
    personal = make_task(actor=p.case_handler, title="personal", assignee=p.case_handler)
    for outsider in (p.outsider_branch, p.outsider_creditor, p.external_lawyer):
        visible = selectors.tasks_for_user(outsider, selectors.TaskFilters(status="all"))
        assert task.pk not in set(visible.values_list("pk", flat=True))
        assert personal.pk not in set(visible.values_list("pk", flat=True))
    # the case's viewers see the case task; nobody but the owner sees the personal one
    assert set(selectors.tasks_for_user(p.read_only).values_list("pk", flat=True)) == {task.pk}
    assert set(selectors.tasks_for_user(p.case_handler).values_list("pk", flat=True)) == {task.pk, personal.pk}


def test_team_work_counts_open_work_per_person_in_scope(tw):
    p = tw.p
    for due in (dt.date(2026, 3, 1), TODAY, dt.date(2026, 3, 8), dt.date(2026, 4, 1), None):
        make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler, due_on=due)
    make_task(actor=p.outsider_branch, case=tw.gd_case, assignee=p.outsider_branch, due_on=dt.date(2026, 3, 1))
    rows = {row.user.username: row for row in selectors.team_work(p.branch_manager, TODAY)}
    handler = rows["case_handler"]
    open_deadlines = tw.case.deadlines.filter(status__in=("open", "missed"), responsible=p.case_handler).count()
    assert (handler.open, handler.overdue, handler.week, handler.cases, handler.deadlines) == (
        5,
        1,
        2,
        1,
        open_deadlines,
    )
    # Beijing's manager does not see Guangdong's people or work
    assert "outsider_branch" not in rows
    assert "outsider_creditor" not in rows
    rows = {row.user.username: row for row in selectors.team_work(p.legal_manager, TODAY)}
    assert (rows["outsider_branch"].open, rows["outsider_branch"].overdue, rows["outsider_branch"].cases) == (1, 1, 1)
    assert selectors.team_work(p.case_handler, TODAY) == []  # no tasks.view_team


def test_team_work_takes_a_bounded_number_of_queries(tw, django_assert_max_num_queries):
    p = tw.p
    make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler, due_on=TODAY)
    manager = type(p.legal_manager).objects.get(pk=p.legal_manager.pk)
    with django_assert_max_num_queries(8) as few:
        small = selectors.team_work(manager, TODAY)
    for n in range(12):
        user = accounts.user_create(
            actor=None,
            username=f"handler{n}",
            password=None,
            role_code="case_handler",
            unit=p.beijing,
            creditors=[p.creditor],
        )
        make_task(actor=p.legal_manager, case=tw.case, assignee=user, due_on=TODAY)
        make_task(actor=user, title="personal", assignee=user)
    manager = type(p.legal_manager).objects.get(pk=p.legal_manager.pk)
    with django_assert_max_num_queries(len(few)):
        many = selectors.team_work(manager, TODAY)
    assert len(many) == len(small) + 12


def test_team_member_work_is_404_outside_the_viewers_scope(tw):
    from django.http import Http404

    p = tw.p
    make_task(actor=p.outsider_branch, case=tw.gd_case, assignee=p.outsider_branch)
    with pytest.raises(Http404):
        selectors.team_member_work(p.branch_manager, p.outsider_branch.pk, TODAY)
    with pytest.raises(Http404):
        selectors.team_member_work(p.branch_manager, 999999, TODAY)
    member = selectors.team_member_work(p.legal_manager, p.outsider_branch.pk, TODAY)
    assert ([c.pk for c in member.cases], member.work.total) == ([tw.gd_case.pk], 1)


def test_assignee_candidates_are_exactly_who_may_work_the_case(tw):
    p = tw.p
    from loanlit.cases import access

    names = {user.username for user in selectors.assignee_candidates(tw.case)}
    expected = {name for name, user in p.all_users().items() if access.can_edit(user, tw.case)}
    assert names == expected
