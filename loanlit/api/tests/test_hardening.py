"""Regressions from attacking the API: bad ids, dates and digits give 400 with nothing written; webhook receivers
on loopback and link-local addresses are refused."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from loanlit.api.webhooks import services as webhook_services
from loanlit.cases.models import Case, CostEntry
from loanlit.cases.tests.views_support import build_case_world
from loanlit.core.errors import DomainError
from loanlit.workflow.models import Task

pytestmark = pytest.mark.django_db

HUGE = 99_999_999_999_999_999_999_999


@pytest.fixture
def world(personas):
    return build_case_world(personas)


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _post(client: Client, method: str, url: str, body: dict):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "field, value",
    [("loans", [HUGE]), ("co_handlers", [HUGE]), ("handler", HUGE), ("creditor", HUGE), ("handling_unit", HUGE)],
)
def test_a_body_id_beyond_64_bits_is_a_field_error_not_a_server_error(personas, world, field, value):
    body = {"creditor": personas.creditor.pk, "handling_unit": personas.beijing.pk, "cause_of_action": "x"}
    body[field] = value
    before = Case.objects.count()

    response = _post(_client(personas.case_handler), "post", "/api/v1/cases/", body)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [f"{field}.0" if isinstance(value, list) else field]
    assert Case.objects.count() == before


def test_a_case_patch_with_a_huge_co_handler_id_is_refused_and_changes_nothing(personas, world):
    case = world.case
    response = _post(
        _client(personas.case_handler),
        "patch",
        f"/api/v1/cases/{case.pk}/",
        {"version": case.version, "co_handlers": [HUGE]},
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.version == world.case.version


@pytest.mark.parametrize("raw", ["²", "３", "١٢", "1e3", "-1", "0"])
def test_a_case_id_that_is_not_ascii_digits_is_a_400_for_tasks_and_costs(personas, world, raw):
    client = _client(personas.case_handler)
    tasks, costs = Task.objects.count(), CostEntry.objects.count()

    task = _post(client, "post", "/api/v1/tasks/", {"case": raw, "title": "x"})
    cost = _post(
        client,
        "post",
        "/api/v1/costs/",
        {"case": raw, "kind": "acceptance_fee", "amount": "1.00", "paid_on": "2026-01-02", "payer": "creditor"},
    )

    assert (task.status_code, cost.status_code) == (400, 400)
    assert task.json()["error"]["fields"] == {"case": [task.json()["error"]["fields"]["case"][0]]}
    assert (Task.objects.count(), CostEntry.objects.count()) == (tasks, costs)


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"])
def test_a_datetime_filter_out_of_range_after_time_zone_conversion_is_a_400(personas, world, moment):
    response = _client(personas.case_handler).get("/api/v1/cases/", {"updated_since": moment})

    assert response.status_code == 400
    assert "updated_since" in response.json()["error"]["fields"]


@pytest.mark.parametrize("amount", ["１２３.００", "١٢٣", "12.3٤"])
def test_money_in_other_scripts_digits_is_refused(personas, world, amount):
    before = CostEntry.objects.count()
    response = _post(
        _client(personas.case_handler),
        "post",
        "/api/v1/costs/",
        {
            "case": world.case.pk,
            "kind": "acceptance_fee",
            "amount": amount,
            "paid_on": "2026-01-02",
            "payer": "creditor",
        },
    )
    assert response.status_code == 400
    assert "amount" in response.json()["error"]["fields"]
    assert CostEntry.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/x",
        "http://[fe80::1]/x",
        "http://224.0.0.1/x",
        "http://127.0.0.1:6379/",
        "http://localhost/hook",
        "http://[::1]/hook",
    ],
)
def test_webhook_receivers_on_loopback_link_local_and_reserved_addresses_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(DomainError) as refused:
        webhook_services.check_url(url)
    assert refused.value.code == "bad_url"


def test_webhook_receivers_on_the_intranet_are_allowed(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    assert webhook_services.check_url("http://10.20.30.40:8080/finance") == "10.20.30.40"
    assert webhook_services.check_url("https://192.168.1.5/oa") == "192.168.1.5"


def test_a_host_name_that_resolves_to_loopback_is_refused_at_send_time(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    webhook_services.check_url("http://localhost.example.invalid/x", resolve=True)  # unknown name: send reports it
    with pytest.raises(DomainError):
        webhook_services.check_url("http://ip6-localhost/x", resolve=True) if _resolves("ip6-localhost") else (
            webhook_services.check_url("http://localhost/x", resolve=True)
        )


def _resolves(name: str) -> bool:
    import socket

    try:
        socket.getaddrinfo(name, None)
    except OSError:
        return False
    return True


@pytest.mark.parametrize("who", ["auditor", "security_admin"])
def test_the_system_administrator_cannot_give_a_key_or_a_webhook_another_dutys_identity(personas, who):
    """三员分立: an integration set up by the system administrator must not act as the auditor or the
    security administrator (nor as a superuser other than themselves)."""
    from loanlit.api.models import ApiKey, WebhookSubscription
    from loanlit.api.services.keys import api_key_create
    from loanlit.core.errors import PermissionDeniedError

    target = getattr(personas, who)
    with pytest.raises(PermissionDeniedError) as refused:
        api_key_create(actor=personas.administrator, name="Borrowed", user=target, permissions=["cases.view"])
    assert refused.value.code == "separation_of_duties"
    with pytest.raises(PermissionDeniedError):
        webhook_services.webhook_subscription_create(
            actor=personas.administrator,
            name="Borrowed",
            url="https://finance.example/hook",
            events=["case.created"],
            user=target,
        )
    assert not ApiKey.objects.exists() and not WebhookSubscription.objects.exists()
    # A service account of the system duty (here the case handler) is fine.
    key, _secret = api_key_create(
        actor=personas.administrator, name="Core banking", user=personas.case_handler, permissions=["cases.view"]
    )
    assert key.user == personas.case_handler
