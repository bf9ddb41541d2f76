"""Every /api/ route × every persona × every method: the status its rule says, and nothing written when refused."""

from __future__ import annotations

import importlib
import json

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from loanlit.api.tests.api_matrix import METHODS, ApiRoute
from tests.support.authz import ANONYMOUS, iter_route_names, row_counts
from tests.test_authorization_matrix import PERSONAS, world  # noqa: F401  (the shared world fixture)

pytestmark = pytest.mark.django_db

ROUTES: list[ApiRoute] = []
for _area in ("core", "process", "inbound"):
    ROUTES.extend(importlib.import_module(f"loanlit.api.tests.matrix_{_area}").ROUTES)


def test_every_api_route_is_in_the_api_matrix():
    listed = [route.name for route in ROUTES]
    known = {name for name in iter_route_names() if name.startswith("api:")}
    assert sorted(known - set(listed)) == [], "API routes missing from the API matrix"
    assert sorted(set(listed) - known) == [], "the API matrix lists routes that no longer exist"
    assert len(listed) == len(set(listed)), "a route is listed twice"


def _call(client: Client, method: str, url: str, data: dict | None):
    if method in ("post", "put", "patch"):
        return getattr(client, method)(url, json.dumps(data or {}), content_type="application/json")
    return getattr(client, method)(url)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_api_route_answers_each_persona_as_its_rule_says(route, world):  # noqa: F811
    # The world is built once per route; each persona's requests run in a savepoint rolled back afterwards,
    # so every persona meets the same world (an allowed write of one is not seen by the next). The route's
    # objects (built lazily by its kwargs and data) are made first, outside the savepoints.
    url = reverse(route.name, kwargs=route.kwargs(world))
    data = route.data(world)
    for persona in PERSONAS:
        with transaction.atomic():
            _check_persona(route, persona, world, url, data)
            transaction.set_rollback(True)


def _check_persona(route: ApiRoute, persona: str, world, url: str, data: dict) -> None:  # noqa: F811
    client = Client()
    user = None
    if persona != ANONYMOUS:
        user = getattr(world, persona)
        client.force_login(user)
    for method in METHODS:
        access = route.access.get(method)
        before = row_counts()
        response = _call(client, method, url, data)
        where = f"{persona} {method.upper()} {url}: {response.status_code}"
        if persona == ANONYMOUS and not route.public:
            assert response.status_code == 401, where
            assert json.loads(response.content)["error"]["code"] == "not_authenticated", where
            assert row_counts() == before, where
            continue
        if access is None:
            # DRF checks permissions before the method: a persona without the route's code gets 403 first.
            assert response.status_code in (405, 403), where
            assert row_counts() == before, where
            continue
        if access.allows(persona, user):
            assert response.status_code in (*access.ok, 201, 204), where
        else:
            assert response.status_code == access.denied_status(persona), where
            assert row_counts() == before, "a refused request changed data: " + where
