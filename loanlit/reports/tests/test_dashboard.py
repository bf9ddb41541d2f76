"""The statistics dashboard, its drill-down and its widget exports (issue 11), on a crafted portfolio
(``dashboard_support``): exact figures, scope, filters, bad input, exports and a query-count guard."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loanlit.reports.services.facts import facts_refresh
from loanlit.reports.tests.dashboard_support import build_portfolio, open_case
from tests.support.authz import row_counts

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DASHBOARD = reverse("reports:dashboard")
DRILLDOWN = reverse("reports:drilldown")


def _export_url(widget: str, fmt: str) -> str:
    return reverse("reports:widget_export", kwargs={"widget": widget, "fmt": fmt})


@pytest.fixture
def portfolio(personas):
    return build_portfolio(personas)


def _figures(response) -> dict[str, str]:
    html = response.content.decode()
    return dict(re.findall(r'data-figure="([a-z_]+)">([^<]*)<', html))


def _region_rows(response) -> dict[str, list[str]]:
    """The court-province widget's table: {key: [cells as shown]}."""
    html = response.content.decode()
    if 'id="table-region"' not in html:
        return {}
    table = html[html.index('id="table-region"') :]
    table = table[: table.index("</table>")]
    rows = {}
    for key, body in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', table, re.S):
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
        rows[key] = cells
    return rows


def _drilled(response) -> list[str]:
    """The internal numbers the drill-down lists."""
    html = response.content.decode()
    if 'id="drilldown-table"' not in html:
        return []
    return re.findall(r'<a class="fw-semibold text-nowrap" href="/cases/\d+/">([^<]+)</a>', html)


# --- access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["administrator", "legal_manager", "case_handler", "branch_manager", "auditor"])
def test_the_dashboard_opens_for_every_role_with_reports_view(client, personas, portfolio, persona):
    client.force_login(getattr(personas, persona))
    for url in (DASHBOARD, DRILLDOWN + "?measure=cases", _export_url("court", "xlsx")):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", ["external_lawyer", "security_admin", "read_only"])
def test_the_dashboard_is_not_found_without_reports_view_and_nothing_is_written(client, personas, portfolio, persona):
    client.force_login(getattr(personas, persona))
    before = row_counts()
    for url in (DASHBOARD, DRILLDOWN + "?measure=cases", _export_url("region", "xlsx"), _export_url("region", "csv")):
        assert client.get(url).status_code == 404, url
    assert row_counts() == before


