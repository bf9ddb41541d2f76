"""API keys: the service (secret once, hash only, codes within the role, creditors), authentication
(expired / revoked / unknown / malformed → 401 with nothing written), key codes, scope, rate limits, pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loanlit.api.authentication import hash_secret
from loanlit.api.models import ApiKey
from loanlit.api.services.keys import api_key_create, api_key_revoke
from loanlit.audit.models import AuditEntry
from loanlit.cases.tests.views_support import build_case_world
from loanlit.core.errors import DomainError, PermissionDeniedError
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def key_client(secret: str, *, header: str = "bearer") -> Client:
    if header == "bearer":
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return Client(HTTP_X_API_KEY=secret)


def make_key(user, codes=("cases.view",), **kwargs):
    return api_key_create(actor=None, name=kwargs.pop("name", "Core banking"), user=user, permissions=codes, **kwargs)


# --- the service ------------------------------------------------------------------------------------------


def test_api_key_create_returns_the_secret_once_and_stores_only_its_sha256(personas):
    key, secret = api_key_create(
        actor=personas.administrator,
        name="Core banking",
        user=personas.case_handler,
        permissions=["cases.view", "cases.edit"],
        rate_limit="600/min",
    )
    assert secret.startswith("ll_" + key.prefix)
    assert len(key.prefix) == 12
    assert len(secret) == 3 + 12 + 43  # 32 random bytes, URL-safe base64 without padding
    key.refresh_from_db()
    assert key.key_hash == hash_secret(secret)
    assert secret not in json.dumps([key.name, key.prefix, key.key_hash, key.permissions])
    assert key.permissions == ["cases.edit", "cases.view"]
    assert key.created_by == personas.administrator
    entry = AuditEntry.objects.filter(action="api_key.created").get()
    assert entry.changes["prefix"]["new"] == key.prefix
    assert entry.changes["user"]["new"] == "case_handler"
    text = json.dumps(entry.changes)
    assert secret not in text and secret[len("ll_") + 12 :] not in text and key.key_hash not in text


def test_api_key_expires_after_the_default_days_unless_told(personas, settings):
    settings.API_KEY_DEFAULT_DAYS = 30
    with time_machine.travel(dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC), tick=False):
        key, _secret = make_key(personas.case_handler)
    assert key.expires_at == dt.datetime(2027, 1, 3, 8, 0, tzinfo=dt.UTC)


def test_api_key_create_refuses_a_code_the_users_role_does_not_grant(personas):
    before = row_counts()
    with pytest.raises(DomainError) as error:
        api_key_create(
            actor=personas.administrator, name="X", user=personas.read_only, permissions=["cases.view", "cases.edit"]
        )
    assert error.value.code == "permission_not_granted"
    assert row_counts() == before


def test_api_key_create_refuses_an_unknown_code_and_an_empty_list(personas):
    for codes, expected in ((["cases.fly"], "unknown_permission"), ([], "no_permissions")):
        with pytest.raises(DomainError) as error:
            api_key_create(actor=personas.administrator, name="X", user=personas.case_handler, permissions=codes)
        assert error.value.code == expected
    assert not ApiKey.objects.exists()


def test_api_key_create_refuses_a_user_of_another_creditor(personas):
    before = row_counts()
    with pytest.raises(PermissionDeniedError) as error:
        api_key_create(
            actor=personas.administrator, name="X", user=personas.outsider_creditor, permissions=["cases.view"]
        )
    assert error.value.code == "user_out_of_scope"
    assert row_counts() == before


def test_api_key_create_and_revoke_need_api_manage(personas):
    with pytest.raises(PermissionDeniedError):
        api_key_create(actor=personas.legal_manager, name="X", user=personas.case_handler, permissions=["cases.view"])
    key, _secret = make_key(personas.case_handler)
    with pytest.raises(PermissionDeniedError):
        api_key_revoke(actor=personas.legal_manager, key=key)
    key.refresh_from_db()
    assert key.revoked_at is None


def test_api_key_create_refuses_a_bad_rate_limit_and_a_past_expiry(personas):
    with pytest.raises(DomainError) as error:
        make_key(personas.case_handler, rate_limit="lots")
    assert error.value.code == "invalid_rate_limit"
    with pytest.raises(DomainError) as error:
        make_key(personas.case_handler, expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert error.value.code == "invalid_expiry"
    assert not ApiKey.objects.exists()


def test_revoking_twice_is_refused_and_audited_once(personas):
    key, _secret = make_key(personas.case_handler)
    api_key_revoke(actor=personas.administrator, key=key)
    with pytest.raises(DomainError) as error:
        api_key_revoke(actor=personas.administrator, key=key)
    assert error.value.code == "already_revoked"
    assert AuditEntry.objects.filter(action="api_key.revoked").count() == 1


# --- authentication ---------------------------------------------------------------------------------------


def test_a_key_authenticates_with_bearer_or_x_api_key_and_stamps_last_used(personas):
    key, secret = make_key(personas.case_handler)
    for header in ("bearer", "x-api-key"):
        response = key_client(secret, header=header).get(reverse("api:case-list"))
        assert response.status_code == 200, response.content
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize("kind", ["expired", "revoked", "unknown", "malformed", "wrong_secret", "user_disabled"])
def test_a_bad_key_gets_401_and_nothing_happens(personas, kind):
    key, secret = make_key(personas.case_handler)
    if kind == "expired":
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    elif kind == "revoked":
        api_key_revoke(actor=None, key=key)
    elif kind == "unknown":
        secret = "ll_" + "A" * 12 + "B" * 43
    elif kind == "malformed":
        secret = "not-a-key"
    elif kind == "wrong_secret":
        secret = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    elif kind == "user_disabled":
        type(personas.case_handler).objects.filter(pk=personas.case_handler.pk).update(is_active=False)
    build_case_world(personas)
    before = row_counts()
    client = key_client(secret)
    responses = [
        client.get(reverse("api:case-list")),
        client.post(reverse("api:case-list"), json.dumps({"creditor": personas.creditor.pk}), "application/json"),
    ]
    for response in responses:
        assert response.status_code == 401
        body = response.json()
        assert body["error"]["code"] == "authentication_failed"
        assert body["error"]["status"] == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert row_counts() == before
    key.refresh_from_db()
    assert key.last_used_at is None


def test_a_key_limited_to_cases_view_cannot_use_other_codes_its_user_has(personas):
    _key, secret = make_key(personas.legal_manager, codes=("cases.view",))
    assert personas.legal_manager.has_code("reports.view") and personas.legal_manager.has_code("cases.edit")
    world = build_case_world(personas)
    client = key_client(secret)
    before = row_counts()
    assert client.get(reverse("api:report-summary")).status_code == 403
    response = client.post(
        reverse("api:case-list"),
        json.dumps({"creditor": personas.creditor.pk, "handling_unit": personas.beijing.pk, "cause_of_action": "x"}),
        "application/json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    response = client.patch(
        reverse("api:case-detail", args=[world.case.pk]),
        json.dumps({"version": world.case.version, "priority": "high"}),
        "application/json",
    )
    assert response.status_code == 403
    assert row_counts() == before
    assert client.get(reverse("api:case-detail", args=[world.case.pk])).status_code == 200


def test_a_key_of_a_branch_user_sees_only_that_branchs_cases(personas):
    beijing = build_case_world(personas, name="Li Si", seq=1)
    from loanlit.cases import services as cases
    from loanlit.cases.tests import factories

    _p, gd_loan = factories.borrower_loan(personas.creditor, personas.guangdong, name="Wang Wu", seq=2)
    guangdong = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.guangdong,
        cause_of_action=beijing.case.cause_of_action,
        loans=[gd_loan],
        opened_on=dt.date(2026, 2, 1),
    )
    _key, secret = make_key(personas.case_handler)
    client = key_client(secret)
    listed = [row["id"] for row in client.get(reverse("api:case-list")).json()["results"]]
    assert listed == [beijing.case.pk]
    assert client.get(reverse("api:case-detail", args=[guangdong.pk])).status_code == 404
    assert client.get(reverse("api:loan-detail", args=[gd_loan.pk])).status_code == 404
    loans = [row["id"] for row in client.get(reverse("api:loan-list")).json()["results"]]
    assert loans == [beijing.loan.pk]


# --- rate limits ------------------------------------------------------------------------------------------


def test_the_request_after_the_keys_rate_limit_gets_429_with_retry_after(personas):
    _key, secret = make_key(personas.case_handler, rate_limit="3/min")
    client = key_client(secret)
    url = reverse("api:case-list")
    with time_machine.travel(dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC), tick=False):
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
        response = client.get(url)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    body = response.json()["error"]
    assert body["status"] == 429 and body["code"] == "throttled"
    assert "60" in body["message"]
    # Another key of the same user has its own budget.
    _other, other_secret = make_key(personas.case_handler, name="Other", rate_limit="3/min")
    assert key_client(other_secret).get(url).status_code == 200
    # A minute later the window has moved on.
    with time_machine.travel(dt.datetime(2026, 12, 4, 8, 1, 1, tzinfo=dt.UTC), tick=False):
        assert client.get(url).status_code == 200


# --- pages ------------------------------------------------------------------------------------------------


def test_the_create_page_shows_the_secret_once_and_the_list_only_the_prefix(personas):
    client = Client()
    client.force_login(personas.administrator)
    response = client.post(
        reverse("integration:key_create"),
        {
            "name": "Finance",
            "user": personas.case_handler.pk,
            "permissions": ["cases.view"],
            "expires_on": "2027-06-30",
            "rate_limit": "100/min",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = ApiKey.objects.get()
    secret = response.context["secret"]
    assert key.key_hash == hash_secret(secret)
    assert secret in response.content.decode()
    assert timezone.localtime(key.expires_at).date() == dt.date(2027, 6, 30)
    assert key.rate_limit == "100/min"
    listing = client.get(reverse("integration:key_list")).content.decode()
    assert key.prefix in listing and "Finance" in listing and "case_handler" in listing
    assert secret not in listing
    assert key_client(secret).get(reverse("api:user-list")).status_code == 200


def test_the_create_page_refuses_a_code_beyond_the_users_role(personas):
    client = Client()
    client.force_login(personas.administrator)
    response = client.post(
        reverse("integration:key_create"),
        {"name": "Finance", "user": personas.read_only.pk, "permissions": ["cases.edit"]},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ApiKey.objects.exists()


def test_revoking_on_the_page_makes_the_key_fail(personas):
    key, secret = make_key(personas.case_handler)
    assert key_client(secret).get(reverse("api:case-list")).status_code == 200
    client = Client()
    client.force_login(personas.administrator)
    response = client.post(reverse("integration:key_revoke", args=[key.pk]))
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key_client(secret).get(reverse("api:case-list")).status_code == 401


def test_key_pages_are_refused_without_api_manage(personas):
    key, _secret = make_key(personas.case_handler)
    client = Client()
    client.force_login(personas.legal_manager)
    assert client.get(reverse("integration:key_list")).status_code == 403
    assert client.post(reverse("integration:key_revoke", args=[key.pk])).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None
