"""The enforcement pages: forms through the services, translated errors, 409 on a stale version, and scope —
a handler of another branch sees and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AccessLog
from loanlit.cases.tests.views_support import text
from loanlit.enforcement import services
from loanlit.enforcement.models import Asset, Measure, Termination, WriteOff
from tests.support.authz import row_counts

from .support import apply, build_world, deposit

pytestmark = pytest.mark.django_db
D = Decimal
NOW = dt.datetime(2026, 3, 20, 10, 0)


@pytest.fixture(autouse=True)
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    return build_world(personas)


@pytest.fixture
def measured(world):
    apply(world)
    measure = services.measure_record(
        actor=None,
        case=world.case,
        asset=deposit(world),
        kind="freeze",
        basis="enforcement",
        started_on=dt.date(2025, 4, 10),
    )
    return world, measure


def _pages(world, measure=None):
    case = world.case.pk
    urls = [
        reverse("enforcement:case", args=[case]),
        reverse("enforcement:asset_add", args=[case]),
        reverse("enforcement:measure_add", args=[case]),
        reverse("enforcement:apply", args=[case]),
        reverse("enforcement:payment_add", args=[case]),
    ]
    if measure is not None:
        urls += [
            reverse("enforcement:measure_renew", args=[case, measure.pk]),
            reverse("enforcement:measure_release", args=[case, measure.pk]),
        ]
    return urls


def test_the_enforcement_page_shows_the_measure_its_expiry_and_the_day_to_renew(client, personas, measured):
    world, measure = measured
    client.force_login(personas.case_handler)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("enforcement:case", args=[world.case.pk]))
    assert page.status_code == 200
    html = text(page)
    assert f'id="measure-{measure.pk}"' in html
    assert "2026-04-10" in html and "2026-04-03" in html  # expiry, apply to renew by
    assert "in 14 days" in html
    assert "6222" not in html or "0202" not in html  # the account number is masked
    case_page = client.get(world.case.get_absolute_url())
    assert 'id="case-enforcement-panel"' in case_page.content.decode()


def test_a_measure_recorded_on_the_page_files_its_deadlines(client, personas, world):
    asset = deposit(world)
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("enforcement:measure_add", args=[world.case.pk]),
        {
            "asset": asset.pk,
            "kind": "freeze",
            "basis": "preservation",
            "started_on": "2025-04-10",
            "court": world.court.pk,
            "court_case_number": "(2025)京0105执保12号",
            "rank": "first",
            "amount": "8,000.00",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert response["Location"].endswith(f"#measure-{measure.pk}")
    assert (measure.expires_on, measure.renewal_due_on, measure.amount) == (
        dt.date(2026, 4, 10),
        dt.date(2026, 4, 3),
        D("8000.00"),
    )


def test_a_broken_rule_is_shown_on_the_form_in_chinese_and_nothing_is_written(client, personas, world, settings):
    asset = deposit(world)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(personas.case_handler)
    before = row_counts()
    with translation.override("zh-hans"):
        response = client.post(
            reverse("enforcement:measure_add", args=[world.case.pk]),
            {"asset": asset.pk, "kind": "seizure", "basis": "enforcement", "started_on": "2025-04-10", "rank": "first"},
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="form-errors"' in html and "银行存款" in html  # the law's explanation, in Chinese
    assert row_counts() == before


def test_a_stale_renewal_answers_409_and_saves_nothing(client, personas, measured):
    world, measure = measured
    client.force_login(personas.case_handler)
    url = reverse("enforcement:measure_renew", args=[world.case.pk, measure.pk])
    before = row_counts()
    response = client.post(url, {"version": measure.version + 7, "renewed_on": "2026-04-01"})
    assert response.status_code == 409
    assert 'id="stale-notice"' in response.content.decode()
    assert row_counts() == before


def test_a_renewal_on_the_page_moves_the_expiry(client, personas, measured):
    world, measure = measured
    client.force_login(personas.case_handler)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("enforcement:measure_renew", args=[world.case.pk, measure.pk]),
            {"version": measure.version, "renewed_on": "2026-03-19", "applied_on": "2026-03-16"},
        )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.renewals, measure.nominal_expires_on) == (1, dt.date(2027, 4, 10))


def test_a_handler_of_another_branch_sees_and_changes_nothing(personas, measured):
    world, measure = measured
    for user in (personas.outsider_branch, personas.outsider_creditor):
        client = Client()
        client.force_login(user)
        before = row_counts()
        for url in _pages(world, measure):
            assert client.get(url).status_code == 404, url
        for url in _pages(world, measure)[1:]:
            assert (
                client.post(url, {"version": measure.version, "released_on": "2026-01-01", "reason": "x"}).status_code
                == 404
            )
        assert row_counts() == before
        for name in ("expiring_measures", "termination_pool", "over_limit", "follow_ups"):
            body = client.get(reverse(f"enforcement:{name}")).content.decode()
            assert world.case.internal_no not in body
    measure.refresh_from_db()
    assert measure.status == "active"


def test_a_viewer_without_edit_rights_gets_403_and_nothing_is_written(personas, measured):
    world, measure = measured
    client = Client()
    client.force_login(personas.read_only)
    assert client.get(reverse("enforcement:case", args=[world.case.pk])).status_code == 200
    counts = row_counts()
    for url in _pages(world, measure)[1:]:
        assert client.post(url, {"version": measure.version}).status_code == 403
    assert row_counts() == counts
    assert AccessLog.objects.filter(action="denied").exists()


def test_the_expiring_list_shows_what_the_handler_must_renew(client, personas, measured):
    world, measure = measured
    client.force_login(personas.case_handler)
    with time_machine.travel(NOW, tick=False):
        body = client.get(reverse("enforcement:expiring_measures") + "?days=30").content.decode()
        assert f'id="expiring-{measure.pk}"' in body and world.case.internal_no in body
        dashboard = client.get(reverse("core:home")).content.decode()
        counts = client.get(reverse("enforcement:dashboard_panel"), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-get="/enforcement/dashboard/"' in dashboard  # the counts load after the page
    assert 'id="dashboard-expiring">1<' in counts.replace(" ", "")


def test_enforcement_running_over_six_months_is_listed(client, personas, world):
    record = apply(world)
    client.force_login(personas.case_handler)
    with time_machine.travel(dt.datetime(2025, 10, 15, 10, 0), tick=False):
        assert f'id="over-{record.proceeding_id}"' not in client.get(reverse("enforcement:over_limit")).content.decode()
    with time_machine.travel(dt.datetime(2025, 10, 17, 10, 0), tick=False):
        body = text(client.get(reverse("enforcement:over_limit")))
    # Filed 2025-04-15: the limit ends on 2025-10-15 (a Wednesday); two days over on the 17th.
    assert f'id="over-{record.proceeding_id}"' in body and "2025-10-15" in body


def test_the_write_off_form_needs_the_write_off_code(personas, world):
    url = reverse("enforcement:write_off_add", args=[world.case.pk])
    handler = Client()
    handler.force_login(personas.case_handler)
    counts = row_counts()
    assert handler.get(url).status_code == 403
    assert handler.post(url, {"loan": world.loan.pk}).status_code == 403
    assert row_counts() == counts
    manager = Client()
    manager.force_login(personas.legal_manager)
    manager.cookies["django_language"] = "en"
    response = manager.post(
        url,
        {"loan": world.loan.pk, "written_off_on": "2025-06-30", "amount": "105000.00", "approval_ref": "HX-1"},
    )
    assert response.status_code == 302
    assert WriteOff.objects.get().case_id == world.case.pk
    world.case.refresh_from_db()
    assert world.case.is_closed is False


def test_a_debt_transfer_is_recorded_by_internal_numbers(personas, world):
    other = build_world(personas, seq=2, name="Li Si")
    manager = Client()
    manager.force_login(personas.legal_manager)
    url = reverse("enforcement:transfer_add")
    unknown = manager.post(
        url,
        {
            "creditor": personas.creditor.pk,
            "buyer": "Example AMC",
            "agreed_on": "2025-07-10",
            "base_date": "2025-06-30",
            "price": "30000.00",
            "case_numbers": f"{world.case.internal_no}\nNO-SUCH-CASE",
        },
    )
    assert unknown.status_code == 200 and "NO-SUCH-CASE" in unknown.content.decode()
    response = manager.post(
        url,
        {
            "creditor": personas.creditor.pk,
            "buyer": "Example AMC",
            "agreed_on": "2025-07-10",
            "base_date": "2025-06-30",
            "price": "30000.00",
            "case_numbers": f"{world.case.internal_no}, {other.case.internal_no}",
        },
    )
    assert response.status_code == 302
    detail = manager.get(response["Location"]).content.decode()
    assert world.case.internal_no in detail and other.case.internal_no in detail
    outsider = Client()
    outsider.force_login(personas.outsider_branch)
    assert outsider.get(response["Location"]).status_code == 404
    assert outsider.get(url).status_code == 403


def test_revealing_an_asset_number_is_logged_and_needs_the_unmask_code(personas, world):
    asset = deposit(world)
    url = reverse("enforcement:asset_reveal", args=[world.case.pk, asset.pk])
    handler = Client()
    handler.force_login(personas.case_handler)
    response = handler.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "6222 0202 0000 1234" in response.content.decode()
    assert AccessLog.objects.filter(action="personal_data.read", target_id=str(asset.pk)).count() == 1
    viewer = Client()
    viewer.force_login(personas.branch_manager)
    assert viewer.post(url).status_code == 403


def test_the_termination_pool_lists_reviews_due(client, personas, world):
    record = apply(world)
    search = services.asset_search_record(
        actor=None, case=world.case, searched_on=dt.date(2025, 8, 1), channel="court_online", result="nothing"
    )
    record.proceeding.refresh_from_db()
    termination = services.enforcement_terminate_for_now(
        actor=None,
        proceeding=record.proceeding,
        version=record.proceeding.version,
        terminated_on=dt.date(2025, 8, 20),
        ruling_no="R-1",
        asset_search=search,
    )
    client.force_login(personas.case_handler)
    with time_machine.travel(dt.datetime(2026, 2, 21, 9, 0), tick=False):
        body = client.get(reverse("enforcement:termination_pool") + "?due=1").content.decode()
    assert f'id="pool-{termination.pk}"' in body
    assert Termination.objects.get().status == "in_pool"
    assert Asset.objects.count() == 0


def test_every_section_renders_in_both_languages(client, personas, settings):
    w = build_world(personas, seq=5, name="Zhao Liu")
    built = services.enforcement_demo_build(
        actor=None, case=w.case, applied_on=dt.date(2025, 4, 15), scenario="written_off"
    )
    services.termination_reviews_due(day=dt.date(2026, 3, 1))
    services.restriction_apply(
        actor=None, case=w.case, party=w.borrower, kind="dishonest_list", applied_on=dt.date(2025, 5, 6)
    )
    services.preservation_guarantee_record(
        actor=None,
        case=w.case,
        insurer="Insurer",
        letter_no="BH-1",
        issued_on=dt.date(2025, 1, 15),
        guaranteed_amount=D("1000.00"),
        premium=D("15.00"),
        paid_on=dt.date(2025, 1, 15),
    )
    services.court_payment_record(actor=None, case=w.case, received_on=dt.date(2025, 10, 1), amount=D("500.00"))
    client.force_login(personas.legal_manager)
    url = reverse("enforcement:case", args=[w.case.pk])
    for language in ("en", "zh-hans"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        with translation.override(language), time_machine.travel(NOW, tick=False):
            response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for anchor in ("money", "proceedings", "assets", "measures", "termination", "follow-ups", "write-offs"):
            assert f'id="{anchor}"' in html
        assert f'id="termination-{built.termination.pk}"' in html
    assert "账销案存" in html  # the zh-Hans page


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_case_page_and_the_expiring_list_take_the_same_queries_for_one_measure_or_three(client, personas, measured):
    world, _measure = measured
    client.force_login(personas.case_handler)
    urls = [reverse("enforcement:case", args=[world.case.pk]), reverse("enforcement:expiring_measures") + "?days=400"]
    with time_machine.travel(NOW, tick=False):
        before = [_queries(client, url) for url in urls]
        for day in (11, 12):
            services.measure_record(
                actor=None,
                case=world.case,
                asset=deposit(world, found_on=dt.date(2025, 4, day)),
                kind="freeze",
                basis="enforcement",
                started_on=dt.date(2025, 4, day),
            )
        assert Measure.objects.filter(case=world.case).count() == 3
        assert [_queries(client, url) for url in urls] == before


def test_a_measure_started_tomorrow_is_refused_on_its_field_and_nothing_is_written(client, personas, world):
    asset = deposit(world)
    client.force_login(personas.case_handler)
    before = row_counts()
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("enforcement:measure_add", args=[world.case.pk]),
            {"asset": asset.pk, "kind": "freeze", "basis": "enforcement", "started_on": "2026-03-21", "rank": "first"},
        )
    assert response.status_code == 200
    assert response.context["form"].errors["started_on"] == ["This date cannot be in the future."]
    assert row_counts() == before
