"""Regressions from an attack on the statistics pages (issue 11): odd drill-down keys, names of another
creditor's law firm, the currency list's scope, the aging widget's columns, row-level exports without the
export permission."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from loanlit.accounts.services import roles as role_services
from loanlit.accounts.services import users as user_services
from loanlit.audit.models import AccessLog
from loanlit.cases.services import firms
from loanlit.reports.filters import key_pk
from loanlit.reports.selectors import stats
from loanlit.reports.tests.portfolio import build_portfolio
from loanlit.reports.widgets import WIDGETS
from tests.support.authz import row_counts
from tests.support.reauth import confirm

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
DRILLDOWN = reverse("reports:drilldown")


@pytest.fixture
def portfolio(personas):
    return build_portfolio(personas)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("key", ["²", "٣", "99999999999999999999", "1" * 100, "-1"])
@pytest.mark.parametrize("dimension", ["court", "handler", "law_firm", "outcome", "branch"])
def test_a_drill_down_key_that_is_no_id_lists_nothing_and_never_fails(portfolio, dimension, key):
    client = _client(portfolio.personas.legal_manager)
    response = client.get(DRILLDOWN, {"dimension": dimension, "key": key}, **EN)
    assert response.status_code == 200
    # No case of the portfolio is behind such a key.
    html = response.content.decode()
    assert not any(case.internal_no in html for case in portfolio.cases.values())


def test_key_pk_takes_ascii_digits_that_fit_a_row_id_only():
    assert key_pk("42") == 42
    assert key_pk(" 42 ") == 42
    assert key_pk("9" * 18) == int("9" * 18)
    for bad in ("", "²", "٤٢", "9" * 19, "-1", "1.5", "0x10"):
        assert key_pk(bad) is None


def test_the_drill_down_heading_never_names_another_creditors_law_firm(portfolio, personas):
    secret = firms.law_firm_create(actor=None, name="Secret Firm of Bank B", creditors=[personas.other_creditor])
    client = _client(personas.case_handler)
    response = client.get(DRILLDOWN, {"dimension": "law_firm", "key": str(secret.pk)}, **EN)
    assert response.status_code == 200
    assert "Secret Firm of Bank B" not in response.content.decode()
    # The firm on the user's own panel is named.
    response = client.get(DRILLDOWN, {"dimension": "law_firm", "key": str(portfolio.alpha.pk)}, **EN)
    assert "Alpha Law Firm" in response.content.decode()


def test_the_currency_list_follows_the_users_unit_scope(portfolio, personas):
    # The only USD case is in Beijing: the Guangdong handler is offered CNY alone, the head office both.
    assert stats.currencies_for_user(user=personas.outsider_branch) == ["CNY"]
    assert stats.currencies_for_user(user=personas.case_handler) == ["CNY", "USD"]
    assert stats.currencies_for_user(user=personas.legal_manager) == ["CNY", "USD"]


def test_the_aging_widget_shows_only_what_aging_counts():
    aging = WIDGETS["aging"]
    assert aging.measures == ("open_cases",)


def test_a_row_level_report_export_needs_the_export_permission_and_writes_nothing_without_it(portfolio, personas):
    role = role_services.role_create(
        actor=None, code="stats_reader", name="Statistics reader", permissions=["cases.view", "reports.view"]
    )
    reader = user_services.user_create(
        actor=None,
        username="stats.reader",
        password="Stats-Reader-2026!",
        role_code=role.code,
        unit=personas.legal_manager.unit,
        creditors=[personas.creditor],
    )
    client = _client(reader)
    confirm(client)
    before = row_counts()
    for report in ("deadlines", "seizures"):
        url = reverse("reports:report_export", kwargs={"report": report, "fmt": "csv"})
        assert client.get(url, **EN).status_code == 403
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()
    after = row_counts()
    after.pop("audit.accesslog", None), before.pop("audit.accesslog", None)
    assert after == before
    # The page itself stays readable.
    assert client.get(reverse("reports:report", kwargs={"report": "deadlines"}), **EN).status_code == 200
