"""Exports of the case list and the 诉讼台账: exact rows, exact cells, scope, masking, the access log."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core import signals
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AccessLog
from loanlit.cases.ledger import case_outstanding
from loanlit.cases.models import Court
from loanlit.cases.selectors import CaseFilters
from loanlit.imports.exports import columns as cols
from loanlit.imports.exports import selectors, services
from loanlit.imports.exports import tasks as export_tasks
from loanlit.imports.exports.filters import filters_for_log, filters_from_json, filters_from_query, filters_to_json
from loanlit.imports.exports.writers import csv_cell, neutralise
from loanlit.imports.tests.export_support import (
    CARD_CONTRACT,
    ENFORCEMENT_CASE_NO,
    FIRST_CASE_NO,
    build_portfolio,
    read_csv,
    rows_by_key,
)
from loanlit.jobs.models import Job
from loanlit.jobs.worker import run_pending
from loanlit.parties.tests.support import make_ric

pytestmark = [pytest.mark.django_db, pytest.mark.urls("loanlit.imports.tests.exports_urls")]


@pytest.fixture
def portfolio(personas):
    return build_portfolio(personas)


def csv_url(kind: str = "cases", query: str = "") -> str:
    url = reverse("imports:export_csv", kwargs={"kind": kind})
    return f"{url}?{query}" if query else url


def xlsx_url(kind: str = "cases", query: str = "") -> str:
    url = reverse("imports:export_xlsx", kwargs={"kind": kind})
    return f"{url}?{query}" if query else url


def get_csv(client, user, kind: str = "cases", query: str = "") -> list[list[str]]:
    client.force_login(user)
    with translation.override("en"):
        response = client.get(csv_url(kind, query), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return read_csv(b"".join(response.streaming_content))


def run_xlsx(client, user, kind: str = "cases", query: str = "") -> tuple[Job, openpyxl.Workbook]:
    client.force_login(user)
    response = client.post(xlsx_url(kind, query), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    job = Job.objects.get(kind=services.XLSX_JOB_KIND, created_by=user)
    assert response["Location"] == job.get_absolute_url()
    run_pending(worker_id="test", limit=1)
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error_message
    with job.result_file.open("rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    return job, workbook


def english_labels(columns) -> list[str]:
    with translation.override("en"):
        return [str(column.label) for column in columns]


def export_logs():
    return list(AccessLog.objects.filter(action=AccessLog.Action.EXPORT).order_by("pk"))


# --- CSV ------------------------------------------------------------------------------------------------


def test_case_list_csv_is_utf8_with_bom_and_parses_back_to_the_exact_values(client, portfolio):
    table = get_csv(client, portfolio.personas.case_handler)
    assert table[0] == english_labels(cols.CASE_COLUMNS)
    rows = rows_by_key(table)
    assert len(rows) == 5  # the five Beijing cases, not the Guangdong one
    full = rows[portfolio.full.internal_no]
    assert full == {
        "Internal no.": portfolio.full.internal_no,
        "Borrower": "Zhang San",
        "ID number": make_ric(1),
        "Creditor": "Demo Bank",
        "Handling unit": "Beijing branch",
        "Stage": "Pre-litigation",
        "Cause of action": "Financial loan contract dispute",
        "Court": Court.objects.get(caseno_code="京0105").name,
        "Court case number": "（2026）京0105执567号",
        "Currency": "CNY",
        "Claim total": "12358.01",
        "Recovered": "1000.01",
        "Handler": "case_handler",
        "Law firm": "Panel Firm",
        "Opened on": "2026-01-05",
        "Next deadline": full["Next deadline"],
        "Next deadline type": full["Next deadline type"],
    }
    # The newest first, as the list sorts by default.
    assert [row[0] for row in table[1:]] == [
        case.internal_no for case in sorted(portfolio.cases, key=lambda c: (c.opened_on, c.pk), reverse=True)
    ]


def test_csv_next_deadline_is_the_earliest_open_deadline_of_the_case(client, portfolio):
    from loanlit.deadlines.models import Deadline

    expected = (
        Deadline.objects.filter(case=portfolio.full, status__in=("open", "missed")).order_by("due_on", "pk").first()
    )
    row = rows_by_key(get_csv(client, portfolio.personas.case_handler))[portfolio.full.internal_no]
    if expected is None:
        assert row["Next deadline"] == "" and row["Next deadline type"] == ""
    else:
        assert row["Next deadline"] == expected.due_on.isoformat()
        with translation.override("en"):
            assert row["Next deadline type"] == str(expected.get_kind_display())


def test_ledger_csv_has_every_instance_and_the_money_to_the_cent(client, portfolio):
    table = get_csv(client, portfolio.personas.case_handler, "ledger")
    assert table[0] == english_labels(cols.LEDGER_COLUMNS)
    row = rows_by_key(table)[portfolio.full.internal_no]
    outstanding = case_outstanding(portfolio.full)
    assert outstanding.outstanding == Decimal("11399.98")  # 12345.67 + 54.32 borne - 1000.01 after judgment
    expected = {
        "Contract numbers": CARD_CONTRACT,
        "Borrower": "Zhang San",
        "ID number": make_ric(1),
        "Mobile number": "13800130001",
        "Claimed principal": "12000.00",
        "Claimed interest": "345.67",
        "Claimed penalty interest": "12.34",
        "Claimed compound interest": "0.00",
        "Claimed fees": "0.00",
        "Claim total": "12358.01",
        "Acceptance fee paid": "54.32",
        "Filed on": "2026-01-10",
        "Case no. (first instance)": FIRST_CASE_NO,
        "Case no. (second instance)": "",
        "Case no. (retrial)": "",
        "Hearing dates": "2026-02-03; 2026-02-24",
        "Judgment date": "2026-03-02",
        "Adjudicated amount": "12345.67",
        "Case no. (enforcement)": ENFORCEMENT_CASE_NO,
        "Case no. (resumed enforcement)": "",
        "Enforcement terminated for now on": "2026-06-30",
        "Written off on": "",
        "Recovered": "1000.01",
        "Recovered after write-off": "0.00",
        "Costs paid (net of refunds)": "854.32",
        "Outstanding": "11399.98",
        "Procedural position": "Enforcement terminated for now",
        "Outcome": "Open",
        "Handler": "case_handler",
        "Law firm": "Panel Firm",
        "Opened on": "2026-01-05",
        "Closed on": "",
    }
    assert {key: row[key] for key in expected} == expected
    assert row["Acceptance fee on the claim (CNY)"] == (
        f"{portfolio.full.claim_acceptance_fee:.2f}" if portfolio.full.claim_acceptance_fee is not None else ""
    )


def test_ledger_outstanding_matches_the_case_ledger_for_every_case(client, portfolio):
    rows = rows_by_key(get_csv(client, portfolio.personas.case_handler, "ledger"))
    for case in portfolio.cases:
        assert rows[case.internal_no]["Outstanding"] == f"{case_outstanding(case).outstanding:.2f}"


def test_csv_neutralises_formula_cells_but_keeps_the_text(client, portfolio):
    hostile = portfolio.cases[-1]
    rows = rows_by_key(get_csv(client, portfolio.personas.case_handler, "ledger"))
    row = rows[hostile.internal_no]
    assert row["Borrower"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["Contract numbers"] == "'-2+3"
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("Zhang San") == "Zhang San"


def test_csv_cells_format_money_and_dates_by_column_type():
    money = cols.Column("m", "m", cols.MONEY)
    day = cols.Column("d", "d", cols.DATE)
    code = cols.Column("c", "c", cols.CODE)
    assert csv_cell(Decimal("1234.5"), money) == "1234.50"
    assert csv_cell(Decimal("1234567.89"), money) == "1234567.89"  # no thousands separator
    assert csv_cell(dt.date(2026, 3, 2), day) == "2026-03-02"
    assert csv_cell("110105199003070012", code) == "110105199003070012"
    assert csv_cell(None, money) == ""


# --- xlsx -----------------------------------------------------------------------------------------------


def test_ledger_xlsx_job_writes_exact_typed_cells(client, portfolio):
    job, workbook = run_xlsx(client, portfolio.personas.case_handler, "ledger")
    assert job.result["rows"] == 5
    assert job.result_filename.endswith(".xlsx")
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header == [str(column.label) for column in cols.LEDGER_COLUMNS]
    index = {name: position for position, name in enumerate(header)}
    full = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == portfolio.full.internal_no)

    contract = full[index["Contract numbers"]]
    assert contract.value == CARD_CONTRACT and contract.data_type == "s" and contract.number_format == "@"
    ric = full[index["ID number"]]
    assert ric.value == make_ric(1) and ric.data_type == "s" and ric.number_format == "@"
    phone = full[index["Mobile number"]]
    assert phone.value == "13800130001" and phone.data_type == "s"

    principal = full[index["Claimed principal"]]
    assert principal.data_type == "n" and principal.number_format == "#,##0.00"
    assert Decimal(str(principal.value)) == Decimal("12000.00")
    assert Decimal(str(full[index["Claimed interest"]].value)) == Decimal("345.67")
    assert Decimal(str(full[index["Claim total"]].value)) == Decimal("12358.01")
    assert Decimal(str(full[index["Recovered"]].value)) == Decimal("1000.01")
    assert Decimal(str(full[index["Outstanding"]].value)) == Decimal("11399.98")

    filed = full[index["Filed on"]]
    assert filed.value == dt.datetime(2026, 1, 10) and filed.number_format == "yyyy-mm-dd"
    assert full[index["Enforcement terminated for now on"]].value == dt.datetime(2026, 6, 30)
    assert full[index["Case no. (first instance)"]].value == FIRST_CASE_NO
    assert full[index["Closed on"]].value is None


def test_xlsx_writes_a_formula_looking_name_as_a_plain_string(client, portfolio):
    _job, workbook = run_xlsx(client, portfolio.personas.case_handler, "ledger")
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == portfolio.cases[-1].internal_no)
    name = row[header.index("Borrower")]
    assert name.data_type == "s" and name.value == '=HYPERLINK("http://evil.example","x")'
    assert row[header.index("Contract numbers")].value == "-2+3"


def test_xlsx_export_is_access_logged_when_the_job_finishes(client, portfolio):
    user = portfolio.personas.case_handler
    client.force_login(user)
    client.post(xlsx_url("cases", "q=Zhang"))
    assert export_logs() == []  # queued, not yet exported
    job = Job.objects.get(kind=services.XLSX_JOB_KIND)
    run_pending(worker_id="test", limit=1)
    (log,) = export_logs()
    assert log.user_id == user.pk
    assert (log.target_type, log.target_id) == ("jobs.job", str(job.pk))
    assert log.detail == {
        "kind": "cases",
        "format": "xlsx",
        "filters": {"q": "Zhang"},
        "rows": 1,
        "unmasked": True,
        "completed": True,
    }


def test_xlsx_refused_above_the_row_limit_with_an_offer_of_csv(client, portfolio, monkeypatch):
    monkeypatch.setattr(services, "XLSX_ROW_LIMIT", 4)
    client.force_login(portfolio.personas.case_handler)
    with translation.override("en"):
        response = client.post(xlsx_url("ledger", "sort=internal_no"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.content.decode()
    assert "more than 4 rows, too many for an Excel file" in body
    assert f'href="{csv_url("ledger", "sort=internal_no")}"' in body
    assert not Job.objects.filter(kind=services.XLSX_JOB_KIND).exists()
    assert export_logs() == []
    # Narrowed to fewer rows it runs.
    response = client.post(xlsx_url("ledger", "opened_from=2026-02-01"))
    assert response.status_code == 302


def test_xlsx_job_fails_when_rows_grew_past_the_limit_after_it_was_queued(client, portfolio, monkeypatch):
    client.force_login(portfolio.personas.case_handler)
    # The job runs in the language of the request that queued it.
    assert client.post(xlsx_url(), headers={"accept-language": "en"}).status_code == 302
    monkeypatch.setattr(services, "XLSX_ROW_LIMIT", 3)
    run_pending(worker_id="test", limit=1)
    job = Job.objects.get(kind=services.XLSX_JOB_KIND)
    assert job.state == Job.State.FAILED
    assert "more than 3 rows" in job.error_message and "CSV" in job.error_message
    assert not job.result_file
    assert export_logs() == []


def test_cancelled_xlsx_job_leaves_no_file_and_no_export_log(client, portfolio):
    client.force_login(portfolio.personas.case_handler)
    client.post(xlsx_url("ledger"))
    job = Job.objects.get(kind=services.XLSX_JOB_KIND)
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    run_pending(worker_id="test", limit=1)
    job.refresh_from_db()
    assert job.state == Job.State.CANCELLED
    assert not job.result_file
    assert export_logs() == []


def test_xlsx_job_rechecks_the_permission_when_it_runs(client, portfolio):
    user = portfolio.personas.case_handler
    client.force_login(user)
    client.post(xlsx_url())
    user.is_active = False
    user.save(update_fields=["is_active"])
    run_pending(worker_id="test", limit=1)
    job = Job.objects.get(kind=services.XLSX_JOB_KIND)
    assert job.state == Job.State.FAILED and not job.result_file
    assert export_logs() == []


def test_export_start_refuses_csv_and_unknown_kinds(portfolio):
    from loanlit.core.errors import DomainError, PermissionDeniedError

    user = portfolio.personas.case_handler
    with pytest.raises(DomainError):
        services.export_start(actor=user, kind="cases", filters=CaseFilters(), format="csv")
    with pytest.raises(DomainError):
        services.export_start(actor=user, kind="loans", filters=CaseFilters())
    with pytest.raises(PermissionDeniedError):
        services.export_start(actor=portfolio.personas.read_only, kind="cases", filters=CaseFilters())
    assert not Job.objects.exists()


def test_xlsx_job_registers_under_its_kind():
    from loanlit.jobs.registry import get_handler

    assert get_handler(services.XLSX_JOB_KIND).func is export_tasks.export_xlsx


# --- rows: filters, scope, masking ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cases", "ledger"])
def test_a_filter_selecting_two_of_five_cases_exports_those_two(client, portfolio, kind):
    table = get_csv(client, portfolio.personas.case_handler, kind, "opened_from=2026-02-01&opened_to=2026-02-28")
    expected = {
        case.internal_no for case in portfolio.cases if dt.date(2026, 2, 1) <= case.opened_on <= dt.date(2026, 2, 28)
    }
    assert len(expected) == 2
    assert set(rows_by_key(table)) == expected


def test_search_by_id_number_exports_the_matching_case_only(client, portfolio):
    table = get_csv(client, portfolio.personas.case_handler, "cases", f"q={make_ric(1)}")
    assert list(rows_by_key(table)) == [portfolio.full.internal_no]
    (log,) = export_logs()
    assert log.detail["filters"] == {"q": make_ric(1)[:6] + "********" + make_ric(1)[-4:]}  # masked in the log
    assert log.path == csv_url("cases")  # the query string (the ID in clear) is not logged


def test_xlsx_job_keeps_the_search_text_encrypted_and_still_finds_the_case(client, portfolio):
    ric = make_ric(1)
    _job, workbook = run_xlsx(client, portfolio.personas.case_handler, "cases", f"q={ric}")
    job = Job.objects.get(kind=services.XLSX_JOB_KIND)
    assert ric not in str(job.params)
    assert [row[0].value for row in workbook.active.iter_rows(min_row=2)] == [portfolio.full.internal_no]


def test_export_sort_follows_the_list_sort(client, portfolio):
    table = get_csv(client, portfolio.personas.case_handler, "cases", "sort=-claim_total")
    claims = [Decimal(row[table[0].index("Claim total")]) for row in table[1:]]
    assert claims == sorted(claims, reverse=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", CaseFilters()),
        ("q=Zhang", CaseFilters(q="Zhang")),
        ("stage=pre_litigation&sort=internal_no", CaseFilters(stage="pre_litigation", sort="internal_no")),
        # A bad value is dropped, the good ones kept, as the case list does.
        ("opened_from=2026-02-01&opened_to=bad-date", CaseFilters(opened_from=dt.date(2026, 2, 1))),
        ("unit=999999&overdue=91-180", CaseFilters(overdue="91-180")),
        ("sort=nonsense&product=consumer", CaseFilters(product="consumer")),
    ],
)
def test_export_reads_the_query_string_as_the_case_list_does(portfolio, rf, query, expected):
    request = rf.get("/cases/?" + query)
    filters = filters_from_query(portfolio.personas.case_handler, request.GET)
    assert filters == expected
    assert filters_from_json(filters_to_json(filters)) == filters


def test_filters_for_log_keeps_only_what_was_chosen():
    filters = CaseFilters(q="13800130001", opened_from=dt.date(2026, 2, 1), sort="internal_no")
    assert filters_for_log(filters) == {"q": "138****0001", "opened_from": "2026-02-01", "sort": "internal_no"}
    assert filters_for_log(CaseFilters()) == {}


@pytest.mark.parametrize("kind", ["cases", "ledger"])
def test_another_branchs_handler_exports_none_of_the_other_branchs_cases(client, portfolio, kind):
    table = get_csv(client, portfolio.personas.outsider_branch, kind)
    assert list(rows_by_key(table)) == [portfolio.guangdong_case.internal_no]
    table = get_csv(client, portfolio.personas.outsider_creditor, kind)
    assert table[1:] == []
    # Filtering by a Beijing unit or handler from outside does not widen the scope.
    query = f"unit={portfolio.personas.beijing.pk}&handler={portfolio.personas.case_handler.pk}"
    assert list(rows_by_key(get_csv(client, portfolio.personas.outsider_branch, kind, query))) == [
        portfolio.guangdong_case.internal_no
    ]


@pytest.mark.parametrize("persona", ["read_only", "external_lawyer"])
def test_users_without_the_export_permission_are_refused_and_nothing_is_exported(client, portfolio, persona):
    client.force_login(getattr(portfolio.personas, persona))
    for kind in ("cases", "ledger"):
        assert client.get(csv_url(kind)).status_code == 403
        assert client.post(xlsx_url(kind)).status_code == 403
    assert not Job.objects.exists()
    assert export_logs() == []
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED).count() == 4


def test_unknown_export_kind_is_404(client, portfolio):
    client.force_login(portfolio.personas.case_handler)
    assert client.get(csv_url("loans")).status_code == 404
    assert client.post(xlsx_url("loans")).status_code == 404


def test_another_users_export_file_answers_404(client, portfolio):
    run_xlsx(client, portfolio.personas.case_handler)
    job = Job.objects.get(kind=services.XLSX_JOB_KIND)
    before = AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD).count()
    # The auditor and the administrator may see every job (jobs.view_all), yet not download another
    # user's export: it may hold unmasked personal data.
    for persona in ("outsider_branch", "branch_manager", "legal_manager", "auditor", "administrator"):
        client.force_login(getattr(portfolio.personas, persona))
        assert client.get(reverse("jobs:job_download", args=[job.pk])).status_code == 404
    assert AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD).count() == before
    client.force_login(portfolio.personas.case_handler)
    response = client.get(reverse("jobs:job_download", args=[job.pk]))
    assert response.status_code == 200


def test_ids_and_mobiles_are_masked_without_the_unmask_permission(client, portfolio):
    manager = portfolio.personas.branch_manager
    assert not manager.has_code("personal_data.unmask")
    row = rows_by_key(get_csv(client, manager, "ledger"))[portfolio.full.internal_no]
    ric = make_ric(1)
    assert row["ID number"] == ric[:6] + "********" + ric[-4:]
    assert row["Mobile number"] == "138****0001"
    assert row["Borrower"] == "Zhang San"  # names are shown in the list too
    assert row["Contract numbers"] == CARD_CONTRACT
    (log,) = export_logs()
    assert log.detail["unmasked"] is False


def test_masked_xlsx_for_a_user_without_unmask(client, portfolio):
    _job, workbook = run_xlsx(client, portfolio.personas.branch_manager, "cases")
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == portfolio.full.internal_no)
    ric = make_ric(1)
    assert row[header.index("ID number")].value == ric[:6] + "********" + ric[-4:]


def test_csv_export_access_log_entry_is_exact(client, portfolio):
    user = portfolio.personas.case_handler
    get_csv(client, user, "ledger", "opened_from=2026-02-01&opened_to=2026-02-28&page=3")
    (log,) = export_logs()
    assert log.user_id == user.pk and log.username == "case_handler"
    assert log.method == "GET" and log.path == csv_url("ledger")
    assert log.detail == {
        "kind": "ledger",
        "format": "csv",
        "filters": {"opened_from": "2026-02-01", "opened_to": "2026-02-28"},
        "rows": 2,
        "unmasked": True,
        "completed": True,
    }


def test_a_broken_off_csv_download_is_logged_with_the_rows_sent(client, portfolio, monkeypatch):
    from loanlit.imports.exports import writers

    monkeypatch.setattr(writers, "CSV_ROWS_PER_WRITE", 1)
    client.force_login(portfolio.personas.case_handler)
    response = client.get(csv_url())
    stream = iter(response.streaming_content)
    next(stream)  # the header
    next(stream)  # one row
    # The browser went away: the server closes the response (request_finished is muted here because in a
    # test transaction its connection clean-up would close the test's database connection).
    monkeypatch.setattr(signals.request_finished, "send", lambda *args, **kwargs: [])
    response.close()
    (log,) = export_logs()
    assert log.detail["completed"] is False and log.detail["rows"] == 1


def test_header_row_is_in_chinese_for_a_chinese_user(client, portfolio):
    client.force_login(portfolio.personas.case_handler)
    with translation.override("zh-hans"):
        response = client.get(csv_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
        table = read_csv(b"".join(response.streaming_content))
        expected = [str(column.label) for column in cols.CASE_COLUMNS]
    assert table[0] == expected
    assert response["Content-Disposition"].startswith("attachment;")


# --- cost: no N+1 ---------------------------------------------------------------------------------------


def test_query_count_grows_with_chunks_not_rows(portfolio):
    user = portfolio.personas.case_handler

    def queries(kind: str, chunk: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = list(selectors.export_rows(user=user, kind=kind, filters=CaseFilters(), chunk_size=chunk))
        assert len(rows) == 5
        return len(captured)

    # Per chunk: the cases, loans, borrower links, parties, proceedings, judgments, recoveries, and next
    # deadlines (case list) or phones, hearings and costs (ledger); the names of units, users etc. once.
    per_chunk = {"cases": 8, "ledger": 10}
    for kind in ("cases", "ledger"):
        one_chunk = queries(kind, 10)
        assert one_chunk <= per_chunk[kind] + 5
        assert queries(kind, 1) - one_chunk <= 4 * per_chunk[kind]  # four more chunks


def test_case_list_shows_export_buttons_only_with_the_permission(client, portfolio):
    client.force_login(portfolio.personas.case_handler)
    body = client.get(reverse("cases:case_list") + "?q=Zhang").content.decode()
    assert f'action="{xlsx_url("cases", "q=Zhang")}"' in body
    assert f'href="{csv_url("ledger", "q=Zhang")}"' in body
    client.force_login(portfolio.personas.read_only)
    body = client.get(reverse("cases:case_list")).content.decode()
    assert 'id="export-cases-csv"' not in body
