"""Reminder settings pages and the delivery log: who may use them, and what they change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from loanlit.deadlines.models import ReminderDelivery, ReminderPolicy, RobotEndpoint
from loanlit.deadlines.services import reminders as svc
from loanlit.deadlines.tests.reminders_support import build_reminder_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return build_reminder_world(personas)


def test_legal_manager_saves_a_working_day_policy(world, client):
    client.force_login(world.personas.legal_manager)
    url = reverse("deadlines:reminder_policy_edit", kwargs={"kind": "appeal"})
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"offsets": "7，3, 1", "day_basis": "working", "channels": ["in_app", "email"], "is_active": "on"}
    )
    assert response.status_code == 302
    policy = ReminderPolicy.objects.get(deadline_kind="appeal")
    assert (policy.offsets, policy.day_basis, policy.channels, policy.escalate_overdue) == (
        [7, 3, 1],
        "working",
        ["in_app", "email"],
        False,
    )
    assert client.get(reverse("deadlines:reminder_policy_list")).status_code == 200


def test_bad_policy_input_is_refused_with_a_message_and_nothing_saved(world, client):
    client.force_login(world.personas.legal_manager)
    url = reverse("deadlines:reminder_policy_edit", kwargs={"kind": "default"})
    response = client.post(url, {"offsets": "7, -2", "day_basis": "calendar", "channels": ["in_app"]})
    assert response.status_code == 200 and response.context["form"].errors["offsets"]
    assert client.post(reverse("deadlines:reminder_policy_edit", kwargs={"kind": "nope"})).status_code == 404
    assert not ReminderPolicy.objects.exists()


def test_case_handler_may_not_change_policies_or_robots(world, client):
    client.force_login(world.personas.case_handler)
    url = reverse("deadlines:reminder_policy_edit", kwargs={"kind": "appeal"})
    assert client.post(url, {"offsets": "1", "day_basis": "calendar", "channels": ["in_app"]}).status_code == 403
    robot = {"kind": "wecom", "name": "x", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}
    assert client.post(reverse("deadlines:robot_add"), robot).status_code == 403
    assert not ReminderPolicy.objects.exists() and not RobotEndpoint.objects.exists()


def test_administrator_adds_a_robot(world, client):
    client.force_login(world.personas.administrator)
    robot = {
        "kind": "dingtalk",
        "name": "BJ legal",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "secret": "SEC123",
        "unit": world.personas.beijing.pk,
    }
    assert client.post(reverse("deadlines:robot_add"), robot).status_code == 302
    endpoint = RobotEndpoint.objects.get()
    assert (endpoint.kind, endpoint.unit_id, endpoint.url_hint) == (
        "dingtalk",
        world.personas.beijing.pk,
        "oapi.dingtalk.com",
    )
    page = client.get(reverse("deadlines:robot_list")).content.decode()
    assert "access_token=abc" not in page and "SEC123" not in page
    assert client.post(reverse("deadlines:robot_toggle", kwargs={"pk": endpoint.pk})).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.is_active is False


def test_delivery_log_is_scoped_to_the_users_units(world, client, personas):
    from loanlit.accounts import services as accounts

    world.deadline(due_on=dt.date(2026, 3, 9))
    svc.reminders_run(today=dt.date(2026, 3, 2))
    client.force_login(personas.legal_manager)
    response = client.get(reverse("deadlines:reminder_log"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2
    gd_manager = accounts.user_create(
        actor=None, username="gd_manager", password=None, role_code="legal_manager", unit=personas.guangdong,
        creditors=[personas.creditor],
    )  # fmt: skip
    client.force_login(gd_manager)
    assert client.get(reverse("deadlines:reminder_log")).context["rows"] == []
    client.force_login(personas.case_handler)
    assert client.get(reverse("deadlines:reminder_log")).status_code == 403
    assert ReminderDelivery.objects.count() == 2