def test_the_pages_answer_get_only(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    for url in (DASHBOARD, DRILLDOWN, _export_url("region", "xlsx")):
        assert client.post(url).status_code == 405


# --- exact figures and scope ----------------------------------------------------------------------------


def test_the_legal_manager_sees_the_exact_figures_of_the_whole_portfolio(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    response = client.get(DASHBOARD, **EN)
    assert response.status_code == 200
    figures = _figures(response)
    assert figures["cases"] == "3"
    assert figures["open_cases"] == "3"
    assert figures["claim"] == "51,345.67"
    assert figures["adjudicated"] == "12,345.67"
    assert figures["recovered"] == "5,000.00"
    assert figures["recovery_rate"] == "40.50%"  # 5,000.00 ÷ 12,345.67
    assert figures["recovery_rate_claim"] == "9.74%"  # 5,000.00 ÷ 51,345.67
    assert figures["won_rate"] == "100.00%"
    assert figures["lost_rate"] == "0.00%"
    assert figures["terminated_rate"] == "—"  # no case entered enforcement
    assert figures["mean_days_to_judgment"] == "30.0"  # 2026-01-05 → 2026-02-04
    assert figures["mean_days_to_recovery"] == "56.0"  # 2026-01-05 → 2026-03-02
    assert figures["mean_days_to_close"] == "—"
    assert _region_rows(response) == {
        "11": ["1", "12,345.67", "12,345.67", "5,000.00", "40.50%"],
        "44": ["1", "31,000.00", "0.00", "0.00", "—"],
        "31": ["1", "8,000.00", "0.00", "0.00", "—"],
    }
    html = response.content.decode()
    assert "Figures as of" in html
    assert 'id="chart-region"' in html and 'id="chart-data-region"' in html
    assert "Definitions" in html and "recovered on adjudicated cases ÷ adjudicated amount" in html


def test_a_branch_handler_counts_only_the_cases_of_their_branch(client, personas, portfolio):
    client.force_login(personas.case_handler)
    response = client.get(DASHBOARD, **EN)
    figures = _figures(response)
    assert (figures["cases"], figures["claim"], figures["recovered"]) == ("2", "20,345.67", "5,000.00")
    assert set(_region_rows(response)) == {"11", "31"}
    assert "Guangdong" not in response.content.decode().split('id="widget-regions"')[1].split("</section>")[0]


def test_the_guangdong_handler_counts_only_the_guangdong_case(client, personas, portfolio):
    client.force_login(personas.outsider_branch)
    figures = _figures(client.get(DASHBOARD, **EN))
    assert (figures["cases"], figures["claim"], figures["recovered"]) == ("1", "31,000.00", "0.00")


def test_another_creditors_user_sees_no_case(client, personas, portfolio):
    client.force_login(personas.outsider_creditor)
    response = client.get(DASHBOARD, **EN)
    assert response.status_code == 200
    assert _figures(response)["cases"] == "0"
    assert _region_rows(response) == {}


# --- filters ------------------------------------------------------------------------------------------


def test_filters_narrow_every_figure(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    response = client.get(DASHBOARD, {"court_province": "11"}, **EN)
    figures = _figures(response)
    assert (figures["cases"], figures["claim"], figures["recovered"]) == ("1", "12,345.67", "5,000.00")
    assert set(_region_rows(response)) == {"11"}
    assert "Live figures" in response.content.decode()
    # The drill-down and export links carry the filter.
    assert "/dashboard/cases/?court_province=11&amp;measure=cases" in response.content.decode()
    assert _export_url("region", "xlsx") + "?court_province=11" in response.content.decode()

    figures = _figures(client.get(DASHBOARD, {"period_from": "2026-02", "period_to": "2026-02"}, **EN))
    assert (figures["cases"], figures["claim"]) == ("2", "39,000.00")  # BJ-2 and GD-1

    figures = _figures(client.get(DASHBOARD, {"unit": personas.beijing.pk}, **EN))
    assert (figures["cases"], figures["claim"]) == ("2", "20,345.67")

    figures = _figures(client.get(DASHBOARD, {"outcome": "won", "open_only": "1"}, **EN))
    assert (figures["cases"], figures["adjudicated"]) == ("1", "12,345.67")


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"period_from": "2026-13"}, "Enter a month as YYYY-MM, for example 2026-03."),
        ({"period_from": "March"}, "Enter a month as YYYY-MM, for example 2026-03."),
        ({"period_from": "2026-03", "period_to": "2026-01"}, "The last month must not be before the first month."),
        ({"court_province": "99"}, "Select a valid choice."),
        ({"handler": "not-a-number"}, "Select a valid choice."),
    ],
)
def test_bad_filters_show_a_translated_error_and_the_unfiltered_figures(client, personas, portfolio, params, error):
    client.force_login(personas.legal_manager)
    before = row_counts()
    response = client.get(DASHBOARD, params, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert 'id="filter-errors"' in html
    assert _figures(response)["cases"] == "3"
    assert row_counts() == before


def test_the_filter_errors_are_in_chinese_by_default(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    response = client.get(DASHBOARD, {"period_from": "2026-03", "period_to": "2026-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "截止月份不得早于起始月份。" in html
    assert "The last month must not be before the first month." not in html


def test_choices_outside_the_users_scope_are_refused(client, personas, portfolio):
    client.force_login(personas.case_handler)
    for params in ({"unit": personas.guangdong.pk}, {"creditor": personas.other_creditor.pk}):
        response = client.get(DASHBOARD, params, **EN)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert _figures(response)["cases"] == "2"  # the handler's own scope, unfiltered
    form_html = client.get(DASHBOARD, **EN).content.decode()
    assert f'<option value="{personas.guangdong.pk}">' not in form_html.split('name="unit"')[1].split("</select>")[0]


# --- drill-down ---------------------------------------------------------------------------------------


def test_the_drill_down_lists_exactly_the_cases_behind_a_figure(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    p = portfolio
    cases = _drilled(client.get(DRILLDOWN, {"measure": "cases"}, **EN))
    assert sorted(cases) == sorted(c.internal_no for c in p.cases)
    response = client.get(DRILLDOWN, {"dimension": "court_province", "key": "44", "measure": "cases"}, **EN)
    assert _drilled(response) == [p.gd1.internal_no]
    html = response.content.decode()
    assert "Cases · Region (court&#x27;s province): Guangdong" in html
    assert "31,000.00" in html
    assert _drilled(client.get(DRILLDOWN, {"measure": "recovered"}, **EN)) == [p.bj1.internal_no]
    assert _drilled(client.get(DRILLDOWN, {"dimension": "outcome", "key": "won"}, **EN)) == [p.bj1.internal_no]
    filtered = client.get(DRILLDOWN, {"court_province": "11", "measure": "cases"}, **EN)
    assert _drilled(filtered) == [p.bj1.internal_no]
    # The borrower is shown masked, as on the case list.
    assert "Zhang San" in html or "Wang Wu" in html


def test_the_drill_down_never_lists_another_branchs_case(client, personas, portfolio):
    client.force_login(personas.case_handler)
    response = client.get(DRILLDOWN, {"dimension": "court_province", "key": "44", "measure": "cases"}, **EN)
    assert response.status_code == 200
    assert _drilled(response) == []
    assert portfolio.gd1.internal_no not in response.content.decode()
    assert 'id="no-results"' in response.content.decode()
    everything = _drilled(client.get(DRILLDOWN, {"measure": "cases"}, **EN))
    assert sorted(everything) == sorted([portfolio.bj1.internal_no, portfolio.bj2.internal_no])


def test_the_links_on_the_dashboard_lead_to_the_same_cases(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    html = client.get(DASHBOARD, **EN).content.decode()
    link = re.search(r'href="(/dashboard/cases/\?dimension=court_province&amp;key=31&amp;measure=cases)"', html)
    assert link is not None
    assert _drilled(client.get(link.group(1).replace("&amp;", "&"), **EN)) == [portfolio.bj2.internal_no]


@pytest.mark.parametrize(
    "params", [{"dimension": "galaxy"}, {"measure": "<script>"}, {"after": "yesterday.x"}, {"period_to": "2026-99"}]
)
def test_a_bad_drill_down_link_shows_an_error_and_no_cases(client, personas, portfolio, params):
    client.force_login(personas.legal_manager)
    response = client.get(DRILLDOWN, params, **EN)
    assert response.status_code == 200
    assert 'id="drilldown-errors"' in response.content.decode()
    assert _drilled(response) == []


def test_the_drill_down_pages_by_keyset(client, personas, portfolio, monkeypatch):
    from loanlit.reports.views import dashboard as views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(personas.legal_manager)
    first = client.get(DRILLDOWN, {"measure": "cases"}, **EN)
    assert _drilled(first) == [portfolio.gd1.internal_no, portfolio.bj2.internal_no]  # newest first
    after = re.search(r'after=([0-9-]+\.\d+)" id="next-page"', first.content.decode()).group(1)
    assert after == f"2026-02-10.{portfolio.bj2.pk}"
    second = client.get(DRILLDOWN, {"measure": "cases", "after": after}, **EN)
    assert _drilled(second) == [portfolio.bj1.internal_no]
    assert 'id="next-page"' not in second.content.decode()


# --- exports ------------------------------------------------------------------------------------------


def _sheet_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]


def test_the_widget_xlsx_export_has_the_exact_numbers(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    response = client.get(_export_url("region", "xlsx"), **EN)
    assert response.status_code == 200
    assert "dashboard-region" in response["Content-Disposition"]
    rows = _sheet_rows(response)
    by_label = {row[0]: row[1:6] for row in rows}
    assert by_label["Beijing"] == (1, 12345.67, 12345.67, 5000, 0.405)
    assert by_label["Guangdong"] == (1, 31000, 0, 0, None)
    assert by_label["Shanghai"] == (1, 8000, 0, 0, None)
    header = next(row for row in rows if row[1] == "Cases")
    assert header[0] == "Region (court's province)"
    assert header[1:6] == ("Cases", "Claim", "Adjudicated", "Recovered", "Enforcement recovery rate")
    assert Decimal(str(by_label["Beijing"][1])) == Decimal("12345.67")


def test_the_widget_export_follows_the_filters_and_the_scope(client, personas, portfolio):
    client.force_login(personas.case_handler)
    labels = {row[0] for row in _sheet_rows(client.get(_export_url("region", "xlsx"), **EN))}
    assert {"Beijing", "Shanghai"} <= labels and "Guangdong" not in labels
    labels = {row[0] for row in _sheet_rows(client.get(_export_url("region", "xlsx"), {"court_province": "31"}, **EN))}
    assert "Shanghai" in labels and "Beijing" not in labels


def test_the_widget_csv_export_and_other_widgets(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    response = client.get(_export_url("cohort", "csv"), **EN)
    assert response.status_code == 200
    text = (b"".join(response.streaming_content) if response.streaming else response.content).decode("utf-8-sig")
    assert "2026-01,1,12345.67,12345.67,5000.00" in text
    assert "2026-02,2,39000.00,0.00,0.00" in text
    for widget in ("aging", "cycle", "signal", "firms", "outcome", "branch"):
        assert client.get(_export_url(widget, "xlsx"), **EN).status_code == 200, widget


def test_an_unknown_widget_or_format_is_not_found(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    assert client.get(_export_url("horoscope", "xlsx")).status_code == 404
    assert client.get(_export_url("region", "docx")).status_code == 404


def test_an_export_with_bad_filters_is_refused_with_the_reason(client, personas, portfolio):
    client.force_login(personas.legal_manager)
    response = client.get(_export_url("region", "xlsx"), {"period_from": "2026-13"}, **EN)
    assert response.status_code == 400
    assert "Enter a month as YYYY-MM" in response.content.decode()


# --- query counts -------------------------------------------------------------------------------------


def _queries(client, url: str, params: dict | None = None) -> int:
    client.get(url, params or {})  # warm the session and caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"court_province": "44"}])
def test_the_dashboard_takes_the_same_queries_for_a_larger_portfolio(client, personas, portfolio, params):
    client.force_login(personas.legal_manager)
    small = _queries(client, DASHBOARD, params)
    drill_small = _queries(client, DRILLDOWN, {"measure": "cases", **params})
    ids = []
    for n in range(6):
        case, _p = open_case(
            personas,
            unit=personas.guangdong if n % 2 else personas.beijing_chaoyang,
            handler=personas.outsider_branch if n % 2 else personas.case_handler,
            court_code="粤0105" if n % 2 else "京0101",
            opened_on=dt.date(2025, 6 + n, 3),
            principal="1000.00",
            interest="10.00",
            name=f"Extra {n}",
            seq=20 + n,
        )
        ids.append(case.pk)
    facts_refresh(case_ids=ids)
    assert _figures(client.get(DASHBOARD, **EN))["cases"] == "9"
    assert _queries(client, DASHBOARD, params) == small
    assert _queries(client, DRILLDOWN, {"measure": "cases", **params}) == drill_small
