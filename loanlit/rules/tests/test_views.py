"""The calculators page, the claim export, the holiday and LPR pages, and the missing-data banner."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.rules import selectors, services
from loanlit.rules.models import HolidayOverride, LprRate, LprSettings

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def post_calc(client, kind, data, *, htmx=False, lang="en"):
    payload = {f"{kind}-{k}": v for k, v in data.items()}
    headers = {**(HTMX if htmx else {}), "Accept-Language": lang}
    return client.post(reverse("rules:calculate", args=[kind]), payload, headers=headers)


@pytest.fixture
def handler_client(client, personas):
    client.force_login(personas.case_handler)
    return client


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas.administrator)
    return client


def test_calculators_page_shows_every_calculator(handler_client):
    response = handler_client.get(reverse("rules:calculators"), headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.content.decode()
    for kind in ("deadline", "fee", "interest", "claim", "cap", "caseno", "words", "identifier"):
        assert f'id="calc-{kind}"' in body
        assert f'hx-post="{reverse("rules:calculate", args=[kind])}"' in body
        assert f'hx-target="#calc-{kind}"' in body


def test_fee_calculator_over_htmx_returns_the_card_with_result_and_source(handler_client):
    response = post_calc(handler_client, "fee", {"kind": "acceptance", "amount": "1,234,567.89"}, htmx=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card h-100" id="calc-fee"')
    assert "15,911.11" in body
    assert "cumulative brackets of the Fee Measures art. 13(1) give 15911.11101" in body
    assert "Decree No. 481" in body
    assert "<html" not in body


def test_fee_calculator_without_js_renders_the_whole_page_with_the_result(handler_client):
    response = post_calc(handler_client, "fee", {"kind": "acceptance", "amount": "1234567.89"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body
    assert "15,911.11" in body and 'id="calc-claim"' in body


def test_explanations_follow_the_active_language(handler_client):
    body = post_calc(handler_client, "fee", {"kind": "acceptance", "amount": "8000"}, htmx=True, lang="zh-hans")
    assert "案件受理费：诉讼标的额 8000.00 元" in body.content.decode()


def test_deadline_calculator_uses_the_holiday_override(handler_client, personas):
    data = {"rule": "appeal_judgment", "start": "2026-12-20"}
    before = post_calc(handler_client, "deadline", data, htmx=True).content.decode()
    assert "2027-01-04" in before and "Provisional: holiday data for that year is missing." in before
    services.holiday_override_save(
        actor=personas.administrator, year=2027, notice="N-2027", rest_days=[date(2027, 1, 4)], working_days=[]
    )
    after = post_calc(handler_client, "deadline", data, htmx=True).content.decode()
    assert "2027-01-05" in after and "Provisional" not in after
    assert "CPL (2023) art. 171 para 1" in after


@pytest.mark.parametrize(
    "kind, data, expected",
    [
        ("interest", {"principal": "100000", "rate": "3.6", "start": "2024-01-01", "end": "2024-01-31", "basis": "actual/360"}, "300.00"),  # noqa: E501
        ("caseno", {"text": "（2015）朝民初字第01234号"}, "1234"),
        ("words", {"amount": "1680.32"}, "人民币壹仟陆佰捌拾元零叁角贰分"),
        ("identifier", {"kind": "ric", "value": "11010519491231002X"}, "1949-12-31"),
        ("cap", {"formed": "2024-01-22", "rate": "18", "lender": "private"}, "13.80 %"),
    ],
)  # fmt: skip
def test_each_calculator_shows_its_result(handler_client, kind, data, expected):
    response = post_calc(handler_client, kind, data, htmx=True)
    assert response.status_code == 200
    assert expected in response.content.decode()


@pytest.mark.parametrize(
    "kind, data, error",
    [
        ("fee", {"kind": "acceptance", "amount": "1e5"}, "Enter an amount in digits"),
        ("fee", {"kind": "acceptance", "amount": "-1"}, "Enter an amount of at least 0.00."),
        ("fee", {"kind": "bogus", "amount": "1"}, "Select a valid choice."),
        ("deadline", {"rule": "appeal_judgment", "start": "2025-02-30"}, "Enter a valid date."),
        ("interest", {"principal": "1", "rate": "abc", "start": "2024-01-01", "end": "2024-01-31", "basis": "actual/360"}, "Enter a rate in percent"),  # noqa: E501
        ("caseno", {"text": "hello"}, "Not a recognisable case number"),
        ("cap", {"formed": "2019-01-01", "rate": "20", "lender": "private"}, "filing date"),
        ("claim", {"principal": "100", "rate": "3", "value_date": "2024-01-01", "cutoff": "2024-03-01", "basis": "actual/360", "instalments": "2024-02-01 x"}, "Line 1:"),  # noqa: E501
    ],
)  # fmt: skip
def test_bad_input_gives_a_form_error_not_a_500(handler_client, kind, data, error):
    response = post_calc(handler_client, kind, data, htmx=True)
    assert response.status_code == 200
    assert error in response.content.decode()


def test_form_errors_are_translated(handler_client):
    response = post_calc(handler_client, "fee", {"kind": "acceptance", "amount": "abc"}, htmx=True, lang="zh-hans")
    assert "请用数字输入金额，例如 1,234.56。" in response.content.decode()


CLAIM = {
    "principal": "100000",
    "rate": "3.6",
    "value_date": "2024-01-01",
    "cutoff": "2024-07-31",
    "basis": "actual/360",
    "penalty_markup": "50",
    "compound": "on",
    "instalments": "2024-04-01 50000\n2024-07-01 50000",
    "payments": "",
}


def test_claim_statement_lists_each_line_to_the_cent(handler_client):
    body = post_calc(handler_client, "claim", CLAIM, htmx=True).content.decode()
    for text in ("Principal", "100,000.00", "Contract interest", "Penalty interest", "Compound interest", "Total"):
        assert text in body


def test_claim_statement_exports_a_real_xlsx_with_exact_amounts(handler_client):
    from loanlit.rules import calculators
    from loanlit.rules.forms import ClaimForm

    form = ClaimForm({f"claim-{k}": v for k, v in CLAIM.items()}, prefix="claim")
    assert form.is_valid()
    statement = calculators.claim_statement(form.cleaned_data)
    payload = {f"claim-{k}": v for k, v in CLAIM.items()}
    response = handler_client.post(reverse("rules:claim_export"), payload, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="claim-statement-2024-07-31.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Claim statement"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=9) if row[0].value}
    for line in statement.lines:
        label = str(calculators.CLAIM_LINE_LABELS[line.kind])
        cell = rows[label][1]
        assert Decimal(str(cell.value)) == line.amount
        assert cell.number_format == "#,##0.00"
    assert Decimal(str(rows["Total"][1].value)) == statement.total
    assert (statement.amount("principal"), statement.total) == (Decimal("100000.00"), Decimal("102516.06"))
    assert Decimal(str(rows["Principal"][1].value)) == Decimal("100000.00")
    assert Decimal(str(rows["Total"][1].value)) == Decimal("102516.06")
    assert "Accrual details" in book.sheetnames
    assert AccessLog.objects.filter(action="export", detail__export="claim_statement").count() == 1


def test_claim_export_with_bad_input_shows_the_form_errors(handler_client):
    payload = {f"claim-{k}": v for k, v in {**CLAIM, "instalments": "2024-04-01 1"}.items()}
    response = handler_client.post(reverse("rules:claim_export"), payload, headers={"Accept-Language": "en"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "does not equal the loan principal" in response.content.decode()


# --- holiday calendar and LPR pages ----------------------------------------------------------------


HOLIDAY_POST = {"year": "2027", "notice": "N-2027", "rest_days": "2027-01-01..2027-01-03", "working_days": ""}


def test_case_handler_gets_403_on_the_reference_pages_and_nothing_is_written(handler_client, personas):
    services.holiday_override_save(
        actor=personas.administrator, year=2028, notice="N-2028", rest_days=[date(2028, 1, 3)], working_days=[]
    )
    counts = (HolidayOverride.objects.count(), LprRate.objects.count(), LprSettings.objects.count())
    audit_before = AuditEntry.objects.count()
    for url in (
        reverse("rules:holiday_list"),
        reverse("rules:holiday_add"),
        reverse("rules:holiday_edit", args=[2028]),
        reverse("rules:lpr_list"),
    ):
        assert handler_client.get(url).status_code == 403
    assert handler_client.post(reverse("rules:holiday_add"), HOLIDAY_POST).status_code == 403
    assert handler_client.post(reverse("rules:holiday_edit", args=[2028]), HOLIDAY_POST).status_code == 403
    assert handler_client.post(reverse("rules:holiday_delete", args=[2028])).status_code == 403
    lpr = {"published": "2031-01-20", "lpr_1y": "2.85", "lpr_5y": "3.35", "verified_through": "2031-01-31"}
    assert handler_client.post(reverse("rules:lpr_add"), lpr).status_code == 403
    assert (HolidayOverride.objects.count(), LprRate.objects.count(), LprSettings.objects.count()) == counts
    assert HolidayOverride.objects.get().notice == "N-2028"
    assert AuditEntry.objects.count() == audit_before
    assert AccessLog.objects.filter(action="denied", user=personas.case_handler).count() == 8


def test_administrator_adds_edits_and_deletes_a_year(admin_client):
    response = admin_client.post(reverse("rules:holiday_add"), HOLIDAY_POST)
    assert response.status_code == 302 and response["Location"] == reverse("rules:holiday_list")
    override = HolidayOverride.objects.get(year=2027)
    assert override.rest_days == ["2027-01-01", "2027-01-02", "2027-01-03"]
    edit = {**HOLIDAY_POST, "year": "1999", "rest_days": "2027-01-01", "working_days": "2027-01-09"}
    assert admin_client.post(reverse("rules:holiday_edit", args=[2027]), edit).status_code == 302
    override.refresh_from_db()
    assert (override.year, override.rest_days, override.working_days) == (2027, ["2027-01-01"], ["2027-01-09"])
    page = admin_client.get(reverse("rules:holiday_list")).content.decode()
    assert "N-2027" in page and "2027-01-09" in page
    assert admin_client.post(reverse("rules:holiday_delete", args=[2027])).status_code == 302
    assert not HolidayOverride.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="holiday_override.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["holiday_override.created", "holiday_override.updated", "holiday_override.deleted"]


@pytest.mark.parametrize(
    "data, error",
    [
        ({"rest_days": "2026-12-31"}, "2026-12-31 is not in 2027."),
        ({"rest_days": "2027-01-01", "working_days": "2027-01-01"}, "cannot be both a rest day"),
        ({"rest_days": "2027-02-30"}, "is not a real date"),
        ({"rest_days": "soon"}, "is not a date"),
        ({"notice": ""}, "This field is required."),
    ],
)
def test_a_bad_holiday_form_shows_errors_and_writes_nothing(admin_client, data, error):
    audit_before = AuditEntry.objects.count()
    response = admin_client.post(
        reverse("rules:holiday_add"), {**HOLIDAY_POST, **data}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert (HolidayOverride.objects.count(), AuditEntry.objects.count()) == (0, audit_before)


def test_adding_a_year_twice_is_refused(admin_client):
    admin_client.post(reverse("rules:holiday_add"), HOLIDAY_POST)
    response = admin_client.post(reverse("rules:holiday_add"), HOLIDAY_POST, headers={"Accept-Language": "en"})
    assert "already has holiday data" in response.content.decode()
    assert HolidayOverride.objects.count() == 1


def test_deleting_a_year_without_data_is_404(admin_client):
    assert admin_client.post(reverse("rules:holiday_delete", args=[2030])).status_code == 404


def test_lpr_page_lists_shipped_and_added_rows_and_refuses_bad_rows(client, personas):
    client.force_login(personas.legal_manager)
    url = reverse("rules:lpr_add")
    good = {"published": "2031-01-20", "lpr_1y": "2.85", "lpr_5y": "3.35", "verified_through": "2031-01-31"}
    assert client.post(url, good).status_code == 302
    page = client.get(reverse("rules:lpr_list"), headers={"Accept-Language": "en"}).content.decode()
    assert "2031-01-20" in page and "2019-08-20" in page and "added" in page and "shipped" in page
    for bad, error in (
        (good, "already in the table"),
        ({**good, "published": "2031-01-01", "verified_through": "2031-02-01"}, "before the last row"),
        ({**good, "published": "2031-02-20", "lpr_1y": "2,85"}, "Enter a rate in percent"),
        ({**good, "published": "2031-02-20", "lpr_1y": "1e1"}, "Enter a rate in percent"),
    ):
        response = client.post(url, bad, headers={"Accept-Language": "en"})
        assert response.status_code == 200 and error in response.content.decode()
    assert LprRate.objects.count() == 1


# --- banner ----------------------------------------------------------------------------------------


def banner_html() -> str:
    with translation.override("en"):
        return Template("{% load rules %}{% rules_calendar_banner %}").render(Context({}))


@time_machine.travel(date(2026, 12, 3))
def test_banner_shows_in_december_without_next_years_data_and_goes_with_an_override(admin_client, personas):
    assert "Holiday data for 2027 is missing" in banner_html()
    page = admin_client.get(reverse("rules:holiday_list"), headers={"Accept-Language": "en"}).content.decode()
    assert 'id="calendar-banner"' in page and "Holiday data for 2027 is missing" in page
    services.holiday_override_save(
        actor=personas.administrator, year=2027, notice="N-2027", rest_days=[date(2027, 1, 1)], working_days=[]
    )
    assert banner_html().strip() == ""
    assert selectors.calendar_banner() is None
    page = admin_client.get(reverse("rules:holiday_list")).content.decode()
    assert 'id="calendar-banner"' not in page


@time_machine.travel(date(2026, 10, 31))
def test_banner_is_quiet_before_november():
    assert selectors.calendar_banner() is None


@time_machine.travel(date(2026, 12, 3))
def test_the_context_processor_offers_the_banner_lazily(rf):
    from loanlit.rules.context_processors import calendar_banner

    with translation.override("en"):
        context = calendar_banner(rf.get("/"))
        assert str(context["rules_calendar_banner"]).startswith("Holiday data for 2027 is missing")


def test_an_unknown_calculator_is_404(handler_client):
    assert handler_client.post(reverse("rules:calculate", args=["nonsense"])).status_code == 404
