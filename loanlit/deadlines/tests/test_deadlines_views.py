"""Deadline pages: list, calendar, detail forms (409 on a stale version), scope, the include snippets."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.deadlines.models import Deadline

from .support import build_world, one, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def appeal(personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2025, 9, 23))
    return one(world.case, Deadline.Kind.APPEAL, world.defendant)


def test_the_list_shows_the_deadline_with_its_case_number_and_marks_provisional_ones(client, personas):
    world = build_world(personas)
    serve(world.defendant, "judgment", dt.date(2027, 9, 20))
    client.force_login(personas.case_handler)
    response = client.get(reverse("deadlines:list"), {"when": "unconfirmed"})
    body = response.content.decode()
    assert response.status_code == 200
    assert world.case.internal_no in body and "2027-10-05" in body
    assert 'class="badge text-bg-warning provisional"' in body
    assert "Zhang San" not in body


def test_the_calendar_puts_the_appeal_on_its_day(client, personas, appeal):
    client.force_login(personas.case_handler)
    response = client.get(reverse("deadlines:calendar"), {"month": "2025-10"})
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("deadlines:detail", args=[appeal.pk]) in body
    assert "2025-10-09" in body  # the phone list names the day
    grid = body.split('id="deadline-calendar"', 1)[1].split("</table>", 1)[0]
    assert reverse("deadlines:detail", args=[appeal.pk]) in grid and "2025-10-09" not in grid  # day numbers only
    assert "<script" not in grid and "style=" not in grid


def test_a_garbled_month_falls_back_to_this_month(client, personas):
    client.force_login(personas.case_handler)
    with time_machine.travel(dt.datetime(2025, 10, 3, 9, 0), tick=False):
        response = client.get(reverse("deadlines:calendar"), {"month": "20x5-99"})
    assert response.status_code == 200
    assert "2025-10" in response.content.decode()


def test_mark_done_through_the_page_then_a_stale_form_answers_409(client, personas, appeal):
    client.force_login(personas.case_handler)
    url = reverse("deadlines:done", args=[appeal.pk])
    response = client.post(url, {"version": appeal.version, "note": "appeal filed"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.note) == ("done", "appeal filed")
    stale = client.post(reverse("deadlines:waive", args=[appeal.pk]), {"version": 1, "reason": "no"})
    assert stale.status_code == 409
    appeal.refresh_from_db()
    assert appeal.status == "done"


def test_override_without_a_reason_shows_the_error_and_changes_nothing(client, personas, appeal):
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("deadlines:override", args=[appeal.pk]), {"version": appeal.version, "due_on": "2025-10-01"}
    )
    assert response.status_code == 400
    appeal.refresh_from_db()
    assert (appeal.overridden, appeal.due_on) == (False, dt.date(2025, 10, 9))


def test_outsiders_get_404_and_nothing_changes(client, personas, appeal):
    before = AuditEntry.objects.count()
    for persona in ("outsider_branch", "outsider_creditor"):
        client.force_login(getattr(personas, persona))
        assert client.get(reverse("deadlines:detail", args=[appeal.pk])).status_code == 404
        assert client.get(reverse("deadlines:case", args=[appeal.case_id])).status_code == 404
        response = client.post(reverse("deadlines:done", args=[appeal.pk]), {"version": appeal.version})
        assert response.status_code == 404
        assert appeal.case.internal_no not in client.get(reverse("deadlines:list")).content.decode()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.version) == ("open", 1)
    assert AuditEntry.objects.count() == before


def test_a_viewer_without_edit_rights_gets_403(client, personas, appeal):
    client.force_login(personas.read_only)
    assert client.get(reverse("deadlines:detail", args=[appeal.pk])).status_code == 200
    assert client.post(reverse("deadlines:done", args=[appeal.pk]), {"version": 1}).status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == "open"


def _render(template: str, user, **context) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template(template).render(RequestContext(request, context))


def test_the_case_page_snippet_lists_the_case_deadlines_for_the_user(personas, appeal):
    html = _render("{% load deadline_tags %}{% case_deadlines case %}", personas.case_handler, case=appeal.case)
    assert reverse("deadlines:detail", args=[appeal.pk]) in html and "2025-10-09" in html
    outsider = _render("{% load deadline_tags %}{% case_deadlines case %}", personas.outsider_branch, case=appeal.case)
    assert "2025-10-09" not in outsider


def test_the_home_snippet_lists_my_deadlines_due_soon(personas, appeal):
    with time_machine.travel(dt.datetime(2025, 10, 1, 9, 0), tick=False):
        html = _render("{% load deadline_tags %}{% my_deadlines %}", personas.case_handler)
        other = _render("{% load deadline_tags %}{% my_deadlines %}", personas.legal_manager)
    assert "2025-10-09" in html
    assert "2025-10-09" not in other
