from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loanlit.notifications import services
from loanlit.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _bell_count(html: str) -> str | None:
    match = re.search(r'id="notification-bell"[^>]*data-unread="(\d+)"', html)
    return match.group(1) if match else None


def test_bell_shows_the_unread_count_with_one_count_query(client, personas):
    handler = personas.case_handler
    services.notify(recipients=[handler], code="x", title="One")
    services.notify(recipients=[handler], code="x", title="Two")
    client.force_login(handler)
    client.get(reverse("notifications:list"))  # warm up session and content types

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("notifications:list"), headers={"accept-language": "en"})

    assert response.status_code == 200
    html = response.content.decode()
    assert _bell_count(html) == "2"
    assert '<span class="badge rounded-pill text-bg-danger nav-bell-badge" id="notification-count">2</span>' in html
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    notification_counts = [sql for sql in counts if "notifications_notification" in sql]
    # One COUNT for the bell (used twice on the page), one for the paginator.
    assert len(notification_counts) == 2


def test_bell_on_a_page_without_notifications_costs_exactly_one_count_query(client, personas):
    client.force_login(personas.case_handler)
    client.get(reverse("core:home"))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("core:home"))

    assert response.status_code == 200
    assert _bell_count(response.content.decode()) == "0"
    notification_counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "notifications_" in q["sql"]
    ]
    assert len(notification_counts) == 1


def test_list_shows_own_notifications_only_unread_bold_with_a_mark_read_button(client, personas):
    services.notify(recipients=[personas.case_handler], code="x", title="Case LL-1: hearing 2026-03-02")
    services.notify(recipients=[personas.outsider_branch], code="x", title="Case LL-9: not yours")
    client.force_login(personas.case_handler)

    html = client.get(reverse("notifications:list"), headers={"accept-language": "en"}).content.decode()

    assert "Case LL-1: hearing 2026-03-02" in html
    assert "Case LL-9" not in html
    assert "notification-unread" in html
    assert "Mark as read" in html


def test_list_is_paginated_by_twenty(client, personas):
    for i in range(25):
        services.notify(recipients=[personas.case_handler], code="x", title=f"N{i:02d}")
    client.force_login(personas.case_handler)

    first = client.get(reverse("notifications:list"), headers={"accept-language": "en"}).content.decode()
    second = client.get(reverse("notifications:list") + "?page=2").content.decode()

    assert first.count('class="list-group-item notification-item') == 20
    assert second.count('class="list-group-item notification-item') == 5
    assert "Page 1 of 2" in first


def test_mark_read_with_htmx_returns_the_item_and_an_updated_bell(client, personas):
    (first,) = services.notify(recipients=[personas.case_handler], code="x", title="One")
    services.notify(recipients=[personas.case_handler], code="x", title="Two")
    client.force_login(personas.case_handler)

    response = client.post(
        reverse("notifications:mark_read", args=[first.pk]), headers={"hx-request": "true", "accept-language": "en"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="notification-{first.pk}"')
    assert "notification-unread" not in html
    assert 'hx-swap-oob="true"' in html
    assert _bell_count(html) == "1"
    first.refresh_from_db()
    assert first.read_at is not None


def test_mark_read_without_htmx_redirects_to_the_list(client, personas):
    (notification,) = services.notify(recipients=[personas.case_handler], code="x", title="One")
    client.force_login(personas.case_handler)

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    assert Notification.objects.get().read_at is not None


def test_marking_another_users_notification_answers_404_and_changes_nothing(client, personas):
    (notification,) = services.notify(recipients=[personas.case_handler], code="x", title="One")
    client.force_login(personas.outsider_branch)

    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    missing = client.post(reverse("notifications:mark_read", args=[notification.pk + 1000]))

    assert response.status_code == 404
    assert missing.status_code == 404
    assert Notification.objects.get().read_at is None


def test_mark_read_refuses_get(client, personas):
    (notification,) = services.notify(recipients=[personas.case_handler], code="x", title="One")
    client.force_login(personas.case_handler)

    assert client.get(reverse("notifications:mark_read", args=[notification.pk])).status_code == 405
    assert Notification.objects.get().read_at is None


def test_mark_all_read_marks_only_own_and_reports_how_many(client, personas):
    services.notify(recipients=[personas.case_handler, personas.outsider_branch], code="x", title="One")
    services.notify(recipients=[personas.case_handler], code="x", title="Two")
    client.force_login(personas.case_handler)

    response = client.post(reverse("notifications:mark_all_read"), headers={"accept-language": "en"}, follow=True)

    assert "2 notifications marked as read." in response.content.decode()
    assert Notification.objects.filter(recipient=personas.case_handler, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(recipient=personas.outsider_branch, read_at__isnull=True).count() == 1


def test_notification_pages_require_login(client, personas):
    (notification,) = services.notify(recipients=[personas.case_handler], code="x", title="One")

    assert client.get(reverse("notifications:list")).status_code == 302
    assert client.post(reverse("notifications:mark_read", args=[notification.pk])).status_code == 302
    assert client.post(reverse("notifications:mark_all_read")).status_code == 302
    assert Notification.objects.get().read_at is None
