"""The case pages: what they show (exact values), what the forms do, and who may use them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.cases import services
from loanlit.cases.models import Case, CaseEvent, CostEntry, Hearing, Judgment, Recovery
from loanlit.cases.tests.views_support import build_case_world, text
from loanlit.cases.views import pages
from loanlit.parties.models import PartyContact
from loanlit.parties.tests.support import make_ric

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def signed_in(client, user):
    client.force_login(user)
    return client


def writes() -> tuple[int, int, int, int, int]:
    return (
        CaseEvent.objects.count(),
        AuditEntry.objects.count(),
        Recovery.objects.count(),
        CostEntry.objects.count(),
        Judgment.objects.count(),
    )


# --- dashboard -----------------------------------------------------------------------------------------------


def test_dashboard_lists_my_cases_upcoming_hearings_and_counts_by_stage(client, world, personas):
    services.hearing_schedule(
        actor=None, proceeding=world.proceeding, starts_at=timezone.now() + dt.timedelta(days=3), room="Room 5"
    )
    services.hearing_schedule(actor=None, proceeding=world.proceeding, starts_at=timezone.now() + dt.timedelta(days=20))
    signed_in(client, personas.case_handler)

    html = text(client.get(reverse("core:home")))

    assert '<div class="stat-value" id="my-cases-stat">1</div>' in html
    assert '<div class="stat-value" id="hearings-stat">1</div>' in html
    assert '<div class="stat-value" id="scope-stat">1</div>' in html
    assert world.case.internal_no in html
    assert '<span class="fw-semibold">2026-03-05 18:00</span>' in html  # Beijing time of now + 3 days
    assert "Room 5" in html
    assert re.search(r"<span>Pre-litigation</span><span class=\"fw-semibold\">1</span>", html)


# Session, user, role, creditors, unit; the dashboard selector (6); the deadlines panel (1); the base
# page: bell count, holiday banner, latest unread notifications.
DASHBOARD_QUERIES = 15
CASE_LIST_QUERIES = 16


def test_dashboard_query_count_does_not_grow_with_the_number_of_cases(client, personas):
    build_case_world(personas)
    signed_in(client, personas.case_handler)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("core:home"))
    for seq in range(2, 7):
        build_case_world(personas, name=f"Li Si {seq}", seq=seq)
    with CaptureQueriesContext(connection) as six:
        client.get(reverse("core:home"))
    assert len(one.captured_queries) == len(six.captured_queries) == DASHBOARD_QUERIES


def test_outsiders_see_none_of_the_branchs_cases_on_the_dashboard(client, world, personas):
    signed_in(client, personas.outsider_branch)
    html = text(client.get(reverse("core:home")))
    assert world.case.internal_no not in html
    assert '<div class="stat-value" id="scope-stat">0</div>' in html


# --- case list ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["Zhang San", "Zhang", make_ric(1), make_ric(1)[-6:], "13800130001", "0001", "{contract}", "{internal_no}"],
)
def test_case_list_finds_the_case_by_every_search_key(client, world, personas, query):
    query = query.format(contract=world.loan.contract_no, internal_no=world.case.internal_no)
    signed_in(client, personas.case_handler)

    html = text(client.get(reverse("cases:case_list"), {"q": query}))

    assert 'id="result-count">1 cases<' in html
    assert f">{world.case.internal_no}</a>" in html


def test_case_list_shows_masked_ids_only(client, world, personas):
    signed_in(client, personas.case_handler)
    html = text(client.get(reverse("cases:case_list")))
    full = make_ric(1)
    assert full not in html
    assert str(world.borrower.id_number) in html  # the mask
    assert "12,345.67" in html


def test_case_list_search_by_court_case_number(client, world, personas):
    services.proceeding_set_case_number(
        actor=None,
        proceeding=world.proceeding,
        court_case_number="（2026）京0105民初123号",
        version=world.proceeding.version,
    )
    signed_in(client, personas.case_handler)
    html = text(client.get(reverse("cases:case_list"), {"q": "(2026)京0105民初123号"}))
    assert 'id="result-count">1 cases<' in html


def test_case_list_filters_by_stage_and_overdue_bucket(client, world, personas):
    signed_in(client, personas.case_handler)
    url = reverse("cases:case_list")
    assert 'id="result-count">1 cases<' in text(client.get(url, {"stage": "pre_litigation", "overdue": "91-180"}))
    assert 'id="result-count">0 cases<' in text(client.get(url, {"stage": "filed"}))
    assert 'id="result-count">0 cases<' in text(client.get(url, {"overdue": "1-30"}))


def test_case_list_htmx_request_gets_only_the_results_table(client, world, personas):
    signed_in(client, personas.case_handler)
    response = client.get(
        reverse("cases:case_list"), {"q": "Zhang"}, headers={"HX-Request": "true", "HX-Target": "case-results"}
    )
    html = response.content.decode()
    assert 'id="case-table"' in html
    assert "<html" not in html


def test_case_list_of_another_branch_is_empty_for_the_outsider(client, world, personas):
    signed_in(client, personas.outsider_branch)
    html = text(client.get(reverse("cases:case_list"), {"q": "Zhang"}))
    assert 'id="result-count">0 cases<' in html
    assert world.case.internal_no not in html


def test_counts_above_the_cap_are_shown_with_a_plus(client, personas, monkeypatch):
    monkeypatch.setattr(pages, "COUNT_CAP", 2)
    for seq in range(1, 4):
        build_case_world(personas, name=f"Wang {seq}", seq=seq)
    signed_in(client, personas.case_handler)
    assert 'id="result-count">2+ cases<' in text(client.get(reverse("cases:case_list")))


def test_paging_switches_to_keyset_after_the_last_offset_page(client, personas, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    monkeypatch.setattr(pages, "MAX_OFFSET_PAGE", 2)
    cases = [build_case_world(personas, name=f"Zhao {seq}", seq=seq).case for seq in range(1, 5)]
    newest_first = sorted(cases, key=lambda c: c.pk, reverse=True)
    signed_in(client, personas.case_handler)
    url = reverse("cases:case_list")

    page2 = text(client.get(url, {"page": 2}))
    assert newest_first[1].internal_no in page2
    cursor = re.search(r'id="next-page"', page2) and re.search(r"after=([\d\-.]+)", page2).group(1)
    assert cursor == f"2026-01-05.{newest_first[1].pk}"

    page3 = text(client.get(url, {"after": cursor}))
    assert newest_first[2].internal_no in page3
    assert newest_first[1].internal_no not in page3


def test_case_list_costs_the_same_queries_for_5_or_50_rows(client, personas):
    for seq in range(1, 6):
        build_case_world(personas, name=f"Qian {seq}", seq=seq)
    signed_in(client, personas.case_handler)
    url = reverse("cases:case_list")
    client.get(url)
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    for seq in range(6, 51):
        build_case_world(personas, name=f"Qian {seq}", seq=seq)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)
    assert text(response).count('class="fw-semibold text-nowrap"') == 50
    assert len(five.captured_queries) == len(fifty.captured_queries) == CASE_LIST_QUERIES


# --- case page ------------------------------------------------------------------------------------------------


def test_overview_shows_the_claim_override_difference_and_the_outstanding_amount(client, world, personas):
    signed_in(client, personas.case_handler)
    html = text(client.get(world.case.get_absolute_url()))

    assert 'id="claim-total">12,345.67<' in html
    assert '<span class="currency">CNY</span> 12,345.67' in html  # outstanding = claim, nothing recovered
    assert 'id="overview-outstanding">CNY 12,345.67<' in html
    assert "Entered by hand" in html


def test_every_tab_loads_as_an_htmx_partial(client, world, personas):
    signed_in(client, personas.case_handler)
    for tab, marker in [
        ("overview", 'id="claim-table"'),
        ("parties", "Zhang San"),
        ("loans", world.loan.contract_no),
        ("proceedings", "First instance"),
        ("money", "No recoveries recorded."),
        ("timeline", "Case opened"),
    ]:
        response = client.get(reverse("cases:case_tab", args=[world.case.pk, tab]), headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200
        assert marker in html, tab
        assert "<html" not in html


def test_parties_tab_lists_the_borrower_masked_with_capacities(client, world, personas):
    signed_in(client, personas.case_handler)
    html = text(client.get(world.case.get_absolute_url(), {"tab": "parties"}))
    assert str(world.borrower.id_number) in html
    assert make_ric(1) not in html
    assert f"Borrower · {world.loan.contract_no}" in html
    assert "Defendant · First instance" in html


def test_recording_a_judgment_shows_it_and_changes_the_outstanding_amount(client, world, personas):
    signed_in(client, personas.case_handler)
    url = reverse("cases:judgment_record", args=[world.case.pk, world.proceeding.pk])
    data = {
        "version": world.proceeding.version,
        "kind": "judgment",
        "judged_on": "2026-02-20",
        "performance_days": "10",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "30",
        "items-0-kind": "principal",
        "items-0-amount": "12,000.00",
        "items-1-kind": "interest",
        "items-1-amount": "300.50",
        "items-2-kind": "post_judgment_interest",
        "items-2-base": "12000",
        "items-2-rate": "5.2",
        "items-2-from_date": "2026-01-06",
        "items-2-until_text": "until paid",
    }

    response = client.post(url, data)

    assert response.status_code == 302
    judgment = Judgment.objects.get(proceeding=world.proceeding)
    assert judgment.adjudicated_amount == Decimal("12300.50")
    html = text(client.get(response["Location"]))
    assert f'id="judgment-amount-{judgment.pk}">CNY 12,300.50<' in html
    assert '<span class="currency">CNY</span> 12,300.50' in html
    timeline = text(client.get(world.case.get_absolute_url(), {"tab": "timeline"}))
    assert "Judgment recorded" in timeline and "CNY 12,300.50" in timeline


def test_a_judgment_item_without_an_amount_is_a_translated_form_error(client, world, personas):
    signed_in(client, personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:judgment_record", args=[world.case.pk, world.proceeding.pk]),
        {
            "version": world.proceeding.version,
            "kind": "judgment",
            "judged_on": "2026-02-20",
            "performance_days": "10",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-kind": "principal",
        },
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert "Enter the amount the court awarded." in response.content.decode()
    assert writes() == before


def test_recording_a_recovery_shows_its_allocation_and_lowers_the_outstanding_amount(client, world, personas):
    signed_in(client, personas.case_handler)
    response = client.post(
        reverse("cases:recovery_add", args=[world.case.pk]),
        {"received_on": "2026-02-25", "amount": "1,000.00", "currency": "CNY", "source": "borrower_payment"},
    )

    assert response.status_code == 302
    recovery = Recovery.objects.get(case=world.case)
    assert response["Location"].endswith(f"?tab=money&recovery={recovery.pk}#recovery-{recovery.pk}")
    html = text(client.get(response["Location"]))
    assert f'<tr id="recovery-{recovery.pk}" class="table-success">' in html
    applied = "".join(
        f'<span>{label}</span><span class="money">{amount}</span>'
        for label, amount in [("Contract interest", "345.67"), ("Principal", "654.33")]
    )
    assert applied in html.replace('</div><div class="d-flex justify-content-between gap-3">', "")
    assert 'id="money-outstanding">CNY 11,345.67<' in html
    assert "The recovery was recorded." in html
    timeline = text(client.get(world.case.get_absolute_url(), {"tab": "timeline"}))
    assert "Recovery received" in timeline and "Payment by the borrower CNY 1,000.00" in timeline


def test_a_recovery_in_another_currency_is_refused_on_the_form_and_nothing_is_written(client, world, personas):
    signed_in(client, personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:recovery_add", args=[world.case.pk]),
        {"received_on": "2026-02-25", "amount": "10.00", "currency": "USD", "source": "borrower_payment"},
    )
    assert response.status_code == 200
    assert "Amounts on this case are in CNY." in response.content.decode()
    assert writes() == before


def test_money_with_three_decimals_is_refused_with_a_translated_message(client, world, personas):
    signed_in(client, personas.case_handler)
    response = client.post(
        reverse("cases:cost_add", args=[world.case.pk]),
        {"kind": "acceptance_fee", "amount": "12.345", "currency": "CNY", "payer": "creditor", "paid_on": "2026-02-01"},
        headers={"accept-language": "zh-hans"},
    )
    assert response.status_code == 200
    assert CostEntry.objects.count() == 0
    assert "invalid-feedback" in response.content.decode()


def test_recording_a_cost_borne_by_the_defendant_raises_the_outstanding_amount(client, world, personas):
    signed_in(client, personas.case_handler)
    response = client.post(
        reverse("cases:cost_add", args=[world.case.pk]),
        {
            "kind": "acceptance_fee",
            "amount": "54.32",
            "currency": "CNY",
            "payer": "creditor",
            "paid_on": "2026-02-01",
            "borne_by_defendant": "on",
        },
    )
    assert response.status_code == 302
    html = text(client.get(world.case.get_absolute_url()))
    assert 'id="overview-outstanding">CNY 12,399.99<' in html


def test_claim_compute_with_override_shows_the_difference_and_the_acceptance_fee(client, world, personas):
    signed_in(client, personas.case_handler)
    response = client.post(
        reverse("cases:claim_compute", args=[world.case.pk]),
        {
            "version": world.case.version,
            "as_of": "2026-02-01",
            "override": "on",
            "principal": "12000",
            "interest": "1000",
            "penalty": "0",
            "compound": "0",
            "fees": "0",
            "reason": "statement",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=world.case.pk)
    assert case.claim_total == Decimal("13000.00")
    html = text(client.get(world.case.get_absolute_url()))
    assert 'id="claim-total">13,000.00<' in html
    assert 'id="acceptance-fee">' in html
    assert f'id="acceptance-fee">{case.claim_acceptance_fee:,.2f}<' in html
    computed_interest = Decimal(case.claim_breakdown["computed"]["interest"])
    assert f"{Decimal('1000.00') - computed_interest:,.2f}" in html


def test_claim_override_without_a_reason_is_refused(client, world, personas):
    signed_in(client, personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:claim_compute", args=[world.case.pk]),
        {
            "version": world.case.version,
            "as_of": "2026-02-01",
            "override": "on",
            "principal": "1",
            "interest": "0",
            "penalty": "0",
            "compound": "0",
            "fees": "0",
        },
    )
    assert response.status_code == 200
    assert "Say why the computed claim is overridden." in response.content.decode()
    assert writes() == before


def test_stage_change_offers_only_allowed_moves_and_saves(client, world, personas):
    signed_in(client, personas.case_handler)
    url = reverse("cases:case_stage", args=[world.case.pk])
    html = client.get(url).content.decode()
    assert '<option value="filed">' in html
    assert '<option value="archived">' not in html

    response = client.post(url, {"version": world.case.version, "stage": "filed", "note": ""})

    assert response.status_code == 302
    assert Case.objects.get(pk=world.case.pk).stage_id == "filed"


def test_a_stale_stage_change_is_refused_with_409_showing_what_changed_and_nothing_changes(client, world, personas):
    stale_version = world.case.version
    services.case_change_stage(actor=None, case=world.case, to_stage="filed", version=stale_version)
    signed_in(client, personas.case_handler)
    before = writes()

    response = client.post(
        reverse("cases:case_stage", args=[world.case.pk]), {"version": stale_version, "stage": "in_trial", "note": ""}
    )

    assert response.status_code == 409
    html = text(response)
    assert "Someone else saved a change first" in html
    assert (
        '<tr class="table-warning"> <th scope="row" class="fw-normal">Move to stage</th> <td>In trial</td> <td>Filed'
        in html
    )
    assert Case.objects.get(pk=world.case.pk).stage_id == "filed"
    assert writes() == before


def test_a_stale_judgment_form_is_refused_with_409_and_nothing_is_recorded(client, world, personas):
    stale = world.proceeding.version
    services.proceeding_set_case_number(
        actor=None, proceeding=world.proceeding, court_case_number="（2026）京0105民初5号", version=stale
    )
    signed_in(client, personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:judgment_record", args=[world.case.pk, world.proceeding.pk]),
        {
            "version": stale,
            "kind": "judgment",
            "judged_on": "2026-02-20",
            "performance_days": "10",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-kind": "principal",
            "items-0-amount": "100",
        },
    )
    assert response.status_code == 409
    assert writes() == before


def test_proceeding_hearing_service_and_participant_forms_write_through_the_services(client, world, personas):
    signed_in(client, personas.case_handler)
    case, proceeding = world.case, world.proceeding
    hearing = client.post(
        reverse("cases:hearing_add", args=[case.pk, proceeding.pk]),
        {"starts_at": "2026-03-10T09:30", "kind": "hearing", "room": "No. 3"},
    )
    assert hearing.status_code == 302
    assert Hearing.objects.get(proceeding=proceeding).room == "No. 3"

    defendant = proceeding.participants.get(role="defendant")
    served = client.post(
        reverse("cases:service_record_add", args=[case.pk, proceeding.pk]),
        {"proceeding_party": defendant.pk, "document": "summons", "served_on": "2026-02-01", "method": "mail"},
    )
    assert served.status_code == 302

    added = client.post(
        reverse("cases:proceeding_party_add", args=[case.pk, proceeding.pk]),
        {"participant": f"party:{world.borrower.pk}", "role": "third_party"},
    )
    assert added.status_code == 302

    number = client.post(
        reverse("cases:proceeding_edit", args=[case.pk, proceeding.pk]),
        {
            "version": proceeding.version,
            "court": world.court.pk,
            "court_case_number": "(2026)京0105民初77号",
            "filed_on": "2026-01-10",
            "accepted_on": "2026-01-15",
        },
    )
    assert number.status_code == 302
    html = text(client.get(case.get_absolute_url(), {"tab": "proceedings"}))
    assert "2026-03-10 09:30 · Hearing · No. 3" in html
    assert "Summons" in html and "2026-02-01" in html and "By post" in html
    assert "Third party:" in html
    assert "京0105民初77号" in html


def test_an_invalid_court_case_number_is_a_form_error(client, world, personas):
    signed_in(client, personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:proceeding_edit", args=[world.case.pk, world.proceeding.pk]),
        {"version": world.proceeding.version, "court": world.court.pk, "court_case_number": "not a number"},
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert writes() == before


def test_placement_and_recall(client, world, personas):
    firm = services.law_firm_create(actor=None, name="Panel Law Firm", creditors=[personas.creditor])
    signed_in(client, personas.case_handler)
    placed = client.post(
        reverse("cases:placement_add", args=[world.case.pk]),
        {"version": world.case.version, "law_firm": firm.pk, "placed_on": "2026-02-01"},
    )
    assert placed.status_code == 302
    case = Case.objects.get(pk=world.case.pk)
    assert case.law_firm_id == firm.pk
    recalled = client.post(
        reverse("cases:placement_recall", args=[world.case.pk]), {"version": case.version, "recalled_on": "2026-02-10"}
    )
    assert recalled.status_code == 302
    assert Case.objects.get(pk=world.case.pk).law_firm_id is None


def test_a_stale_placement_form_is_refused_with_409(client, world, personas):
    firm = services.law_firm_create(actor=None, name="Panel Law Firm", creditors=[personas.creditor])
    stale = world.case.version
    services.case_change_stage(actor=None, case=world.case, to_stage="filed", version=stale)
    signed_in(client, personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:placement_add", args=[world.case.pk]),
        {"version": stale, "law_firm": firm.pk, "placed_on": "2026-02-01"},
    )
    assert response.status_code == 409
    assert writes() == before


# --- scope and permissions -------------------------------------------------------------------------------------


def _case_urls(world) -> tuple[list[str], list[str]]:
    case, proceeding = world.case.pk, world.proceeding.pk
    reads = [reverse("cases:case_detail", args=[case])] + [
        reverse("cases:case_tab", args=[case, tab]) for tab in pages.TABS
    ]
    writes_ = [
        reverse(f"cases:{name}", args=[case])
        for name in (
            "case_edit",
            "case_stage",
            "claim_compute",
            "placement_add",
            "proceeding_add",
            "cost_add",
            "recovery_add",
        )
    ] + [
        reverse(f"cases:{name}", args=[case, proceeding])
        for name in (
            "proceeding_edit",
            "proceeding_result",
            "proceeding_party_add",
            "hearing_add",
            "service_record_add",
            "judgment_record",
        )
    ]
    return reads, writes_


FULL_POSTS = {
    "recovery_add": {"received_on": "2026-02-25", "amount": "1000", "currency": "CNY", "source": "borrower_payment"},
    "cost_add": {"kind": "other", "amount": "10", "currency": "CNY", "payer": "creditor", "paid_on": "2026-02-01"},
    "hearing_add": {"starts_at": "2026-03-10T09:30", "kind": "hearing"},
}


@pytest.mark.parametrize("persona", ["outsider_branch", "outsider_creditor"])
def test_outsiders_get_404_on_every_case_url_and_nothing_is_written(client, world, personas, persona):
    signed_in(client, getattr(personas, persona))
    reads, write_urls = _case_urls(world)
    before = writes()
    for url in reads + write_urls:
        assert client.get(url).status_code == 404, url
    for url in write_urls:
        name = next((n for n in FULL_POSTS if n.replace("_add", "") in url), None)
        assert client.post(url, FULL_POSTS.get(name or "", {"version": 1})).status_code == 404, url
    assert client.get(reverse("cases:party_detail", args=[world.borrower.pk])).status_code == 404
    assert client.post(reverse("cases:party_reveal", args=[world.borrower.pk])).status_code == 404
    assert writes() == before


@pytest.mark.parametrize("persona", ["read_only", "branch_manager", "auditor"])
def test_viewers_may_read_but_get_403_on_every_write_form_and_nothing_is_written(client, world, personas, persona):
    signed_in(client, getattr(personas, persona))
    reads, write_urls = _case_urls(world)
    before = writes()
    for url in reads:
        assert client.get(url).status_code == 200, url
    for url in write_urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, FULL_POSTS["recovery_add"]).status_code == 403, url
    assert writes() == before
    assert "Record recovery" not in client.get(world.case.get_absolute_url()).content.decode()


# --- party page ------------------------------------------------------------------------------------------------


def test_party_page_lists_the_partys_loans_and_cases_with_masks_only(client, world, personas):
    signed_in(client, personas.case_handler)
    html = text(client.get(reverse("cases:party_detail", args=[world.borrower.pk])))
    assert world.case.internal_no in html
    assert world.loan.contract_no in html
    assert make_ric(1) not in html and "13800130001" not in html
    assert str(world.borrower.id_number) in html


def test_revealing_the_id_number_needs_the_permission_and_is_access_logged(client, world, personas):
    signed_in(client, personas.case_handler)
    response = client.post(reverse("cases:party_reveal", args=[world.borrower.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert make_ric(1) in html and "13800130001" in html
    log = AccessLog.objects.get(action=AccessLog.Action.PERSONAL_DATA_READ)
    assert (log.user_id, log.target_id) == (personas.case_handler.pk, str(world.borrower.pk))

    signed_in(client, personas.read_only)
    assert client.post(reverse("cases:party_reveal", args=[world.borrower.pk])).status_code == 403
    assert AccessLog.objects.filter(action=AccessLog.Action.PERSONAL_DATA_READ).count() == 1
    assert client.get(reverse("cases:party_reveal", args=[world.borrower.pk])).status_code == 405


def test_adding_a_contact_keeps_the_old_record_as_replaced(client, world, personas):
    signed_in(client, personas.case_handler)
    response = client.post(
        reverse("cases:party_contact_add", args=[world.borrower.pk]),
        {"kind": "phone", "value": "13900139000", "source": "collection", "valid_from": "2026-02-01"},
    )
    assert response.status_code == 302
    phones = PartyContact.objects.filter(party=world.borrower, kind="phone").order_by("pk")
    assert [p.superseded_at is None for p in phones] == [False, True]
    html = text(client.get(reverse("cases:party_detail", args=[world.borrower.pk])))
    assert "replaced 2026-03-02" in html
    assert "Collection · from 2026-02-01" in html


def test_an_invalid_mobile_is_a_form_error_and_nothing_is_added(client, world, personas):
    signed_in(client, personas.case_handler)
    response = client.post(
        reverse("cases:party_contact_add", args=[world.borrower.pk]),
        {"kind": "phone", "value": "123", "source": "manual"},
    )
    assert response.status_code == 200
    assert "Mobile number" in response.content.decode()
    assert PartyContact.objects.filter(party=world.borrower).count() == 1


def test_loan_page_shows_the_terms_and_the_borrower(client, world, personas):
    signed_in(client, personas.case_handler)
    html = text(client.get(reverse("loans:loan_detail", args=[world.loan.pk])))
    assert 'id="loan-principal">CNY 12,000.00<' in html
    assert "Zhang San" in html
    signed_in(client, personas.outsider_branch)
    assert client.get(reverse("loans:loan_detail", args=[world.loan.pk])).status_code == 404


# --- translations ----------------------------------------------------------------------------------------------


def test_the_case_page_is_in_simplified_chinese_by_default(client, world, personas):
    signed_in(client, personas.case_handler)
    html = client.get(world.case.get_absolute_url(), headers={"accept-language": "zh-hans"}).content.decode()
    for chinese in ("概览", "诉讼程序", "费用与回款", "时间线", "待收回", "诉讼请求合计"):
        assert chinese in html, chinese


def test_a_second_borrower_in_another_case_does_not_appear_in_this_case(client, world, personas):
    other = build_case_world(personas, name="Sun Qi", seq=9)
    signed_in(client, personas.case_handler)
    html = text(client.get(world.case.get_absolute_url(), {"tab": "parties"}))
    assert "Sun Qi" not in html
    assert other.case.internal_no not in html


def test_a_cost_paid_in_the_future_is_refused_and_nothing_is_written(client, world, personas):
    signed_in(client, personas.case_handler)
    before = CostEntry.objects.count()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("cases:cost_add", args=[world.case.pk]),
        {"kind": "acceptance_fee", "amount": "54.32", "currency": "CNY", "payer": "creditor", "paid_on": tomorrow},
    )
    assert response.status_code == 200
    assert "This date cannot be in the future." in text(response)
    assert CostEntry.objects.count() == before
