"""Every route × every persona: status as the access rule says, and nothing written when refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.authz import ANONYMOUS, LOGIN, Access, Route, iter_route_names, row_counts, unnamed_routes

pytestmark = pytest.mark.django_db

ROUTES: list[Route] = [
    Route("core:home", get=LOGIN),
    Route("accounts:login", get=Access("public", ok=(200, 302)), post=Access("public", ok=(200, 302))),
    Route("accounts:logout", get=None, post=Access("login", ok=(302,))),
    Route("set_language", get=None, post=Access("public", ok=(302,)), data=lambda w: {"language": "en"}),
]

PERSONAS = [
    ANONYMOUS,
    "administrator",
    "legal_manager",
    "case_handler",
    "external_lawyer",
    "branch_manager",
    "auditor",
    "read_only",
    "outsider_branch",
    "outsider_creditor",
]


def test_every_route_is_in_the_matrix():
    listed = {route.name for route in ROUTES}
    known = set(iter_route_names())
    assert sorted(known - listed) == [], "routes missing from the authorization matrix"
    assert sorted(listed - known) == [], "matrix lists routes that no longer exist"
    assert list(unnamed_routes()) == [], "every route needs a name to be in the matrix"


@pytest.fixture
def world(personas):
    return personas


def _client_for(world, persona: str) -> tuple[Client, object]:
    client = Client()
    if persona == ANONYMOUS:
        return client, None
    user = getattr(world, persona)
    client.force_login(user)
    return client, user


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_route_answers_each_persona_as_its_access_rule_says(route, persona, world):
    client, user = _client_for(world, persona)
    url = reverse(route.name, kwargs=route.kwargs(world))
    for method, access in (("get", route.get), ("post", route.post)):
        before = row_counts()
        response = getattr(client, method)(url, route.data(world) if method == "post" else None)
        if access is None:
            other = route.get or route.post
            expected = 302 if persona == ANONYMOUS and other is not None and other.kind != "public" else 405
            assert response.status_code == expected, f"{persona} {method.upper()} {url} should not be allowed"
            assert row_counts() == before
            continue
        if access.allows(persona, user):
            assert response.status_code in access.ok, f"{persona} {method.upper()} {url}: {response.status_code}"
        elif persona == ANONYMOUS:
            assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
            assert row_counts() == before
        else:
            assert response.status_code == access.denied, f"{persona} {method.upper()} {url}: {response.status_code}"
            assert row_counts() == before, "a refused request changed data"
