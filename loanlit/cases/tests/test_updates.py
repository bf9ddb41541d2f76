"""Editing a case (handler, team, priority, tags) and a proceeding; stale versions on placement and recall."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.urls import reverse

from loanlit.audit.models import AuditEntry
from loanlit.cases import selectors, services
from loanlit.cases.models import Case, CaseEvent, Court, Placement, Proceeding
from loanlit.cases.tests.views_support import build_case_world, text
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def writes() -> tuple[int, int, int]:
    return CaseEvent.objects.count(), AuditEntry.objects.count(), Placement.objects.count()


def team(case: Case) -> list[str]:
    return sorted(case.co_handlers.values_list("username", flat=True))


# --- case_update ---------------------------------------------------------------------------------------------


def test_case_update_changes_handler_team_priority_and_tags_with_one_event_and_old_to_new_audit(world, personas):
    case = world.case
    version = case.version

    updated = services.case_update(
        actor=personas.case_handler,
        case=case,
        version=version,
        handler=personas.legal_manager,
        co_handlers=[personas.case_handler, personas.outsider_branch],
        priority="urgent",
        tags=[" big ticket ", "Guarantor abroad", "big ticket"],
    )

    case = Case.objects.get(pk=case.pk)
    assert (case.handler, case.priority, case.tags, case.version) == (
        personas.legal_manager,
        "urgent",
        ["big ticket", "Guarantor abroad"],
        version + 1,
    )
    assert updated.version == version + 1
    assert team(case) == ["case_handler", "outsider_branch"]
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.UPDATED)
    assert event.params == {"changed": ["co_handlers", "handler", "priority", "tags"], "priority": ["normal", "urgent"]}
    assert event.actor == personas.case_handler
    entry = AuditEntry.objects.get(action="case.updated")
    assert entry.stream == f"case:{case.pk}"
    assert entry.changes == {
        "handler": [personas.case_handler.pk, personas.legal_manager.pk],
        "priority": ["normal", "urgent"],
        "tags": [[], ["big ticket", "Guarantor abroad"]],
        "co_handlers": [[], sorted([personas.case_handler.pk, personas.outsider_branch.pk])],
    }


def test_a_co_handler_from_another_branch_of_the_creditor_then_sees_the_case(world, personas):
    services.case_update(
        actor=personas.case_handler, case=world.case, version=world.case.version, co_handlers=[personas.outsider_branch]
    )
    assert selectors.case_get_for_user(user=personas.outsider_branch, pk=world.case.pk) == world.case


def test_a_stale_case_update_is_refused_and_changes_nothing(world, personas):
    stale = world.case.version
    services.case_change_stage(actor=None, case=world.case, to_stage="filed", version=stale)
    before = writes()

    with pytest.raises(StaleVersionError):
        services.case_update(actor=personas.case_handler, case=world.case, version=stale, priority="high")

    assert Case.objects.get(pk=world.case.pk).priority == "normal"
    assert writes() == before


@pytest.mark.parametrize(
    "persona",
    ["outsider_branch", "outsider_creditor", "read_only", "external_lawyer", "branch_manager", "auditor"],
)
def test_the_handler_must_be_staff_of_the_creditor_and_unit_who_may_edit_cases(world, personas, persona):
    before = writes()
    with pytest.raises(DomainError, match="cannot handle this case") as refused:
        services.case_update(
            actor=personas.case_handler, case=world.case, version=world.case.version, handler=getattr(personas, persona)
        )
    assert refused.value.code == "invalid_handler"
    case = Case.objects.get(pk=world.case.pk)
    assert (case.handler, case.version) == (personas.case_handler, world.case.version)
    assert writes() == before


@pytest.mark.parametrize("persona", ["outsider_creditor", "read_only", "external_lawyer"])
def test_co_handlers_must_be_staff_of_the_creditor_who_may_edit_cases(world, personas, persona):
    before = writes()
    with pytest.raises(DomainError, match="cannot join this case"):
        services.case_update(
            actor=personas.case_handler,
            case=world.case,
            version=world.case.version,
            co_handlers=[getattr(personas, persona)],
        )
    assert team(world.case) == []
    assert writes() == before


def test_the_handler_cannot_also_be_a_co_handler(world, personas):
    with pytest.raises(DomainError, match="The handler cannot also be a co-handler"):
        services.case_update(
            actor=personas.case_handler,
            case=world.case,
            version=world.case.version,
            co_handlers=[personas.case_handler],
        )
    assert team(world.case) == []


def test_a_case_update_that_changes_nothing_writes_nothing(world, personas):
    before = writes()
    same = services.case_update(
        actor=personas.case_handler,
        case=world.case,
        version=world.case.version,
        handler=personas.case_handler,
        co_handlers=[],
        priority="normal",
        tags=["  "],
    )
    assert same.version == world.case.version
    assert writes() == before


def test_bad_priority_and_oversized_tags_are_refused(world, personas):
    version = world.case.version
    with pytest.raises(DomainError, match="Unknown priority: soon"):
        services.case_update(actor=personas.case_handler, case=world.case, version=version, priority="soon")
    with pytest.raises(DomainError, match="at most 30 characters"):
        services.case_update(actor=personas.case_handler, case=world.case, version=version, tags=["x" * 31])
    with pytest.raises(DomainError, match="at most 20 tags"):
        services.case_update(
            actor=personas.case_handler, case=world.case, version=version, tags=[f"t{i}" for i in range(21)]
        )
    assert Case.objects.get(pk=world.case.pk).version == version


@pytest.mark.parametrize("persona", ["read_only", "outsider_branch"])
def test_users_who_may_not_edit_the_case_cannot_update_it(world, personas, persona):
    before = writes()
    with pytest.raises(PermissionDeniedError):
        services.case_update(
            actor=getattr(personas, persona), case=world.case, version=world.case.version, priority="high"
        )
    assert writes() == before


def test_handler_and_co_handler_choices_are_exactly_who_the_service_accepts(world, personas):
    handlers = selectors.handler_choices(user=personas.case_handler, case=world.case)
    co_handlers = selectors.co_handler_choices(user=personas.case_handler, case=world.case)
    assert [u.username for u in handlers] == ["administrator", "case_handler", "legal_manager"]
    assert [u.username for u in co_handlers] == ["administrator", "case_handler", "legal_manager", "outsider_branch"]


# --- placement and recall take the case's version ----------------------------------------------------------


def test_placing_with_a_stale_version_is_refused_and_places_nothing(world, personas):
    firm = services.law_firm_create(actor=None, name="Panel Firm", creditors=[personas.creditor])
    stale = world.case.version
    services.case_update(actor=None, case=world.case, version=stale, priority="high")
    before = writes()

    with pytest.raises(StaleVersionError):
        services.case_place_with_firm(actor=personas.case_handler, case=world.case, law_firm=firm, version=stale)

    assert Case.objects.get(pk=world.case.pk).law_firm_id is None
    assert writes() == before


def test_recalling_with_a_stale_version_is_refused_and_the_placement_stays(world, personas):
    firm = services.law_firm_create(actor=None, name="Panel Firm", creditors=[personas.creditor])
    services.case_place_with_firm(
        actor=personas.case_handler,
        case=world.case,
        law_firm=firm,
        placed_on=dt.date(2026, 2, 1),
        version=world.case.version,
    )
    stale = Case.objects.get(pk=world.case.pk).version
    services.case_update(actor=None, case=world.case, version=stale, priority="high")
    before = writes()

    with pytest.raises(StaleVersionError):
        services.case_recall(actor=personas.case_handler, case=world.case, version=stale)

    assert Case.objects.get(pk=world.case.pk).law_firm == firm
    assert Placement.objects.get(case=world.case).recalled_on is None
    assert writes() == before


# --- proceeding_update ---------------------------------------------------------------------------------------


def test_proceeding_update_corrects_court_number_dates_judge_and_clerk(world, personas):
    proceeding = world.proceeding
    haidian = Court.objects.get(caseno_code="京0108")
    version = proceeding.version

    services.proceeding_update(
        actor=personas.case_handler,
        proceeding=proceeding,
        version=version,
        court=haidian,
        court_case_number="（2026）京0108民初88号",
        filed_on=dt.date(2026, 1, 12),
        accepted_on=dt.date(2026, 1, 20),
        judge=" Judge Wang ",
        clerk="Clerk Li",
    )

    proceeding = Proceeding.objects.get(pk=proceeding.pk)
    assert (
        proceeding.court,
        proceeding.court_case_number,
        proceeding.filed_on,
        proceeding.accepted_on,
        proceeding.judge,
        proceeding.clerk,
        proceeding.version,
    ) == (
        haidian,
        "（2026）京0108民初88号",
        dt.date(2026, 1, 12),
        dt.date(2026, 1, 20),
        "Judge Wang",
        "Clerk Li",
        version + 1,
    )
    event = CaseEvent.objects.get(case=world.case, kind=CaseEvent.Kind.PROCEEDING_UPDATED)
    assert event.params["changed"] == ["accepted_on", "clerk", "court", "court_case_number", "filed_on", "judge"]
    entry = AuditEntry.objects.get(action="proceeding.updated")
    assert entry.changes["court"] == [world.court.pk, haidian.pk]
    assert entry.changes["filed_on"] == ["2026-01-10", "2026-01-12"]


def test_a_case_number_of_another_court_is_refused_and_nothing_changes(world, personas):
    before = writes()
    with pytest.raises(DomainError, match="belongs to another court") as refused:
        services.proceeding_update(
            actor=personas.case_handler,
            proceeding=world.proceeding,
            version=world.proceeding.version,
            court_case_number="（2026）京0108民初88号",
        )
    assert refused.value.code == "case_number_court"
    assert Proceeding.objects.get(pk=world.proceeding.pk).court_case_number == ""
    assert writes() == before


def test_a_proceeding_accepted_before_it_was_filed_is_refused(world, personas):
    with pytest.raises(DomainError, match="accepted before it was filed"):
        services.proceeding_update(
            actor=personas.case_handler,
            proceeding=world.proceeding,
            version=world.proceeding.version,
            accepted_on=dt.date(2026, 1, 9),
        )


def test_a_stale_proceeding_update_is_refused(world, personas):
    stale = world.proceeding.version
    services.proceeding_update(actor=None, proceeding=world.proceeding, version=stale, judge="Judge Wang")
    with pytest.raises(StaleVersionError):
        services.proceeding_update(actor=personas.case_handler, proceeding=world.proceeding, version=stale, clerk="X")
    assert Proceeding.objects.get(pk=world.proceeding.pk).clerk == ""


def test_a_proceeding_update_that_changes_nothing_writes_nothing(world, personas):
    before = writes()
    same = services.proceeding_update(
        actor=personas.case_handler,
        proceeding=world.proceeding,
        version=world.proceeding.version,
        court=world.court,
        filed_on=dt.date(2026, 1, 10),
        judge="",
    )
    assert same.version == world.proceeding.version
    assert writes() == before


# --- selectors moved out of the views ---------------------------------------------------------------------


def test_dashboard_for_user_has_my_open_cases_hearings_ahead_and_stage_counts(world, personas):
    services.hearing_schedule(
        actor=None, proceeding=world.proceeding, starts_at=dt.datetime(2026, 3, 5, 1, 30, tzinfo=dt.UTC)
    )
    services.hearing_schedule(
        actor=None, proceeding=world.proceeding, starts_at=dt.datetime(2026, 3, 30, 1, 30, tzinfo=dt.UTC)
    )
    other = build_case_world(personas, name="Li Si", seq=2)
    services.case_change_stage(actor=None, case=other.case, to_stage="filed", version=other.case.version)

    board = selectors.dashboard_for_user(user=personas.case_handler)

    assert [c.internal_no for c in board.my_cases.rows] == [other.case.internal_no, world.case.internal_no]
    assert board.my_cases.total == 2
    assert [c.borrower_names for c in board.my_cases.rows] == ["Li Si", "Zhang San"]
    assert [h.starts_at for h in board.upcoming_hearings] == [dt.datetime(2026, 3, 5, 1, 30, tzinfo=dt.UTC)]
    assert [(r.stage.code, r.count, r.percent, r.width) for r in board.stage_counts.rows] == [
        ("pre_litigation", 1, 50, 50),
        ("filed", 1, 50, 50),
    ]
    assert board.stage_counts.total == 2
    outsider = selectors.dashboard_for_user(user=personas.outsider_branch)
    assert (outsider.my_cases.rows, outsider.upcoming_hearings, outsider.stage_counts.total) == ([], [], 0)


def test_dashboard_for_user_costs_exactly_six_queries_however_many_cases(personas, django_assert_num_queries):
    for seq in range(1, 4):
        build_case_world(personas, name=f"Qian {seq}", seq=seq)
    user = personas.case_handler
    selectors.dashboard_for_user(user=user)  # warms the per-user caches (creditor ids)
    # my cases + their loan links + loan parties, hearings, stage counts, stages.
    with django_assert_num_queries(6):
        selectors.dashboard_for_user(user=user)
    for seq in range(4, 12):
        build_case_world(personas, name=f"Qian {seq}", seq=seq)
    # Past the eight shown, the total is counted: one more query, still independent of the number.
    with django_assert_num_queries(7):
        selectors.dashboard_for_user(user=user)


def test_party_page_for_user_lists_the_cases_and_loans_and_is_404_outside_scope(world, personas):
    page = selectors.party_page_for_user(user=personas.case_handler, pk=world.borrower.pk)
    assert (page.party, page.cases, page.loans) == (world.borrower, [world.case], [world.loan])
    assert list(selectors.cases_for_party(user=personas.case_handler, party=world.borrower)) == [world.case]
    for outsider in (personas.outsider_branch, personas.outsider_creditor):
        with pytest.raises(Http404):
            selectors.party_page_for_user(user=outsider, pk=world.borrower.pk)


def test_proceeding_participant_choices_are_the_loans_parties_and_the_suing_units(world, personas):
    choices = selectors.proceeding_participant_choices(user=personas.case_handler, case=world.case)
    assert choices.parties == [world.borrower]
    assert [unit.code for unit in choices.units] == ["BJ", "HO"]
    with pytest.raises(Http404):
        selectors.proceeding_participant_choices(user=personas.outsider_branch, case=world.case)


# --- the pages -------------------------------------------------------------------------------------------------


def test_the_case_edit_form_saves_handler_team_priority_and_tags_and_the_timeline_says_so(client, world, personas):
    client.force_login(personas.case_handler)
    url = reverse("cases:case_edit", args=[world.case.pk])
    form = text(client.get(url))
    assert f'<option value="{personas.case_handler.pk}" selected>case_handler</option>' in form
    assert f'<option value="{personas.outsider_branch.pk}">outsider_branch</option>' in form

    response = client.post(
        url,
        {
            "version": world.case.version,
            "handler": personas.legal_manager.pk,
            "co_handlers": [personas.case_handler.pk],
            "priority": "high",
            "tags": "big ticket, guarantor abroad",
        },
    )

    assert response.status_code == 302
    html = text(client.get(world.case.get_absolute_url()))
    assert '<dd id="case-handler">legal_manager</dd>' in html
    assert '<dd id="case-co-handlers">case_handler</dd>' in html
    assert ">big ticket</span>" in html and ">guarantor abroad</span>" in html
    timeline = text(client.get(world.case.get_absolute_url(), {"tab": "timeline"}))
    assert "Case details changed" in timeline
    assert "co-handlers, handler, priority, tags" in timeline


def test_a_handler_outside_the_choices_is_a_form_error_and_nothing_is_written(client, world, personas):
    client.force_login(personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:case_edit", args=[world.case.pk]),
        {"version": world.case.version, "handler": personas.outsider_branch.pk, "priority": "normal"},
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert writes() == before


def test_a_stale_case_edit_is_refused_with_409_showing_the_other_priority(client, world, personas):
    stale = world.case.version
    services.case_update(actor=None, case=world.case, version=stale, priority="urgent")
    client.force_login(personas.case_handler)
    before = writes()

    response = client.post(
        reverse("cases:case_edit", args=[world.case.pk]),
        {"version": stale, "handler": personas.case_handler.pk, "priority": "low", "tags": "x"},
    )

    assert response.status_code == 409
    html = text(response)
    assert (
        '<tr class="table-warning"> <th scope="row" class="fw-normal">Priority</th> <td>Low</td> <td>Urgent <' in html
    )
    assert Case.objects.get(pk=world.case.pk).priority == "urgent"
    assert writes() == before


def test_the_proceeding_edit_form_saves_judge_and_clerk(client, world, personas):
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("cases:proceeding_edit", args=[world.case.pk, world.proceeding.pk]),
        {
            "version": world.proceeding.version,
            "court": world.court.pk,
            "court_case_number": "",
            "filed_on": "2026-01-10",
            "accepted_on": "2026-01-16",
            "judge": "Judge Wang",
            "clerk": "Clerk Li",
        },
    )
    assert response.status_code == 302
    proceeding = Proceeding.objects.get(pk=world.proceeding.pk)
    assert (proceeding.judge, proceeding.clerk, proceeding.accepted_on) == (
        "Judge Wang",
        "Clerk Li",
        dt.date(2026, 1, 16),
    )


def test_a_stale_proceeding_edit_is_refused_with_409(client, world, personas):
    stale = world.proceeding.version
    services.proceeding_update(actor=None, proceeding=world.proceeding, version=stale, judge="Judge Zhao")
    client.force_login(personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:proceeding_edit", args=[world.case.pk, world.proceeding.pk]),
        {"version": stale, "court": world.court.pk, "filed_on": "2026-01-10", "judge": "Judge Wang"},
    )
    assert response.status_code == 409
    assert "Judge Zhao" in response.content.decode()
    assert Proceeding.objects.get(pk=world.proceeding.pk).judge == "Judge Zhao"
    assert writes() == before


def test_a_proceeding_dated_in_the_future_is_a_form_error(client, world, personas):
    client.force_login(personas.case_handler)
    before = writes()
    response = client.post(
        reverse("cases:proceeding_edit", args=[world.case.pk, world.proceeding.pk]),
        {"version": world.proceeding.version, "court": world.court.pk, "filed_on": "2026-03-03"},
    )
    assert response.status_code == 200
    assert "This date cannot be in the future." in response.content.decode()
    assert writes() == before


def test_tags_typed_with_full_width_commas_are_split_and_deduplicated(client, world, personas):
    client.force_login(personas.case_handler)
    response = client.post(
        reverse("cases:case_edit", args=[world.case.pk]),
        {
            "version": world.case.version,
            "handler": personas.case_handler.pk,
            "priority": "normal",
            "tags": "大额，担保人在境外、大额；急",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=world.case.pk).tags == ["大额", "担保人在境外", "急"]
