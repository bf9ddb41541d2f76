"""The API's cross-cutting behaviour: one JSON error shape (401 403 404 405 415 400), translated messages,
keyset cursor pagination (stable under ties and inserts), ordering, money as strings, query counts,
the OpenAPI schema and the local, CSP-clean documentation pages."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from loanlit.cases import services as cases
from loanlit.cases.models import Case
from loanlit.cases.tests import factories
from loanlit.cases.tests.views_support import build_case_world
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def signed_in(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def open_cases(personas, count: int, *, opened_on=dt.date(2026, 3, 2), start: int = 10) -> list[Case]:
    opened = []
    for n in range(start, start + count):
        _party, loan = factories.borrower_loan(personas.creditor, personas.beijing, name=f"P{n}", seq=n)
        opened.append(
            cases.case_open(
                actor=None,
                creditor=personas.creditor,
                handling_unit=personas.beijing,
                cause_of_action="\u91d1\u878d\u501f\u6b3e\u5408\u540c\u7ea0\u7eb7",
                loans=[loan],
                opened_on=opened_on,
            )
        )
    return opened


# --- errors -----------------------------------------------------------------------------------------------


def test_anonymous_gets_401_json_everywhere_including_the_schema_and_docs():
    for name in ("api:case-list", "api:schema", "api:docs", "api:redoc"):
        response = Client().get(reverse(name))
        assert response.status_code == 401, name
        assert error_of(response)["code"] == "not_authenticated"


def test_messages_follow_accept_language():
    english = error_of(Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("api:case-list")))
    chinese = error_of(Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(reverse("api:case-list")))
    assert english["message"] == "Authentication credentials were not provided."
    assert chinese["message"] != english["message"]


def test_malformed_json_is_400_parse_error_and_writes_nothing(personas):
    client = signed_in(personas.case_handler)
    before = row_counts()
    response = client.post(reverse("api:case-list"), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"
    assert row_counts() == before


def test_an_unsupported_body_type_is_415(personas):
    response = signed_in(personas.case_handler).post(reverse("api:case-list"), "x", content_type="text/csv")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_a_method_the_route_lacks_is_405(personas):
    world = build_case_world(personas)
    response = signed_in(personas.case_handler).delete(reverse("api:case-detail", args=[world.case.pk]))
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert Case.objects.filter(pk=world.case.pk).exists()


def test_missing_ids_unknown_paths_and_non_numeric_ids_are_404_json(personas):
    client = signed_in(personas.case_handler)
    for url in (
        "/api/v1/cases/999999/",
        "/api/v1/nothing/",
        "/api/v1/cases/abc/",
        "/api/v1/cases/9" * 30 + "/",
        "/api/v1/tasks/\n\U000d0625/complete/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert error_of(response)["code"] == "not_found"


def test_a_validation_error_lists_the_fields(personas):
    response = signed_in(personas.case_handler).post(
        reverse("api:case-list"), json.dumps({"creditor": "x"}), content_type="application/json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"creditor", "handling_unit", "cause_of_action"}


def test_without_the_code_the_answer_is_403_json(personas):
    response = signed_in(personas.security_admin).get(reverse("api:case-list"))
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


# --- pagination, ordering, money -------------------------------------------------------------------------


def _walk(client: Client, url: str) -> list[int]:
    seen: list[int] = []
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    return seen


def test_the_cursor_is_exact_when_many_rows_share_the_ordering_value(personas):
    opened = open_cases(personas, 7)
    client = signed_in(personas.case_handler)
    expected = sorted((c.pk for c in opened), reverse=True)
    assert _walk(client, reverse("api:case-list") + "?page_size=2") == expected
    assert _walk(client, reverse("api:case-list") + "?page_size=3&ordering=opened_on") == sorted(expected)


def test_rows_added_between_pages_neither_repeat_nor_hide_the_others(personas):
    opened = open_cases(personas, 4)
    client = signed_in(personas.case_handler)
    first = client.get(reverse("api:case-list") + "?page_size=2").json()
    assert [row["id"] for row in first["results"]] == sorted((c.pk for c in opened), reverse=True)[:2]
    open_cases(personas, 2, start=40)  # same day, higher ids: they sort before the first page
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == sorted((c.pk for c in opened), reverse=True)[2:]
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]


def test_ordering_takes_one_listed_field_and_refuses_others(personas):
    open_cases(personas, 3)
    client = signed_in(personas.case_handler)
    numbers = [
        row["internal_no"] for row in client.get(reverse("api:case-list") + "?ordering=internal_no").json()["results"]
    ]
    assert numbers == sorted(numbers)
    for bad in ("claim_total", "opened_on,id", "-nope"):
        response = client.get(reverse("api:case-list") + f"?ordering={bad}")
        assert response.status_code == 400
        assert "ordering" in error_of(response)["fields"]


def test_a_tampered_cursor_or_page_size_is_400(personas):
    client = signed_in(personas.case_handler)
    for query in ("cursor=%%%", "cursor=eyJ2IjpbIngiLCJ5Il19", "page_size=0", "page_size=x"):
        response = client.get(reverse("api:case-list") + "?" + query)
        assert response.status_code == 400, query


def test_page_size_is_capped(personas, settings):
    settings.API_MAX_PAGE_SIZE = 2
    open_cases(personas, 3)
    body = signed_in(personas.case_handler).get(reverse("api:case-list") + "?page_size=100").json()
    assert len(body["results"]) == 2 and body["next"]


def test_money_is_a_decimal_string_and_dates_are_iso(personas):
    world = build_case_world(personas)
    row = signed_in(personas.case_handler).get(reverse("api:case-detail", args=[world.case.pk])).json()
    assert row["claim_principal"] == "12000.00"
    assert row["claim_interest"] == "345.67"
    assert row["claim_total"] == "12345.67"
    assert row["opened_on"] == "2026-01-05"


@pytest.mark.parametrize("name", ["api:case-list", "api:party-list", "api:loan-list", "api:user-list"])
def test_list_queries_do_not_grow_with_the_rows(personas, name, django_assert_max_num_queries):
    open_cases(personas, 2)
    client = signed_in(personas.case_handler)
    client.get(reverse(name))  # warm the session and caches
    with django_assert_max_num_queries(14) as few:
        assert client.get(reverse(name)).status_code == 200
    open_cases(personas, 12, start=60)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse(name) + "?page_size=100").json()
    assert len(body["results"]) >= 2


# --- schema and docs --------------------------------------------------------------------------------------


def test_the_schema_is_valid_openapi_3_with_the_error_component(personas):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert "Error" in schema["components"]["schemas"]
    patch = schema["paths"]["/api/v1/cases/{id}/"]["patch"]["responses"]
    assert {"200", "400", "404", "409", "428"} <= set(patch)
    money = schema["components"]["schemas"]["Case"]["properties"]["claim_total"]
    assert money["type"] == "string" and money["format"] == "decimal"
    assert "ApiKey" in schema["components"]["securitySchemes"]


def test_the_schema_is_served_as_json_to_a_signed_in_user(personas):
    response = signed_in(personas.read_only).get(reverse("api:schema"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert json.loads(response.content)["info"]["title"] == "Loanlit API"
    yaml = signed_in(personas.read_only).get(reverse("api:schema") + "?format=yaml")
    assert yaml.status_code == 200 and yaml.content.startswith(b"openapi:")


@pytest.mark.parametrize("name", ["api:docs", "api:redoc"])
def test_the_docs_use_local_static_files_and_no_inline_script(personas, name):
    response = signed_in(personas.read_only).get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.search(r"https?://", html)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts and all("src=" in tag for tag in scripts)
    assert "<style" not in html
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert script_src.split() == ["'self'"]


def test_the_swagger_start_script_is_a_separate_same_origin_file(personas):
    client = signed_in(personas.read_only)
    html = client.get(reverse("api:docs")).content.decode()
    src = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(src)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


def test_only_the_redoc_page_allows_inline_styles(personas):
    client = signed_in(personas.read_only)
    assert "'unsafe-inline'" in client.get(reverse("api:redoc"))["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get(reverse("api:docs"))["Content-Security-Policy"]
    assert "'unsafe-inline'" not in client.get(reverse("core:home"))["Content-Security-Policy"]


@pytest.mark.parametrize("term", ["closed_on", "-closed_on"])
def test_the_cursor_walks_a_nullable_field_with_null_as_the_smallest_value(personas, term):
    from types import SimpleNamespace

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from loanlit.api.pagination import CursorPagination

    opened = open_cases(personas, 5)
    closed = {opened[1].pk: dt.date(2026, 5, 1), opened[3].pk: dt.date(2026, 4, 1)}
    for pk, day in closed.items():
        Case.objects.filter(pk=pk).update(closed_on=day)
    view = SimpleNamespace(ordering_fields=["closed_on"], ordering=[term])
    nulls = sorted(pk for pk in (c.pk for c in opened) if pk not in closed)
    dated = sorted(closed, key=closed.get)
    expected = nulls + dated if term == "closed_on" else dated[::-1] + nulls[::-1]
    seen, url = [], "/api/v1/cases/?page_size=2"
    pages = []
    while url:
        paginator = CursorPagination()
        request = Request(APIRequestFactory().get(url))
        page = paginator.paginate_queryset(Case.objects.all(), request, view)
        pages.append((paginator, page))
        seen += [case.pk for case in page]
        url = paginator.get_next_link()
    assert seen == expected
    # And back: the previous link of the last page is the page before it.
    last, _page = pages[-1]
    paginator = CursorPagination()
    back = paginator.paginate_queryset(
        Case.objects.all(), Request(APIRequestFactory().get(last.get_previous_link())), view
    )
    assert [case.pk for case in back] == [case.pk for case in pages[-2][1]]


def test_a_number_filter_beyond_64_bits_is_400_not_a_database_overflow(personas):
    client = signed_in(personas.case_handler)
    for query in ("handler=-1.35e%2B47", "handling_unit=99999999999999999999"):
        response = client.get(reverse("api:case-list") + "?" + query)
        assert response.status_code == 400, query
        assert error_of(response)["code"] == "invalid"
