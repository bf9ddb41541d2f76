"""POST /api/v1/loan-updates/: balances and repayments, all or nothing, idempotent by Idempotency-Key."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from loanlit.api.idempotency import idempotency_records_prune
from loanlit.api.models import IdempotencyRecord
from loanlit.audit.models import AuditEntry
from loanlit.cases.models import Recovery
from loanlit.cases.tests import factories
from loanlit.cases.tests.views_support import build_case_world
from loanlit.loans.models import LoanBalanceSnapshot

URL = "/api/v1/loan-updates/"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def post(client: Client, body: dict, key: str | None = "key-1"):
    headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def balance(contract_no: str, **extra: str) -> dict:
    return {
        "type": "balance",
        "contract_no": contract_no,
        "as_of": "2026-11-30",
        "principal": "80000.00",
        "interest_on_balance": "1234.56",
        "penalty": "50.50",
        **extra,
    }


@pytest.fixture
def handler(personas) -> Client:
    client = Client()
    client.force_login(personas.case_handler)
    return client


def counts() -> tuple[int, int, int, int]:
    return (
        LoanBalanceSnapshot.objects.count(),
        Recovery.objects.count(),
        AuditEntry.objects.count(),
        IdempotencyRecord.objects.count(),
    )


@pytest.mark.django_db
def test_route_name_is_loan_update_list():
    assert reverse("api:loan-update-list") == URL


@pytest.mark.django_db
def test_balance_is_appended_exact_to_the_cent_and_audited(personas, handler):
    loan = factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    response = post(handler, {"items": [balance("JK-1", fees="0.01")]})
    assert response.status_code == 200, response.content
    snapshot = LoanBalanceSnapshot.objects.get(loan=loan)
    assert response.json() == {
        "items": [
            {
                "index": 0,
                "type": "balance",
                "contract_no": "JK-1",
                "loan": loan.pk,
                "status": "created",
                "snapshot": snapshot.pk,
            }
        ],
        "created": 1,
        "unchanged": 0,
    }
    assert snapshot.as_of == dt.date(2026, 11, 30)
    assert (snapshot.principal, snapshot.interest_on_balance, snapshot.penalty, snapshot.fees) == (
        Decimal("80000.00"),
        Decimal("1234.56"),
        Decimal("50.50"),
        Decimal("0.01"),
    )
    assert snapshot.interest_off_balance == Decimal("0.00") and snapshot.source == "core_banking"
    assert snapshot.recorded_by == personas.case_handler
    assert AuditEntry.objects.filter(action="loan.balance_recorded").count() == 1


@pytest.mark.django_db
def test_a_repeat_replays_the_stored_answer_and_writes_nothing(personas, handler):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    first = post(handler, {"items": [balance("JK-1")]})
    assert first.status_code == 200 and "Idempotent-Replayed" not in first
    before = counts()
    again = post(handler, {"items": [balance("JK-1")]})
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert counts() == before


@pytest.mark.django_db
def test_same_key_with_another_body_is_422_and_writes_nothing(personas, handler):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    assert post(handler, {"items": [balance("JK-1")]}).status_code == 200
    before = counts()
    response = post(handler, {"items": [balance("JK-1", as_of="2026-12-01")]})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert response.json()["error"]["status"] == 422
    assert counts() == before


@pytest.mark.django_db
def test_another_user_may_use_the_same_key(personas, handler):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    assert post(handler, {"items": [balance("JK-1")]}).status_code == 200
    other = Client()
    other.force_login(personas.legal_manager)
    response = post(other, {"items": [balance("JK-1", as_of="2026-12-01")]})
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert LoanBalanceSnapshot.objects.count() == 2


@pytest.mark.django_db
def test_missing_key_is_428_and_writes_nothing(personas, handler):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    before = counts()
    response = post(handler, {"items": [balance("JK-1")]}, key=None)
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "idempotency_key_required"
    assert counts() == before


@pytest.mark.django_db
def test_a_bad_item_refuses_everything_naming_it(personas, handler):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-2")
    before = counts()
    items = [balance("JK-1"), balance("JK-2"), balance("JK-1", as_of="2026-12-01"), balance("JK-2", principal="1.234")]
    response = post(handler, {"items": items})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "items.3.principal": ["Enter an amount with at most two decimal places, such as 1234.50."]
    }
    snapshots, recoveries, audits, records = counts()
    assert (snapshots, recoveries, audits) == before[:3]
    assert records == before[3] + 1  # the refusal is the key's answer
    replay = post(handler, {"items": items})
    assert replay.status_code == 400 and replay["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_json_number_is_refused_never_read_as_a_float(personas, handler):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    response = post(handler, {"items": [{**balance("JK-1"), "principal": 12.345}]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "items.0.principal": ['Send amounts as decimal strings such as "1234.50", not as numbers.']
    }
    assert not LoanBalanceSnapshot.objects.exists()


@pytest.mark.django_db
def test_out_of_scope_loan_is_not_found_like_a_missing_one(personas):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    outsider = Client()
    outsider.force_login(personas.outsider_branch)  # Guangdong branch, same creditor
    response = post(outsider, {"items": [balance("JK-1"), balance("NOPE-9")]})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "items.0.contract_no": ["Loan JK-1 was not found."],
        "items.1.contract_no": ["Loan NOPE-9 was not found."],
    }
    assert not LoanBalanceSnapshot.objects.exists()


@pytest.mark.django_db
def test_a_different_balance_for_a_day_on_file_refuses_the_request(personas, handler):
    loan = factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    assert post(handler, {"items": [balance("JK-1")]}, key="a").status_code == 200
    same = post(handler, {"items": [balance("JK-1")]}, key="b")
    assert same.status_code == 200 and same.json()["items"][0]["status"] == "unchanged"
    assert same.json()["created"] == 0 and same.json()["unchanged"] == 1
    changed = post(handler, {"items": [balance("JK-1", principal="79999.99")]}, key="c")
    assert changed.status_code == 400
    assert list(changed.json()["error"]["fields"]) == ["items.0.as_of"]
    assert LoanBalanceSnapshot.objects.filter(loan=loan).count() == 1


@pytest.mark.django_db
def test_repayment_is_recorded_on_the_loans_open_case_and_allocated(personas, handler):
    cw = build_case_world(personas)
    body = {
        "items": [
            {"type": "repayment", "contract_no": cw.loan.contract_no, "paid_on": "2026-12-01", "amount": "500.00"},
            balance(cw.loan.contract_no, principal="11654.33", interest_on_balance="0.00", penalty="0.00"),
        ]
    }
    response = post(handler, body)
    assert response.status_code == 200, response.content
    recovery = Recovery.objects.get(case=cw.case)
    assert (recovery.amount, recovery.received_on, recovery.source) == (
        Decimal("500.00"),
        dt.date(2026, 12, 1),
        "borrower_payment",
    )
    assert recovery.recorded_by == personas.case_handler
    result = response.json()["items"][0]
    assert result == {
        "index": 0,
        "type": "repayment",
        "contract_no": cw.loan.contract_no,
        "loan": cw.loan.pk,
        "status": "created",
        "case": cw.case.pk,
        "recovery": recovery.pk,
        "allocation": recovery.allocation,
    }
    applied = {bucket: amount for bucket, amount in recovery.allocation["applied"] if Decimal(amount)}
    assert applied == {"contract_interest": "345.67", "principal": "154.33"}  # art. 561: interest first
    assert recovery.allocation["remainder"] == "0.00"
    assert response.json()["created"] == 2


@pytest.mark.django_db
def test_repayment_for_a_loan_in_no_case_refuses_the_request(personas, handler):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    body = {
        "items": [
            balance("JK-1"),
            {"type": "repayment", "contract_no": "JK-1", "paid_on": "2026-12-01", "amount": "1.00"},
        ]
    }
    response = post(handler, body)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["items.1.contract_no"]
    assert not LoanBalanceSnapshot.objects.exists() and not Recovery.objects.exists()


@pytest.mark.django_db
def test_shape_errors_name_each_field(personas, handler):
    response = post(
        handler,
        {
            "items": [
                {"type": "salary", "contract_no": "X"},
                {"type": "repayment", "contract_no": "", "paid_on": "1/12/2026", "amount": "0.00", "colour": "red"},
            ]
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "items.0.type": ["Choose “balance” or “repayment”."],
        "items.1.colour": ["Unknown field."],
        "items.1.contract_no": ["This field is required."],
        "items.1.paid_on": ["Enter a date as YYYY-MM-DD."],
        "items.1.amount": ["The amount must be more than zero."],
    }


@pytest.mark.django_db
def test_more_than_a_thousand_items_are_refused(personas, handler):
    response = post(handler, {"items": [balance("JK-1")] * 1001})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"items": ["Send at most 1000 items in one request."]}


@pytest.mark.django_db
def test_without_imports_run_the_caller_gets_403_and_nothing_is_written(personas):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    client = Client()
    client.force_login(personas.branch_manager)
    before = counts()
    response = post(client, {"items": [balance("JK-1")]})
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.django_db
def test_prune_deletes_records_older_than_the_keep_days(personas, settings):
    settings.IDEMPOTENCY_KEEP_DAYS = 30
    now = timezone.now()
    for key, age in (("old", 31), ("young", 29)):
        IdempotencyRecord.objects.create(
            user=personas.case_handler,
            key=key,
            method="POST",
            path=URL,
            request_hash="0" * 64,
            status_code=200,
            created_at=now - dt.timedelta(days=age),
        )
    assert idempotency_records_prune(now=now) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["young"]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_duplicates_apply_once(personas):
    factories.loan(personas.creditor, personas.beijing, contract_no="JK-1")
    body = {"items": [balance("JK-1")]}
    barrier = threading.Barrier(2)
    answers: list = []

    def send() -> None:
        client = Client()
        client.force_login(personas.case_handler)
        barrier.wait()
        try:
            answers.append(post(client, body, key="race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 200]
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert answers[0].json() == answers[1].json()
    assert LoanBalanceSnapshot.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="race").count() == 1
