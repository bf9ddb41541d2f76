from __future__ import annotations

import pytest
from django.utils import timezone

from loanlit.core.errors import PermissionDeniedError
from loanlit.notifications import channels, selectors, services
from loanlit.notifications.models import Delivery, Notification

pytestmark = pytest.mark.django_db


class RecordingChannel(channels.Channel):
    code = "test_robot"
    label = "Test robot"

    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.fail_with = fail_with

    def deliver(self, notification: Notification) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((notification.title, notification.body, notification.link))


@pytest.fixture
def robot():
    channel = channels.register(RecordingChannel())
    yield channel
    channels.unregister(channel.code)


@pytest.mark.smoke
def test_notify_creates_one_unread_in_app_notification_per_distinct_recipient(personas):
    handler, manager = personas.case_handler, personas.legal_manager

    created = services.notify(
        recipients=[handler, manager, handler],
        code="deadline.due",
        title="Case LL-2026-0001: appeal period ends 2026-03-02",
        link="/cases/1/",
        target=personas.beijing,
    )

    assert len(created) == 2
    rows = Notification.objects.order_by("recipient_id")
    assert [(n.recipient_id, n.code, n.read_at, n.in_app) for n in rows] == sorted(
        [(handler.pk, "deadline.due", None, True), (manager.pk, "deadline.due", None, True)]
    )
    assert {(n.target_type, n.target_id) for n in rows} == {("core.orgunit", str(personas.beijing.pk))}
    assert not Delivery.objects.exists()


def test_outside_channel_is_sent_only_after_commit(personas, robot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify(
            recipients=[personas.case_handler],
            code="hearing.scheduled",
            title="Hearing 2026-03-02",
            channels=["in_app", "test_robot"],
        )
        delivery = Delivery.objects.get()
        assert (delivery.channel, delivery.status, delivery.attempts) == ("test_robot", "pending", 0)
        assert robot.sent == []

    assert len(callbacks) == 1
    callbacks[0]()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.delivered_at is not None
    assert robot.sent == [("Hearing 2026-03-02", "", "")]


def test_rolled_back_notify_sends_nothing_and_leaves_no_rows(personas, robot, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notify(recipients=[personas.case_handler], code="x", title="T", channels=["test_robot"])
        raise RuntimeError("the caller's transaction fails")

    assert callbacks == []
    assert robot.sent == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_failed_delivery_records_the_error_and_is_retried_until_sent(personas, django_capture_on_commit_callbacks):
    failing = channels.register(RecordingChannel(fail_with=ConnectionError("robot timed out")))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[personas.case_handler], code="x", title="T", channels=["test_robot"])
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_error) == (
            "failed",
            1,
            "ConnectionError: robot timed out",
        )

        failing.fail_with = None
        assert services.deliveries_retry_failed() == {"sent": 1, "failed": 0, "skipped": 0}
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
        assert failing.sent == [("T", "", "")]
        # A sent delivery is never sent twice.
        assert services.deliveries_send(delivery_ids=[delivery.pk]) == {"sent": 0, "failed": 0, "skipped": 1}
        assert len(failing.sent) == 1
    finally:
        channels.unregister("test_robot")


def test_delivery_stops_after_the_channels_maximum_attempts(personas, django_capture_on_commit_callbacks):
    channels.register(RecordingChannel(fail_with=ValueError("bad webhook")))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[personas.case_handler], code="x", title="T", channels=["test_robot"])
        for _ in range(10):
            services.deliveries_retry_failed()
        assert Delivery.objects.get().attempts == channels.Channel.max_attempts
    finally:
        channels.unregister("test_robot")


def test_notify_with_unknown_channel_or_external_link_writes_nothing(personas):
    with pytest.raises(channels.UnknownChannelError):
        services.notify(recipients=[personas.case_handler], code="x", title="T", channels=["carrier_pigeon"])
    for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            services.notify(recipients=[personas.case_handler], code="x", title="T", link=link)
    with pytest.raises(ValueError):
        services.notify(recipients=[personas.case_handler], code="x", title="  ")
    assert not Notification.objects.exists()


def test_outside_channel_only_notification_is_not_shown_in_the_bell(personas, robot):
    services.notify(recipients=[personas.case_handler], code="x", title="T", channels=["test_robot"])
    assert Notification.objects.get().in_app is False
    assert selectors.unread_count_for_user(user=personas.case_handler) == 0
    assert list(selectors.notification_list_for_user(user=personas.case_handler)) == []


def test_mark_read_sets_read_at_once_and_marking_again_keeps_the_first_time(personas):
    (notification,) = services.notify(recipients=[personas.case_handler], code="x", title="T")

    services.notification_mark_read(user=personas.case_handler, notification=notification)
    first = Notification.objects.get().read_at
    assert first is not None
    services.notification_mark_read(user=personas.case_handler, notification=Notification.objects.get())

    assert Notification.objects.get().read_at == first
    assert selectors.unread_count_for_user(user=personas.case_handler) == 0


def test_mark_read_refuses_another_users_notification_and_changes_nothing(personas):
    (notification,) = services.notify(recipients=[personas.case_handler], code="x", title="T")

    with pytest.raises(PermissionDeniedError):
        services.notification_mark_read(user=personas.outsider_branch, notification=notification)

    assert Notification.objects.get().read_at is None


def test_mark_all_read_touches_only_the_users_unread_notifications(personas):
    handler, other = personas.case_handler, personas.outsider_branch
    services.notify(recipients=[handler, other], code="x", title="One")
    services.notify(recipients=[handler], code="x", title="Two")
    earlier = timezone.now()
    services.notify(recipients=[handler], code="x", title="Three")
    Notification.objects.filter(recipient=handler, title="Three").update(read_at=earlier)

    assert services.notifications_mark_all_read(user=handler) == 2

    assert selectors.unread_count_for_user(user=handler) == 0
    assert Notification.objects.get(recipient=handler, title="Three").read_at == earlier
    assert selectors.unread_count_for_user(user=other) == 1


def test_list_shows_unread_first_then_newest(personas):
    handler = personas.case_handler
    for title in ("old", "middle", "new"):
        services.notify(recipients=[handler], code="x", title=title)
    Notification.objects.filter(title="new").update(read_at=timezone.now())

    titles = [n.title for n in selectors.notification_list_for_user(user=handler)]

    assert titles == ["middle", "old", "new"]


def test_in_app_channel_cannot_be_unregistered_and_codes_cannot_collide():
    with pytest.raises(ValueError):
        channels.unregister(channels.IN_APP)
    with pytest.raises(ValueError):
        channels.register(channels.InAppChannel())
    assert channels.get(channels.IN_APP).in_app is True


def test_a_failing_dispatcher_does_not_break_the_committed_notify(personas, robot, django_capture_on_commit_callbacks):
    def broken_dispatcher(ids: list[int]) -> None:
        raise RuntimeError("worker queue unavailable")

    services.set_dispatcher(broken_dispatcher)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(recipients=[personas.case_handler], code="x", title="T", channels=["in_app", "test_robot"])
    finally:
        services.set_dispatcher(None)

    assert Notification.objects.count() == 1
    assert Delivery.objects.get().status == "pending"
    assert robot.sent == []
