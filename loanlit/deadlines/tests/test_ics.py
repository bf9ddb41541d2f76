"""The per-user ICS feed: RFC 5545 shape, stable UIDs, no personal data, revocable token URLs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from loanlit.cases import services as cases
from loanlit.deadlines import ics
from loanlit.deadlines.models import Deadline, IcsFeedToken
from loanlit.deadlines.services import reminders as svc
from loanlit.deadlines.tests.reminders_support import build_reminder_world

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "上诉期限" * 20
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert ics.unfold(folded) == [line]


def test_text_values_are_escaped():
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_calendar_lines_are_exact_and_crlf_terminated():
    events = [
        ics.IcsEvent(uid="deadline-7@loanlit", summary="Appeal — BJ-1, x", start=dt.date(2026, 3, 9)),
        ics.IcsEvent(
            uid="hearing-3@loanlit",
            summary="Hearing — BJ-1",
            start=dt.datetime(2026, 3, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
            description="/cases/1/",
        ),
    ]
    body = ics.build_calendar(events, name="Feed", now=NOW).decode()
    assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
    assert ics.unfold(body)[:-1] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Loanlit//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Feed",
        "BEGIN:VEVENT",
        "UID:deadline-7@loanlit",
        "DTSTAMP:20260302T010000Z",
        "DTSTART;VALUE=DATE:20260309",
        "DTEND;VALUE=DATE:20260310",
        "TRANSP:TRANSPARENT",
        "SUMMARY:Appeal — BJ-1\\, x",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:hearing-3@loanlit",
        "DTSTAMP:20260302T010000Z",
        "DTSTART:20260310T013000Z",
        "DTEND:20260310T023000Z",
        "SUMMARY:Hearing — BJ-1",
        "DESCRIPTION:/cases/1/",
        "END:VEVENT",
        "END:VCALENDAR",
    ]


@pytest.fixture
def world(personas):
    return build_reminder_world(personas)


def test_feed_lists_my_deadlines_and_hearings_without_personal_data(world, client, time_machine):
    time_machine.move_to(NOW, tick=False)
    handler = world.personas.case_handler
    deadline = world.deadline(due_on=dt.date(2026, 3, 9))
    provisional = world.deadline(due_on=dt.date(2027, 10, 4), reminder_date=dt.date(2027, 10, 1), confirmed=False)
    world.deadline(due_on=dt.date(2026, 3, 9), status=Deadline.Status.DONE)
    world.deadline(due_on=dt.date(2026, 3, 9), responsible=world.personas.legal_manager)
    hearing = cases.hearing_schedule(
        actor=None, proceeding=world.cw.proceeding, starts_at=dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC)
    )
    token = svc.ics_feed_regenerate(user=handler)
    response = client.get(reverse("deadlines:ics_feed", kwargs={"token": token}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    lines = ics.unfold(text)
    no = world.case.internal_no
    assert [line for line in lines if line.startswith("UID:")] == [
        f"UID:deadline-{deadline.pk}@loanlit",
        f"UID:deadline-{provisional.pk}@loanlit",
        f"UID:hearing-{hearing.pk}@loanlit",
    ]
    assert [line for line in lines if line.startswith("SUMMARY:")] == [
        f"SUMMARY:Appeal — {no}",
        f"SUMMARY:Appeal — {no} (unconfirmed)",
        f"SUMMARY:Hearing — {no}",
    ]
    assert "DTSTART;VALUE=DATE:20260309" in lines and "DTSTART:20260310T013000Z" in lines
    assert [s for s in world.forbidden_strings() if s in text] == []
    assert IcsFeedToken.objects.get(user=handler).last_used_at == NOW


def test_wrong_revoked_or_replaced_tokens_answer_404(world, client):
    handler = world.personas.case_handler
    first = svc.ics_feed_regenerate(user=handler)
    second = svc.ics_feed_regenerate(user=handler)
    url = lambda token: reverse("deadlines:ics_feed", kwargs={"token": token})  # noqa: E731
    assert client.get(url(first)).status_code == 404
    assert client.get(url(second)).status_code == 200
    assert client.get(url("x" * 43)).status_code == 404
    assert svc.ics_feed_revoke(user=handler) == 1
    assert client.get(url(second)).status_code == 404
    assert IcsFeedToken.objects.filter(user=handler, revoked_at__isnull=True).count() == 0


def test_only_the_tokens_hmac_is_stored(world):
    token = svc.ics_feed_regenerate(user=world.personas.case_handler)
    row = IcsFeedToken.objects.get()
    assert token not in row.token_digest and row.token_digest == svc.ics_token_digest(token)


def test_a_deactivated_user_feed_answers_404(world, client):
    from loanlit.accounts.models import User

    token = svc.ics_feed_regenerate(user=world.personas.case_handler)
    User.objects.filter(pk=world.personas.case_handler.pk).update(is_active=False)
    assert client.get(reverse("deadlines:ics_feed", kwargs={"token": token})).status_code == 404


def test_feed_settings_page_shows_the_new_url_once(world, client):
    client.force_login(world.personas.case_handler)
    response = client.post(reverse("deadlines:ics_feed_regenerate"))
    assert response.status_code == 200
    url = response.context["new_url"]
    assert url.startswith("http://testserver/deadlines/feed/") and url.endswith(".ics")
    assert client.get(url).status_code == 200
    page = client.get(reverse("deadlines:ics_feed_settings"))
    assert url not in page.content.decode()
    assert client.post(reverse("deadlines:ics_feed_revoke")).status_code == 302
    assert client.get(url).status_code == 404
