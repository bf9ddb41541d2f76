"""The fixed management reports: exact figures on a small crafted portfolio, scope, exports, bad input.

The portfolio (creditor A unless said otherwise; February 2026 is the report month):

====  ==========  ==========  ===========  ======================================================
case  unit        opened      claim        what happens
====  ==========  ==========  ===========  ======================================================
a     Beijing     2026-02-03  10000.00     judged 02-25 (9000.00); recoveries 1500.25 (02-26) and
                                           100.00 (03-01); cost 300.00 paid 02-04, 50.00 refunded
b     Chaoyang    2026-02-20  5000.50      closed 02-27
c     Guangdong   2026-01-10  8000.00      enforcement "judgment" 02-15 (not a trial judgment);
                                           recovery 2000.00 (02-14)
d     head office 2026-02-10  1000.00
e     Beijing     2026-02-05  USD 300.00   recovery USD 50.00 (02-20): counted, never added
f     Beijing     2026-03-02  700.00       after the month
g     Guangdong   2025-12-01  600.00       cost 120.00 paid 01-31; closed 03-05 (open at Feb's end)
x     creditor B  2026-02-01  999.00       recovery 999.00 (02-10)
====  ==========  ==========  ===========  ======================================================
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from loanlit.audit.models import AccessLog
from loanlit.cases import services as cases
from loanlit.cases.models import Case, CostEntry, Court, Judgment, LawFirm, Proceeding, Recovery
from loanlit.deadlines.models import Deadline
from loanlit.reports.filters import StatsFilters
from loanlit.reports.models import CaseFact
from loanlit.reports.selectors import management as sel
from tests.support.reauth import forget

pytestmark = pytest.mark.django_db

D = Decimal
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # Monday 2026-03-02, 10:00 in Beijing
TODAY = dt.date(2026, 3, 2)
FEB = dt.date(2026, 2, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def _case(p, unit, opened_on, claim, *, creditor=None, currency="CNY", closed_on=None) -> Case:
    case = cases.case_open(
        actor=None,
        creditor=creditor or p.creditor,
        handling_unit=unit,
        cause_of_action="金融借款合同纠纷",
        opened_on=opened_on,
    )
    changes = {"claim_total": D(claim), "claim_currency": currency}
    if closed_on:
        changes.update(is_closed=True, closed_on=closed_on)
    Case.objects.filter(pk=case.pk).update(**changes)
    case.refresh_from_db()
    return case


def _fact(case: Case, **values) -> CaseFact:
    defaults = {
        "creditor_id": case.creditor_id,
        "unit_id": case.handling_unit_id,
        "unit_path": case.unit_path,
        "stage": "in_trial",
        "position": "first_instance",
        "outcome_class": "pending",
        "opened_on": case.opened_on,
        "cohort_month": case.opened_on.replace(day=1),
        "is_open": not case.is_closed,
        "closed_on": case.closed_on,
        "currency": case.claim_currency,
        "claim": case.claim_total,
        "refreshed_at": timezone.now(),
    }
    defaults.update(values)
    return CaseFact.objects.create(case=case, **defaults)


def _recovery(case, on, amount, currency="CNY"):
    Recovery.objects.create(
        case=case, received_on=on, currency=currency, amount=D(amount), source="borrower_payment", phase="pre_judgment"
    )


@pytest.fixture
def portfolio(personas):
    p = personas
    court = Court.objects.get(caseno_code="京0105")
    w = SimpleNamespace(p=p)
    w.a = _case(p, p.beijing, dt.date(2026, 2, 3), "10000.00")
    w.b = _case(p, p.beijing_chaoyang, dt.date(2026, 2, 20), "5000.50", closed_on=dt.date(2026, 2, 27))
    w.c = _case(p, p.guangdong, dt.date(2026, 1, 10), "8000.00")
    w.d = _case(p, p.head_office, dt.date(2026, 2, 10), "1000.00")
    w.e = _case(p, p.beijing, dt.date(2026, 2, 5), "300.00", currency="USD")
    w.f = _case(p, p.beijing, dt.date(2026, 3, 2), "700.00")
    w.g = _case(p, p.guangdong, dt.date(2025, 12, 1), "600.00", closed_on=dt.date(2026, 3, 5))
    w.x = _case(p, p.other_head_office, dt.date(2026, 2, 1), "999.00", creditor=p.other_creditor)

    trial = cases.proceeding_open(
        actor=None, case=w.a, kind=Proceeding.Kind.FIRST_INSTANCE, court=court, filed_on=dt.date(2026, 2, 4)
    )
    Judgment.objects.create(proceeding=trial, judged_on=dt.date(2026, 2, 25), adjudicated_amount=D("9000.00"))
    enforcement = cases.proceeding_open(
        actor=None, case=w.c, kind=Proceeding.Kind.ENFORCEMENT, court=court, filed_on=dt.date(2026, 2, 1)
    )
    Judgment.objects.create(proceeding=enforcement, judged_on=dt.date(2026, 2, 15), adjudicated_amount=D("1.00"))
    _recovery(w.a, dt.date(2026, 2, 26), "1500.25")
    _recovery(w.a, dt.date(2026, 3, 1), "100.00")
    _recovery(w.c, dt.date(2026, 2, 14), "2000.00")
    _recovery(w.e, dt.date(2026, 2, 20), "50.00", currency="USD")
    _recovery(w.x, dt.date(2026, 2, 10), "999.00")
    CostEntry.objects.create(
        case=w.a, kind="acceptance_fee", currency="CNY", amount=D("300.00"), payer="creditor",
        paid_on=dt.date(2026, 2, 4), refunded_amount=D("50.00"),
    )  # fmt: skip
    CostEntry.objects.create(
        case=w.g, kind="acceptance_fee", currency="CNY", amount=D("120.00"), payer="creditor",
        paid_on=dt.date(2026, 1, 31),
    )  # fmt: skip

    w.f1 = LawFirm.objects.create(name="First Law Firm")
    w.f2 = LawFirm.objects.create(name="Second Law Firm")
    w.f3 = LawFirm.objects.create(name="Other Bank's Firm")
    _fact(
        w.a, recovered=D("1600.25"), recovered_cash=D("1100.25"), recovered_in_kind=D("500.00"),
        adjudicated=D("9000.00"), law_firm=w.f1, first_recovery_on=dt.date(2026, 2, 26), costs=D("250.00"),
        outcome_class="won",
    )  # fmt: skip
    _fact(w.b, written_off_amount=D("5000.50"), written_off=True, law_firm=w.f1)
    _fact(
        w.c, recovered=D("2000.00"), recovered_transfer=D("2000.00"), recovered_after_write_off=D("2000.00"),
        written_off_amount=D("8000.00"), written_off=True, adjudicated=D("8000.00"), law_firm=w.f2,
        first_recovery_on=dt.date(2026, 2, 14), costs=D("400.00"), outcome_class="partly_won",
    )  # fmt: skip
    _fact(w.d, recovered=D("300.00"), recovered_restructuring=D("300.00"))
    _fact(
        w.e, recovered=D("50.00"), recovered_cash=D("50.00"), law_firm=w.f1, first_recovery_on=dt.date(2026, 2, 20),
        outcome_class="lost",
    )  # fmt: skip
    _fact(w.x, recovered=D("999.00"), recovered_cash=D("999.00"), law_firm=w.f3, outcome_class="won")
    return w


def _monthly(user, **filters):
    return sel.monthly_report_for_user(user=user, filters=StatsFilters(**filters), month=FEB)


def _flows(row):
    return (
        row.label, row.new_cases, row.claims, row.judgments, row.adjudicated, row.recovered, row.costs,
        row.closed_cases, row.open_at_end,
    )  # fmt: skip


# --- monthly litigation report ------------------------------------------------------------------------------


def test_monthly_report_gives_each_branchs_flows_of_the_month_and_a_total(portfolio):
    report = _monthly(portfolio.p.legal_manager)

    assert [_flows(r) for r in report.rows] == [
        ("Head office (its own cases)", 1, D("1000.00"), 0, D("0.00"), D("0.00"), D("0.00"), 0, 1),
        ("Beijing branch", 3, D("15000.50"), 1, D("9000.00"), D("1500.25"), D("250.00"), 1, 2),
        ("Guangdong branch", 0, D("0.00"), 0, D("0.00"), D("2000.00"), D("0.00"), 0, 2),
    ]
    assert _flows(report.total) == ("Total", 4, D("16000.50"), 1, D("9000.00"), D("3500.25"), D("250.00"), 1, 5)


def test_a_branch_manager_sees_the_sub_branches_of_their_branch_only(portfolio):
    report = _monthly(portfolio.p.branch_manager)

    assert [_flows(r) for r in report.rows] == [
        ("Beijing branch (its own cases)", 2, D("10000.00"), 1, D("9000.00"), D("1500.25"), D("250.00"), 0, 2),
        ("Chaoyang sub-branch", 1, D("5000.50"), 0, D("0.00"), D("0.00"), D("0.00"), 1, 0),
    ]
    assert _flows(report.total) == ("Total", 3, D("15000.50"), 1, D("9000.00"), D("1500.25"), D("250.00"), 1, 2)


def test_another_creditors_user_sees_only_their_own_creditors_cases(portfolio):
    report = _monthly(portfolio.p.outsider_creditor)

    assert [_flows(r) for r in report.rows] == [
        ("Other head office (its own cases)", 1, D("999.00"), 0, D("0.00"), D("999.00"), D("0.00"), 0, 1),
    ]


def test_the_unit_filter_narrows_the_monthly_report_to_that_subtree(portfolio):
    report = _monthly(portfolio.p.legal_manager, unit=portfolio.p.guangdong.pk)

    assert [_flows(r) for r in report.rows] == [
        ("Guangdong branch (its own cases)", 0, D("0.00"), 0, D("0.00"), D("2000.00"), D("0.00"), 0, 2),
    ]


# --- recovery by branch and disposal method -----------------------------------------------------------------


def _recovery_values(row_label, m):
    return (
        row_label, m.recovered_cash, m.recovered_in_kind, m.written_off_amount, m.recovered_transfer,
        m.recovered_restructuring, m.recovered, m.recovered_after_write_off,
    )  # fmt: skip


def test_recovery_report_splits_each_branchs_recoveries_by_disposal_method(portfolio):
    report = sel.recovery_report_for_user(user=portfolio.p.legal_manager, filters=StatsFilters())

    assert [_recovery_values(r.label, r.measures) for r in report.rows] == [
        (
            "Head office (its own cases)",
            D("0.00"),
            D("0.00"),
            D("0.00"),
            D("0.00"),
            D("300.00"),
            D("300.00"),
            D("0.00"),
        ),
        ("Beijing branch", D("1100.25"), D("500.00"), D("5000.50"), D("0.00"), D("0.00"), D("1600.25"), D("0.00")),
        ("Guangdong branch", D("0.00"), D("0.00"), D("8000.00"), D("2000.00"), D("0.00"), D("2000.00"), D("2000.00")),
    ]
    assert _recovery_values("Total", report.total) == (
        "Total",
        D("1100.25"),
        D("500.00"),
        D("13000.50"),
        D("2000.00"),
        D("300.00"),
        D("3900.25"),
        D("2000.00"),
    )
    assert report.total.foreign_cases == 1 and report.total.cases == 5


def test_recovery_report_of_a_branch_user_holds_nothing_of_other_branches_or_creditors(portfolio):
    report = sel.recovery_report_for_user(user=portfolio.p.case_handler, filters=StatsFilters())

    assert [r.label for r in report.rows] == ["Beijing branch (its own cases)", "Chaoyang sub-branch"]
    assert report.total.recovered == D("1600.25")
    assert report.total.written_off_amount == D("5000.50")


def test_the_filing_month_filter_applies_to_the_recovery_report(portfolio):
    january = dt.date(2026, 1, 1)
    report = sel.recovery_report_for_user(
        user=portfolio.p.legal_manager, filters=StatsFilters(period_from=january, period_to=january)
    )

    assert [(r.label, r.measures.recovered) for r in report.rows] == [("Guangdong branch", D("2000.00"))]


# --- law-firm scorecard -------------------------------------------------------------------------------------


def _score(row):
    m = row.measures
    return (
        row.label, m.cases, m.recovered, m.recovery_rate, m.mean_days_to_recovery, row.median_days_to_recovery,
        m.cost_ratio, m.won_rate,
    )  # fmt: skip


def test_firm_scorecard_ranks_firms_by_recovery_rate_with_exact_rates_and_days(portfolio):
    report = sel.firm_scorecard_for_user(user=portfolio.p.legal_manager, filters=StatsFilters())

    assert [_score(r) for r in report.rows] == [
        ("Second Law Firm", 1, D("2000.00"), D("25.00"), D("35.0"), D("35.0"), D("20.00"), D("0.00")),
        ("First Law Firm", 3, D("1600.25"), D("17.78"), D("19.0"), D("19.0"), D("15.62"), D("50.00")),
    ]
    total = report.total
    assert (total.cases, total.recovered, total.recovery_rate) == (4, D("3600.25"), D("21.18"))
    assert (total.mean_days_to_recovery, total.cost_ratio, total.won_rate) == (D("24.3"), D("18.05"), D("33.33"))


def test_a_branch_users_scorecard_counts_only_their_cases(portfolio):
    report = sel.firm_scorecard_for_user(user=portfolio.p.branch_manager, filters=StatsFilters())

    assert [_score(r) for r in report.rows] == [
        ("First Law Firm", 3, D("1600.25"), D("17.78"), D("19.0"), D("19.0"), D("15.62"), D("50.00")),
    ]


# --- deadlines missed or at risk ----------------------------------------------------------------------------


def _deadline(case, due_on, *, kind="appeal", status="open", responsible=None):
    return Deadline.objects.create(
        case=case, kind=kind, due_on=due_on, status=status, responsible=responsible,
        unit_path=case.unit_path, creditor_id=case.creditor_id,
    )  # fmt: skip


@pytest.fixture
def deadlines(portfolio):
    w, p = portfolio, portfolio.p
    return SimpleNamespace(
        soon=_deadline(w.a, TODAY + dt.timedelta(days=3), responsible=p.case_handler),
        overdue=_deadline(w.a, TODAY - dt.timedelta(days=2), kind="answer"),
        guangdong=_deadline(w.c, TODAY + dt.timedelta(days=1)),
        missed=_deadline(w.b, TODAY - dt.timedelta(days=10), status="missed"),
        later=_deadline(w.a, TODAY + dt.timedelta(days=8)),
        done=_deadline(w.a, TODAY + dt.timedelta(days=1), status="done"),
        other=_deadline(w.x, TODAY + dt.timedelta(days=1)),
    )


def test_deadline_report_lists_missed_overdue_and_soon_due_deadlines_in_scope(deadlines, frozen):
    client = _client(deadlines.soon.responsible)  # the case handler at Beijing
    response = client.get(reverse("reports:report", args=["deadlines"]))

    assert response.status_code == 200
    rows = [[cell["text"] for cell in row["cells"]] for row in response.context["rows"]]
    b_no, a_no = deadlines.missed.case.internal_no, deadlines.soon.case.internal_no
    assert rows == [
        [b_no, "Appeal", "2026-02-20", "-10", "Missed", "—"],
        [a_no, "Defence (answer)", "2026-02-28", "-2", "Overdue", "—"],
        [a_no, "Appeal", "2026-03-05", "3", "At risk", "case_handler"],
    ]
    assert response.context["rows"][0]["cells"][0]["url"] == deadlines.missed.case.get_absolute_url()


def test_a_wider_window_takes_in_later_deadlines_and_head_office_sees_every_branch(deadlines, portfolio):
    report = sel.deadline_report_for_user(user=portfolio.p.legal_manager, filters=StatsFilters(), days=10, today=TODAY)

    assert [d.pk for d in report.rows] == [
        deadlines.missed.pk,
        deadlines.overdue.pk,
        deadlines.guangdong.pk,
        deadlines.soon.pk,
        deadlines.later.pk,
    ]


# --- expiring seizures --------------------------------------------------------------------------------------


@pytest.fixture
def freeze(portfolio):
    from loanlit.enforcement import services as enforcement

    asset = enforcement.asset_add(
        actor=None, case=portfolio.a, kind="deposit", description="Current account", source="asset_search",
        found_on=dt.date(2026, 1, 15), registration_no="6222020200001234",
    )  # fmt: skip
    return enforcement.measure_record(
        actor=None, case=portfolio.a, asset=asset, kind="freeze", basis="preservation", started_on=dt.date(2026, 1, 20)
    )


def test_seizure_report_lists_measures_whose_renewal_falls_in_the_window(freeze, portfolio):
    today = freeze.renewal_due_on - dt.timedelta(days=10)
    p = portfolio.p
    inside = sel.seizure_report_for_user(user=p.branch_manager, filters=StatsFilters(), days=30, today=today)
    narrow = sel.seizure_report_for_user(user=p.branch_manager, filters=StatsFilters(), days=5, today=today)
    outsider = sel.seizure_report_for_user(user=p.outsider_branch, filters=StatsFilters(), days=30, today=today)
    other_unit = sel.seizure_report_for_user(
        user=p.legal_manager, filters=StatsFilters(unit=p.guangdong.pk), days=30, today=today
    )

    assert [r.measure.pk for r in inside.rows] == [freeze.pk]
    assert inside.rows[0].days_to_renewal == 10
    assert narrow.rows == [] and outsider.rows == [] and other_unit.rows == []


def test_seizure_page_shows_the_case_dates_and_a_link_to_the_measure(freeze, portfolio):
    today = freeze.renewal_due_on - dt.timedelta(days=10)
    with time_machine.travel(dt.datetime.combine(today, dt.time(2, 0), tzinfo=dt.UTC), tick=False):
        response = _client(portfolio.p.branch_manager).get(reverse("reports:report", args=["seizures"]))

    assert response.status_code == 200
    [row] = response.context["rows"]
    texts = [cell["text"] for cell in row["cells"]]
    assert texts[0] == portfolio.a.internal_no
    assert texts[1:3] == ["Freeze", "Bank deposit"]
    assert texts[5:8] == [freeze.expires_on.isoformat(), freeze.renewal_due_on.isoformat(), "10"]
    assert row["cells"][0]["url"] == reverse("enforcement:case", args=[portfolio.a.pk]) + f"#measure-{freeze.pk}"


# --- pages, exports, access ---------------------------------------------------------------------------------


def test_the_monthly_page_shows_the_figures_definitions_and_export_links(portfolio, frozen):
    response = _client(portfolio.p.legal_manager).get(reverse("reports:report", args=["monthly"]), {"month": "2026-02"})

    assert response.status_code == 200
    rows = [[cell["text"] for cell in row["cells"]] for row in response.context["rows"]]
    assert rows[1] == ["Beijing branch", "3", "15,000.50", "1", "9,000.00", "1,500.25", "250.00", "1", "2"]
    assert rows[-1] == ["Total", "4", "16,000.50", "1", "9,000.00", "3,500.25", "250.00", "1", "5"]
    body = response.content.decode()
    assert "Open at month end: Cases opened by the month&#x27;s last day and not closed by then." in body
    assert "Live figures at 2026-03-02 10:00." in body
    assert 'class="table-responsive"' in body
    assert reverse("reports:report_export", args=["monthly", "xlsx"]) + "?month=2026-02" in body


def test_the_recovery_page_says_as_of_when_the_statistics_were_refreshed(portfolio, frozen):
    from loanlit.reports.models import SummaryState

    SummaryState.objects.create(name="cases", refreshed_at=dt.datetime(2026, 3, 2, 1, 55, tzinfo=dt.UTC))
    response = _client(portfolio.p.legal_manager).get(reverse("reports:report", args=["recovery"]))

    body = response.content.decode()
    assert "Figures as of 2026-03-02 09:55." in body
    assert "Recovered after write-off: Recoveries received after the loan was written off" in body


def test_monthly_xlsx_export_reopens_with_exact_values_and_is_access_logged(portfolio, frozen):
    response = _client(portfolio.p.legal_manager).get(
        reverse("reports:report_export", args=["monthly", "xlsx"]), {"month": "2026-02"}
    )

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A1"].value == "Monthly litigation report"
    assert sheet["A2"].value == "Month: 2026-02"
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["Branch", "New cases", "Claims of new cases"]
    beijing = [c.value for c in sheet[5]]
    assert beijing[0] == "Beijing branch" and beijing[1] == 3
    assert [D(str(v)).quantize(D("0.01")) for v in beijing[2:3] + beijing[4:7]] == [
        D("15000.50"),
        D("9000.00"),
        D("1500.25"),
        D("250.00"),
    ]
    assert sheet["A7"].value == "Total"
    assert sheet[5][2].number_format == "#,##0.00"
    assert "legal_manager" in sheet.oddHeader.center.text
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.detail["report"] == "Monthly litigation report" and log.detail["format"] == "xlsx"
    assert log.path == reverse("reports:report_export", args=["monthly", "xlsx"])


def test_recovery_csv_export_has_the_exact_amounts(portfolio):
    response = _client(portfolio.p.legal_manager).get(reverse("reports:report_export", args=["recovery", "csv"]))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Branch", "Cash", "Settlement in kind", "Write-off", "Debt transfer", "Restructuring (settlement plan)",
        "Recovered", "Recovered after write-off",
    ]  # fmt: skip
    assert rows[2] == ["Beijing branch", "1100.25", "500.00", "5000.50", "0.00", "0.00", "1600.25", "0.00"]
    assert rows[4] == ["Total", "1100.25", "500.00", "13000.50", "2000.00", "300.00", "3900.25", "2000.00"]


def test_firm_scorecard_pdf_prints_the_rates(portfolio):
    response = _client(portfolio.p.legal_manager).get(reverse("reports:report_export", args=["firms", "pdf"]))

    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Law-firm scorecard" in text
    assert "17.78%" in text and "25.00%" in text and "1600.25" in text and "—" in text
    assert "legal_manager" in text  # the watermark


def test_a_row_level_export_asks_for_the_password_again_after_a_while(deadlines):
    client = _client(deadlines.soon.responsible)
    forget(client)

    response = client.get(reverse("reports:report_export", args=["deadlines", "csv"]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:confirm"))
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


@pytest.mark.parametrize(
    "slug, params, field, message",
    [
        ("monthly", {"month": "2026-13"}, "month", "Enter a month as YYYY-MM, for example 2026-03."),
        ("monthly", {"month": "last month"}, "month", "Enter a month as YYYY-MM, for example 2026-03."),
        ("deadlines", {"days": "soon"}, "days", "Enter a whole number of days."),
        ("deadlines", {"days": "0"}, "days", "Enter at least 1 day."),
        ("seizures", {"days": "9999"}, "days", "Enter at most 366 days."),
        ("recovery", {"period_from": "2026-03", "period_to": "2026-01"}, "period_to", "The last month must not"),
        ("firms", {"creditor": "abc"}, "creditor", "Choose one of your creditors."),
    ],
)
def test_bad_filter_input_is_a_translated_form_error_not_a_server_error(portfolio, slug, params, field, message):
    client = _client(portfolio.p.branch_manager)

    page = client.get(reverse("reports:report", args=[slug]), params)
    export = client.get(reverse("reports:report_export", args=[slug, "csv"]), params)

    assert page.status_code == 200
    assert message in page.context["form"].errors[field][0]
    assert page.context["table"] is None
    assert export.status_code == 400
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_a_unit_or_creditor_outside_the_users_scope_is_refused_by_the_form(portfolio):
    client = _client(portfolio.p.branch_manager)

    unit = client.get(reverse("reports:report", args=["recovery"]), {"unit": portfolio.p.guangdong.pk})
    creditor = client.get(reverse("reports:report", args=["recovery"]), {"creditor": portfolio.p.other_creditor.pk})

    assert unit.context["form"].errors["unit"] == ["Choose a unit in your scope."]
    assert creditor.context["form"].errors["creditor"] == ["Choose one of your creditors."]
    assert "Guangdong branch" not in unit.content.decode()  # not even offered as a choice


def test_the_filter_error_is_translated(portfolio):
    client = Client(headers={"accept-language": "zh-hans"})
    client.force_login(portfolio.p.branch_manager)
    response = client.get(reverse("reports:report", args=["monthly"]), {"month": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors["month"] == ["请按 YYYY-MM 格式输入月份，例如 2026-03。"]


@pytest.mark.parametrize("persona", ["read_only", "external_lawyer", "security_admin"])
def test_users_without_reports_view_get_404_everywhere_and_nothing_is_logged(portfolio, persona):
    client = _client(getattr(portfolio.p, persona))

    for url in (
        reverse("reports:index"),
        reverse("reports:report", args=["monthly"]),
        reverse("reports:report_export", args=["monthly", "csv"]),
        reverse("reports:report_export", args=["deadlines", "pdf"]),
    ):
        assert client.get(url).status_code == 404, url
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_unknown_reports_and_formats_are_404(portfolio):
    client = _client(portfolio.p.legal_manager)

    assert client.get(reverse("reports:report", args=["ledger"])).status_code == 404
    assert client.get(reverse("reports:report_export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("reports:report_export", args=["monthly", "docx"])).status_code == 404
    assert not AccessLog.objects.exists()


def test_the_index_lists_every_report_the_ledger_export_and_the_builder(portfolio):
    response = _client(portfolio.p.legal_manager).get(reverse("reports:index"))

    body = response.content.decode()
    assert response.status_code == 200
    for slug in ("monthly", "recovery", "firms", "deadlines", "seizures"):
        assert reverse("reports:report", args=[slug]) in body
    assert reverse("imports:export_csv", kwargs={"kind": "ledger"}) in body
    assert reverse("imports:export_xlsx", kwargs={"kind": "ledger"}) in body
    assert reverse("reports:builder") in body
