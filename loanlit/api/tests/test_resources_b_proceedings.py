"""/api/v1/ process resources, part 1: proceedings, hearings, judgments, events, deadlines, costs, recoveries.

Exact values (money to the cent, dates to the day), scope (an outsider gets 404 and nothing is written),
stale versions (409), missing versions (428), refused amounts (400 naming the field).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from loanlit.cases import services
from loanlit.cases.models import CaseEvent, CostEntry, Hearing, Judgment, Proceeding, Recovery
from loanlit.cases.tests.views_support import build_case_world
from loanlit.deadlines.models import Deadline
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def cw(personas):
    return build_case_world(personas)


def api(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def post(client: Client, name: str, data: dict, **kwargs):
    return client.post(reverse(name, kwargs=kwargs), json.dumps(data), content_type="application/json")


def patch(client: Client, name: str, data: dict, **kwargs):
    return client.patch(reverse(name, kwargs=kwargs), json.dumps(data), content_type="application/json")


def body(response) -> dict:
    return json.loads(response.content)


# --- proceedings ------------------------------------------------------------------------------------------


def test_proceeding_is_opened_through_the_service_with_its_timeline_event(personas, cw):
    response = post(
        api(personas.case_handler),
        "api:proceeding-list",
        {
            "case": cw.case.pk,
            "kind": "second_instance",
            "court": cw.court.pk,
            "filed_on": "2026-04-01",
            "follows": cw.proceeding.pk,
        },
    )
    assert response.status_code == 201, response.content
    data = body(response)
    created = Proceeding.objects.get(pk=data["id"])
    assert (data["case"], data["kind"], data["filed_on"], data["follows"]) == (
        cw.case.pk,
        "second_instance",
        "2026-04-01",
        cw.proceeding.pk,
    )
    assert data["is_active"] is True and data["version"] == 1 and data["judgment"] is None
    assert created.court_id == cw.court.pk
    assert Proceeding.objects.get(pk=cw.proceeding.pk).is_active is False
    assert CaseEvent.objects.filter(case=cw.case, kind=CaseEvent.Kind.PROCEEDING_OPENED).count() == 2


def test_outsider_gets_404_on_a_proceeding_and_writes_nothing(personas, cw):
    client = api(personas.outsider_branch)
    assert client.get(reverse("api:proceeding-detail", kwargs={"pk": cw.proceeding.pk})).status_code == 404
    assert client.get(reverse("api:proceeding-parties", kwargs={"pk": cw.proceeding.pk})).status_code == 404
    listed = body(client.get(reverse("api:proceeding-list")))["results"]
    assert listed == []
    before = row_counts()
    response = post(client, "api:proceeding-list", {"case": cw.case.pk, "kind": "enforcement", "court": cw.court.pk})
    assert response.status_code == 404
    assert body(response)["error"]["code"] == "not_found"
    response = patch(
        client, "api:proceeding-detail", {"version": cw.proceeding.version, "judge": "X"}, pk=cw.proceeding.pk
    )
    assert response.status_code == 404
    assert row_counts() == before


def test_viewer_without_edit_rights_is_refused_403(personas, cw):
    before = row_counts()
    response = patch(
        api(personas.read_only),
        "api:proceeding-detail",
        {"version": cw.proceeding.version, "judge": "X"},
        pk=cw.proceeding.pk,
    )
    assert response.status_code == 403
    assert row_counts() == before


def test_proceeding_patch_needs_the_current_version(personas, cw):
    client = api(personas.case_handler)
    url_kwargs = {"pk": cw.proceeding.pk}
    missing = patch(client, "api:proceeding-detail", {"judge": "Li Si"}, **url_kwargs)
    assert missing.status_code == 428
    assert body(missing)["error"]["code"] == "version_required"
    ok = patch(client, "api:proceeding-detail", {"judge": "Li Si", "version": cw.proceeding.version}, **url_kwargs)
    assert ok.status_code == 200, ok.content
    assert body(ok)["judge"] == "Li Si"
    assert body(ok)["version"] == cw.proceeding.version + 1
    before = row_counts()
    stale = patch(client, "api:proceeding-detail", {"judge": "Wang Wu", "version": cw.proceeding.version}, **url_kwargs)
    assert stale.status_code == 409
    assert row_counts() == before
    assert Proceeding.objects.get(pk=cw.proceeding.pk).judge == "Li Si"
    by_header = client.patch(
        reverse("api:proceeding-detail", kwargs=url_kwargs),
        json.dumps({"clerk": "Zhao"}),
        content_type="application/json",
        HTTP_IF_MATCH=f'"{cw.proceeding.version + 1}"',
    )
    assert by_header.status_code == 200 and body(by_header)["clerk"] == "Zhao"


def test_a_bad_case_number_is_the_services_400_and_changes_nothing(personas, cw):
    before = row_counts()
    response = patch(
        api(personas.case_handler),
        "api:proceeding-detail",
        {"court_case_number": "not a number", "version": cw.proceeding.version},
        pk=cw.proceeding.pk,
    )
    assert response.status_code == 400
    assert body(response)["error"]["code"] == "invalid_case_number"
    assert row_counts() == before


def test_proceeding_parties_lists_roles(personas, cw):
    response = api(personas.read_only).get(reverse("api:proceeding-parties", kwargs={"pk": cw.proceeding.pk}))
    assert response.status_code == 200
    rows = body(response)
    assert [(r["role"], r["party"], r["unit"]) for r in rows] == [
        ("plaintiff", None, personas.beijing.pk),
        ("defendant", cw.borrower.pk, None),
    ]
    assert rows[1]["party_name"] == "Zhang San"


def test_proceeding_list_filters_by_case_and_keeps_a_constant_number_of_queries(
    personas, cw, django_assert_max_num_queries
):
    for seq in range(2, 6):
        other = build_case_world(personas, name=f"Borrower {seq}", seq=seq)
        assert other.proceeding.pk
    client = api(personas.administrator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("api:proceeding-list"))
    assert len(body(response)["results"]) == 5
    only_one = body(client.get(reverse("api:proceeding-list"), {"case": cw.case.pk}))["results"]
    assert [row["id"] for row in only_one] == [cw.proceeding.pk]


# --- hearings -------------------------------------------------------------------------------------------


def test_hearing_is_scheduled_with_its_time_zone(personas, cw):
    response = post(
        api(personas.case_handler),
        "api:hearing-list",
        {"proceeding": cw.proceeding.pk, "starts_at": "2026-12-21T09:30:00+08:00", "room": "Room 3"},
    )
    assert response.status_code == 201, response.content
    hearing = Hearing.objects.get(pk=body(response)["id"])
    assert hearing.starts_at == dt.datetime(2026, 12, 21, 1, 30, tzinfo=dt.UTC)
    assert body(response)["case"] == cw.case.pk and body(response)["room"] == "Room 3"
    assert CaseEvent.objects.filter(case=cw.case, kind=CaseEvent.Kind.HEARING_SET).count() == 1


def test_outsider_cannot_schedule_a_hearing(personas, cw):
    before = row_counts()
    response = post(
        api(personas.outsider_creditor),
        "api:hearing-list",
        {"proceeding": cw.proceeding.pk, "starts_at": "2026-12-21T09:30:00+08:00"},
    )
    assert response.status_code == 404
    assert row_counts() == before


# --- judgments ------------------------------------------------------------------------------------------


def _judgment_body(cw, **extra):
    return {
        "proceeding": cw.proceeding.pk,
        "version": cw.proceeding.version,
        "judged_on": "2026-03-02",
        "items": [
            {"kind": "principal", "amount": "12000.00"},
            {"kind": "interest", "amount": "345.67"},
            {"kind": "post_judgment_interest", "base": "12000.00", "rate": "3.450000", "from_date": "2026-01-06"},
        ],
        **extra,
    }


def test_judgment_is_recorded_with_items_to_the_cent(personas, cw):
    response = post(api(personas.case_handler), "api:judgment-list", _judgment_body(cw))
    assert response.status_code == 201, response.content
    data = body(response)
    assert data["adjudicated_amount"] == "12345.67"
    assert data["judged_on"] == "2026-03-02" and data["currency"] == "CNY"
    assert [(i["seq"], i["kind"], i["amount"], i["base"], i["rate"]) for i in data["items"]] == [
        (1, "principal", "12000.00", None, None),
        (2, "interest", "345.67", None, None),
        (3, "post_judgment_interest", None, "12000.00", "3.450000"),
    ]
    judgment = Judgment.objects.get(pk=data["id"])
    assert judgment.adjudicated_amount == Decimal("12345.67")
    detail = api(personas.read_only).get(reverse("api:judgment-detail", kwargs={"pk": judgment.pk}))
    assert body(detail)["items"][0]["amount"] == "12000.00"


@pytest.mark.parametrize(
    "amount, message_part",
    [("12000.005", "2 decimal places"), (12000.5, "decimal string"), ("12,000", "non-negative amount")],
)
def test_judgment_refuses_a_bad_amount_naming_the_item_field(personas, cw, amount, message_part):
    payload = _judgment_body(cw)
    payload["items"][1]["amount"] = amount
    before = row_counts()
    response = post(api(personas.case_handler), "api:judgment-list", payload)
    assert response.status_code == 400
    fields = body(response)["error"]["fields"]
    assert list(fields) == ["items.1.amount"]
    assert message_part in fields["items.1.amount"][0]
    assert row_counts() == before


def test_judgment_with_a_stale_proceeding_version_is_409_and_nothing_is_written(personas, cw):
    services.proceeding_update(actor=None, proceeding=cw.proceeding, version=cw.proceeding.version, judge="Li")
    before = row_counts()
    response = post(api(personas.case_handler), "api:judgment-list", _judgment_body(cw))
    assert response.status_code == 409
    assert row_counts() == before
    assert not Judgment.objects.exists()


# --- events ---------------------------------------------------------------------------------------------


def test_events_filter_by_case_and_since(personas, cw):
    client = api(personas.case_handler)
    all_rows = body(client.get(reverse("api:event-list"), {"case": cw.case.pk, "page_size": 100}))["results"]
    expected = list(CaseEvent.objects.filter(case=cw.case).order_by("-id").values_list("pk", flat=True))
    assert [row["id"] for row in all_rows] == expected
    newest = CaseEvent.objects.filter(case=cw.case).order_by("-id").first()
    CaseEvent.objects.filter(pk__lt=newest.pk).update(created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    CaseEvent.objects.filter(pk=newest.pk).update(created_at=dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC))
    recent = body(client.get(reverse("api:event-list"), {"case": cw.case.pk, "since": "2026-05-31T00:00:00Z"}))
    assert [row["id"] for row in recent["results"]] == [newest.pk]
    by_date = body(client.get(reverse("api:event-list"), {"case": cw.case.pk, "since": "2026-06-01"}))
    assert [row["id"] for row in by_date["results"]] == [newest.pk]
    bad = client.get(reverse("api:event-list"), {"since": "yesterday"})
    assert bad.status_code == 400 and "since" in body(bad)["error"]["fields"]
    assert body(api(personas.outsider_branch).get(reverse("api:event-list")))["results"] == []


# --- deadlines ------------------------------------------------------------------------------------------


def _a_deadline(cw) -> Deadline:
    services.service_record_add(
        actor=None,
        proceeding_party=cw.proceeding.participants.get(role="defendant"),
        document="complaint",
        served_on=dt.date(2026, 2, 2),
        method="direct",
    )
    return Deadline.objects.filter(case=cw.case).order_by("due_on", "pk").first()


def test_deadlines_filter_by_case_due_range_and_status_and_are_marked_done(personas, cw):
    deadline = _a_deadline(cw)
    assert deadline is not None
    client = api(personas.case_handler)
    due = deadline.due_on.isoformat()
    rows = body(client.get(reverse("api:deadline-list"), {"case": cw.case.pk, "due_from": due, "due_to": due}))
    assert deadline.pk in [row["id"] for row in rows["results"]]
    assert all(row["due_on"] == due for row in rows["results"])
    stale_before = row_counts()
    stale = post(client, "api:deadline-done", {"version": deadline.version + 1}, pk=deadline.pk)
    assert stale.status_code == 409
    assert row_counts() == stale_before
    done = post(client, "api:deadline-done", {"version": deadline.version, "note": "Answer filed."}, pk=deadline.pk)
    assert done.status_code == 200, done.content
    assert body(done)["status"] == "done" and body(done)["note"] == "Answer filed."
    open_rows = body(client.get(reverse("api:deadline-list"), {"case": cw.case.pk, "status": "open"}))["results"]
    assert deadline.pk not in [row["id"] for row in open_rows]
    done_rows = body(client.get(reverse("api:deadline-list"), {"case": cw.case.pk, "status": "done"}))["results"]
    assert [row["id"] for row in done_rows] == [deadline.pk]


def test_outsider_cannot_see_or_close_a_deadline(personas, cw):
    deadline = _a_deadline(cw)
    client = api(personas.outsider_branch)
    assert client.get(reverse("api:deadline-detail", kwargs={"pk": deadline.pk})).status_code == 404
    before = row_counts()
    assert post(client, "api:deadline-done", {"version": deadline.version}, pk=deadline.pk).status_code == 404
    assert row_counts() == before


# --- costs and recoveries -------------------------------------------------------------------------------


def _cost(cw, **extra):
    return {
        "case": cw.case.pk,
        "kind": "acceptance_fee",
        "amount": "1234.56",
        "paid_on": "2026-01-12",
        "payer": "creditor",
        "borne_by_defendant": True,
        **extra,
    }


def test_cost_is_recorded_to_the_cent(personas, cw):
    response = post(api(personas.case_handler), "api:cost-list", _cost(cw, proceeding=cw.proceeding.pk))
    assert response.status_code == 201, response.content
    data = body(response)
    assert (data["amount"], data["currency"], data["paid_on"], data["refunded_amount"]) == (
        "1234.56",
        "CNY",
        "2026-01-12",
        "0.00",
    )
    cost = CostEntry.objects.get(pk=data["id"])
    assert cost.amount == Decimal("1234.56") and cost.proceeding_id == cw.proceeding.pk
    listed = body(api(personas.read_only).get(reverse("api:cost-list"), {"case": cw.case.pk}))["results"]
    assert [(row["id"], row["amount"]) for row in listed] == [(cost.pk, "1234.56")]


@pytest.mark.parametrize(
    "amount, message_part",
    [(1234.5, "decimal string"), ("1234.567", "2 decimal places"), ("-5.00", "non-negative"), ("1e3", "non-negative")],
)
def test_cost_refuses_floats_and_extra_places_naming_the_field(personas, cw, amount, message_part):
    before = row_counts()
    response = post(api(personas.case_handler), "api:cost-list", _cost(cw, amount=amount))
    assert response.status_code == 400
    error = body(response)["error"]
    assert list(error["fields"]) == ["amount"] and message_part in error["fields"]["amount"][0]
    assert row_counts() == before


def test_cost_in_another_currency_is_refused_by_the_service(personas, cw):
    before = row_counts()
    response = post(api(personas.case_handler), "api:cost-list", _cost(cw, currency="USD"))
    assert response.status_code == 400
    assert body(response)["error"]["code"] == "currency_mismatch"
    assert row_counts() == before


def test_outsider_cannot_record_costs_or_recoveries(personas, cw):
    client = api(personas.outsider_creditor)
    before = row_counts()
    assert post(client, "api:cost-list", _cost(cw)).status_code == 404
    recovery = {"case": cw.case.pk, "received_on": "2026-02-01", "amount": "100.00", "source": "borrower_payment"}
    assert post(client, "api:recovery-list", recovery).status_code == 404
    assert row_counts() == before


def test_recovery_is_recorded_and_allocated_by_the_service(personas, cw):
    response = post(
        api(personas.case_handler),
        "api:recovery-list",
        {"case": cw.case.pk, "received_on": "2026-02-01", "amount": "400.00", "source": "borrower_payment"},
    )
    assert response.status_code == 201, response.content
    data = body(response)
    recovery = Recovery.objects.get(pk=data["id"])
    assert (data["amount"], data["phase"], data["received_on"]) == ("400.00", "pre_judgment", "2026-02-01")
    assert recovery.amount == Decimal("400.00")
    assert data["allocation"] == recovery.allocation
    applied = sum(Decimal(part) for _bucket, part in recovery.allocation["applied"])
    assert applied + Decimal(recovery.allocation["remainder"]) == Decimal("400.00")


def test_ledger_lists_keep_a_constant_number_of_queries(personas, cw, django_assert_max_num_queries):
    for day in range(1, 6):
        services.cost_record(
            actor=None,
            case=cw.case,
            kind="other",
            amount=Decimal("10.00"),
            paid_on=dt.date(2026, 1, day),
            payer="creditor",
            borne_by_defendant=False,
        )
        services.recovery_record(
            actor=None, case=cw.case, received_on=dt.date(2026, 2, day), amount=Decimal("1.00"), source="guarantor"
        )
    client = api(personas.case_handler)
    with django_assert_max_num_queries(13):
        costs = body(client.get(reverse("api:cost-list")))["results"]
    with django_assert_max_num_queries(13):
        recoveries = body(client.get(reverse("api:recovery-list")))["results"]
    assert [row["paid_on"] for row in costs] == [f"2026-01-0{day}" for day in range(5, 0, -1)]
    assert len(recoveries) == 5
    ordered = body(client.get(reverse("api:cost-list"), {"ordering": "paid_on"}))["results"]
    assert [row["paid_on"] for row in ordered] == [f"2026-01-0{day}" for day in range(1, 6)]


# --- list pages: a constant number of queries, a cursor that walks every row once -------------------------


def _add_rows(cw, n: int) -> None:
    from loanlit.collaboration import services as comments

    for seq in range(n):
        services.cost_record(
            actor=None,
            case=cw.case,
            kind="other",
            amount=Decimal("1.00"),
            paid_on=dt.date(2026, 1, 1 + seq),
            payer="creditor",
            borne_by_defendant=False,
        )
        services.hearing_schedule(
            actor=None, proceeding=cw.proceeding, starts_at=dt.datetime(2026, 12, 1 + seq, 1, tzinfo=dt.UTC)
        )
        comments.comment_post(actor=cw.personas.case_handler, case=cw.case, body=f"Note {seq} @legal_manager")
        proceeding = services.proceeding_open(actor=None, case=cw.case, kind="retrial", court=cw.court)
        services.proceeding_record_judgment(
            actor=None,
            proceeding=proceeding,
            judged_on=dt.date(2026, 3, 2),
            items=[
                services.JudgmentItemInput(kind="principal", amount=Decimal("10.00")),
                services.JudgmentItemInput(kind="interest", amount=Decimal("0.01")),
            ],
            version=proceeding.version,
        )


def _queries_for(client: Client, name: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name))
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "name",
    [
        "api:proceeding-list",
        "api:hearing-list",
        "api:judgment-list",
        "api:event-list",
        "api:deadline-list",
        "api:cost-list",
        "api:recovery-list",
        "api:comment-list",
    ],
)
def test_list_queries_do_not_grow_with_the_rows(personas, cw, name):
    client = api(personas.case_handler)
    _add_rows(cw, 1)
    client.get(reverse(name))  # warm the session and throttle rows
    few = _queries_for(client, name)
    _add_rows(cw, 4)
    assert _queries_for(client, name) == few


def test_the_cursor_walks_every_row_once_in_any_ordering(personas, cw):
    for seq in range(5):
        services.cost_record(
            actor=None,
            case=cw.case,
            kind="other",
            amount=Decimal("1.00"),
            paid_on=dt.date(2026, 1, 1 + seq % 2),  # ties on paid_on: the id breaks them
            payer="creditor",
            borne_by_defendant=False,
        )
    client = api(personas.case_handler)
    for ordering in ("paid_on", "-paid_on", ""):
        seen: list[int] = []
        url = reverse("api:cost-list") + f"?page_size=2&ordering={ordering}"
        while url:
            page = body(client.get(url))
            seen.extend(row["id"] for row in page["results"])
            url = page["next"]
        assert sorted(seen) == sorted(CostEntry.objects.values_list("pk", flat=True)), ordering
        assert len(seen) == len(set(seen)) == 5, ordering


def test_a_non_numeric_case_id_is_a_field_error(personas, cw):
    before = row_counts()
    response = post(api(personas.case_handler), "api:cost-list", _cost(cw, case="abc"))
    assert response.status_code == 400
    assert list(body(response)["error"]["fields"]) == ["case"]
    assert row_counts() == before
