"""The webhook pages (/integration/webhooks/): api.manage holders of the subscription's creditors only."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from loanlit.accounts import services as accounts
from loanlit.api.models import WebhookDelivery, WebhookSubscription
from loanlit.api.webhooks import services
from loanlit.audit.models import AuditEntry
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db

URL = "https://finance.example/hooks/loanlit?token=abc123"


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _subscription(personas) -> WebhookSubscription:
    subscription, _secret = services.webhook_subscription_create(
        actor=None, name="Finance", url=URL, events=["case.created"], user=personas.case_handler
    )
    return subscription


@pytest.fixture
def other_manager(personas):
    """An administrator of the other creditor (api.manage, but none of creditor A's data)."""
    return accounts.user_create(
        actor=None,
        username="other_admin",
        password=None,
        role_code="administrator",
        unit=personas.other_head_office,
        creditors=[personas.other_creditor],
    )


def test_creating_a_webhook_shows_the_generated_secret_once_and_stores_it_encrypted(personas):
    client = _client(personas.administrator)
    response = client.post(
        reverse("integration:webhook_add"),
        {
            "name": "Finance",
            "url": URL,
            "secret": "",
            "events": ["case.created", "recovery.recorded"],
            "user": personas.case_handler.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    subscription = WebhookSubscription.objects.get()
    secret = services.subscription_secret(subscription)
    assert secret in response.content.decode()
    assert (subscription.name, subscription.events, subscription.user, subscription.url_hint) == (
        "Finance",
        ["case.created", "recovery.recorded"],
        personas.case_handler,
        "finance.example",
    )
    assert subscription.created_by == personas.administrator
    log = client.get(reverse("integration:webhook_log", args=[subscription.pk]))
    assert log.status_code == 200
    assert secret not in log.content.decode() and "abc123" not in log.content.decode()
    listing = client.get(reverse("integration:webhook_list")).content.decode()
    assert "finance.example" in listing and "abc123" not in listing
    edit = client.get(reverse("integration:webhook_edit", args=[subscription.pk])).content.decode()
    assert secret not in edit and "abc123" not in edit


def test_a_non_http_url_is_refused_by_the_form_and_nothing_is_written(personas):
    client = _client(personas.administrator)
    before = row_counts()
    response = client.post(
        reverse("integration:webhook_add"),
        {"name": "Bad", "url": "file:///etc/passwd", "events": ["case.created"], "user": personas.case_handler.pk},
    )
    assert response.status_code == 200
    assert "Enter the receiver&#x27;s URL" in response.content.decode()
    assert row_counts() == before


def test_the_acting_user_list_holds_only_users_of_the_managers_creditors(personas, other_manager):
    client = _client(personas.administrator)
    page = client.get(reverse("integration:webhook_add")).content.decode()
    assert f'value="{personas.case_handler.pk}"' in page
    assert f'value="{personas.outsider_creditor.pk}"' not in page
    before = row_counts()
    response = client.post(
        reverse("integration:webhook_add"),
        {"name": "X", "url": URL, "events": ["case.created"], "user": personas.outsider_creditor.pk},
    )
    assert response.status_code == 200 and "user" in response.context["form"].errors
    assert row_counts() == before


def test_another_creditors_manager_gets_404_for_the_subscription_and_its_deliveries(personas, other_manager):
    subscription = _subscription(personas)
    delivery = services.webhook_test_send(actor=None, subscription=subscription)
    client = _client(other_manager)
    assert client.get(reverse("integration:webhook_list")).status_code == 200
    assert "finance.example" not in client.get(reverse("integration:webhook_list")).content.decode()
    before = row_counts()
    for url in (
        reverse("integration:webhook_log", args=[subscription.pk]),
        reverse("integration:webhook_edit", args=[subscription.pk]),
        reverse("integration:webhook_delivery", args=[subscription.pk, delivery.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("integration:webhook_edit", args=[subscription.pk]),
        reverse("integration:webhook_test", args=[subscription.pk]),
        reverse("integration:webhook_replay", args=[subscription.pk, delivery.pk]),
    ):
        assert client.post(url, {"name": "Taken", "version": subscription.version}).status_code == 404, url
    assert row_counts() == before
    assert WebhookSubscription.objects.get().name == "Finance"


def test_a_delivery_of_one_subscription_is_not_reachable_through_another(personas):
    mine = _subscription(personas)
    other, _ = services.webhook_subscription_create(
        actor=None, name="CRM", url=URL, events=["case.created"], user=personas.legal_manager
    )
    delivery = services.webhook_test_send(actor=None, subscription=other)
    client = _client(personas.administrator)
    assert client.get(reverse("integration:webhook_delivery", args=[mine.pk, delivery.pk])).status_code == 404
    assert client.post(reverse("integration:webhook_replay", args=[mine.pk, delivery.pk])).status_code == 404
    assert WebhookDelivery.objects.count() == 1


def test_people_without_api_manage_get_403(personas):
    subscription = _subscription(personas)
    client = _client(personas.legal_manager)
    before = row_counts()
    assert client.get(reverse("integration:webhook_list")).status_code == 403
    assert client.post(reverse("integration:webhook_test", args=[subscription.pk])).status_code == 403
    assert row_counts() == before


def test_a_stale_edit_is_refused_and_a_fresh_one_saved(personas):
    subscription = _subscription(personas)
    client = _client(personas.administrator)
    url = reverse("integration:webhook_edit", args=[subscription.pk])
    form = {
        "name": "Finance (new)",
        "url": "",
        "events": ["cost.paid"],
        "user": personas.case_handler.pk,
        "is_active": "on",
        "version": subscription.version,
    }
    assert client.post(url, form).status_code == 302
    stale = client.post(url, {**form, "name": "Lost update"})
    assert stale.status_code == 200
    assert "changed by someone else" in stale.content.decode()
    subscription.refresh_from_db()
    assert (subscription.name, subscription.events, subscription.version) == ("Finance (new)", ["cost.paid"], 2)
    assert services.subscription_url(subscription) == URL


def test_replacing_the_secret_shows_the_new_one_once(personas):
    subscription = _subscription(personas)
    client = _client(personas.administrator)
    response = client.post(
        reverse("integration:webhook_edit", args=[subscription.pk]),
        {
            "name": "Finance",
            "events": ["case.created"],
            "user": personas.case_handler.pk,
            "is_active": "on",
            "version": subscription.version,
            "new_secret": "on",
            "secret": "a-receiver-chosen-secret-1234",
        },
    )
    assert response.status_code == 200
    assert "a-receiver-chosen-secret-1234" in response.content.decode()
    subscription.refresh_from_db()
    assert services.subscription_secret(subscription) == "a-receiver-chosen-secret-1234"


def test_test_event_and_replay_queue_deliveries_shown_in_the_log(personas):
    subscription = _subscription(personas)
    client = _client(personas.administrator)
    assert client.post(reverse("integration:webhook_test", args=[subscription.pk])).status_code == 302
    test = WebhookDelivery.objects.get()
    assert (test.event, test.case_id, test.payload["case"]) == ("webhook.test", None, None)
    response = client.post(reverse("integration:webhook_replay", args=[subscription.pk, test.pk]))
    assert response.status_code == 302
    replay = WebhookDelivery.objects.exclude(pk=test.pk).get()
    assert (replay.replay_of_id, replay.event_id, replay.payload) == (test.pk, test.event_id, test.payload)
    log = client.get(reverse("integration:webhook_log", args=[subscription.pk])).content.decode()
    assert log.count("webhook.test") == 2 and "Replay" in log
    detail = client.get(reverse("integration:webhook_delivery", args=[subscription.pk, test.pk]))
    assert detail.status_code == 200
    assert str(test.event_id) in detail.content.decode()
    assert re.search(r"&quot;event&quot;: &quot;webhook.test&quot;", detail.content.decode())
    actions = list(AuditEntry.objects.filter(action__startswith="webhook.").values_list("action", flat=True))
    assert sorted(actions) == ["webhook.created", "webhook.replayed", "webhook.test_sent"]
