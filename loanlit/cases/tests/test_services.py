"""Case services: numbering, loans, stages, versions, proceedings, judgments, money, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from loanlit.audit.models import AuditEntry
from loanlit.cases import access, selectors, services
from loanlit.cases.models import Case, CaseCounter, CaseEvent, Court, Judgment, ProceedingParty, Recovery
from loanlit.cases.services import CaseOpenInput, ClaimOverride, JudgmentItemInput
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.loans.models import LoanBalanceSnapshot
from loanlit.parties.tests.support import make_ric

from . import factories as f

CAUSE = "金融借款合同纠纷"


def open_case(personas, *, loans=(), unit=None, opened_on=dt.date(2024, 2, 1), actor=None, **kwargs) -> Case:
    return services.case_open(
        actor=actor or personas.case_handler,
        creditor=personas.creditor,
        handling_unit=unit or personas.beijing_chaoyang,
        cause_of_action=CAUSE,
        loans=loans,
        handler=personas.case_handler,
        opened_on=opened_on,
        **kwargs,
    )


def counts() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count()


# --- numbering -------------------------------------------------------------------------------------


@pytest.mark.smoke
def test_internal_numbers_run_per_unit_and_year_and_are_never_reused(personas):
    first = open_case(personas)
    second = open_case(personas)
    other_year = open_case(personas, opened_on=dt.date(2025, 1, 3))
    other_unit = open_case(personas, unit=personas.beijing)
    assert [first.internal_no, second.internal_no] == ["BJ-CY-2024-000001", "BJ-CY-2024-000002"]
    assert other_year.internal_no == "BJ-CY-2025-000001"
    assert other_unit.internal_no == "BJ-2024-000001"
    Case.objects.filter(pk=second.pk).delete()
    assert open_case(personas).internal_no == "BJ-CY-2024-000003"


def test_batch_open_bumps_each_counter_once_and_writes_one_event_and_audit_per_case(personas):
    rows = [
        CaseOpenInput(
            creditor=personas.creditor,
            handling_unit=personas.beijing_chaoyang,
            cause_of_action=CAUSE,
            opened_on=dt.date(2024, 5, day),
        )
        for day in (1, 2, 3)
    ]
    before = counts()
    cases = services.cases_open_batch(actor=personas.case_handler, rows=rows)
    assert [c.internal_no for c in cases] == [f"BJ-CY-2024-00000{n}" for n in (1, 2, 3)]
    assert CaseCounter.objects.get(unit=personas.beijing_chaoyang, year=2024).last_seq == 3
    assert counts() == (before[0] + 3, before[1] + 3, before[2] + 3)
    assert set(CaseEvent.objects.values_list("kind", flat=True)) == {"created"}
    stream = AuditEntry.objects.filter(stream=f"case:{cases[0].pk}").get()
    assert stream.action == "case.opened"


def test_a_failed_open_changes_nothing(personas):
    before = counts()
    with pytest.raises(DomainError, match="Unsupported cause of action"):
        services.case_open(
            actor=personas.case_handler,
            creditor=personas.creditor,
            handling_unit=personas.beijing,
            cause_of_action="not a cause",
        )
    assert counts() == before
    assert not CaseCounter.objects.exists()


# --- loans -----------------------------------------------------------------------------------------


def test_a_loan_in_an_open_case_is_refused_for_a_second_case_naming_the_first(personas):
    _person, loan = f.borrower_loan(personas.creditor, personas.beijing)
    first = open_case(personas, loans=[loan])
    before = counts()
    with pytest.raises(DomainError) as refused:
        open_case(personas, loans=[loan])
    assert refused.value.message == f"Loan {loan.contract_no} is already in open case {first.internal_no}."
    assert counts() == before


def test_a_loan_of_a_closed_case_may_be_sued_on_again(personas):
    _person, loan = f.borrower_loan(personas.creditor, personas.beijing)
    first = open_case(personas, loans=[loan])
    services.case_close(actor=personas.case_handler, case=first, outcome="withdrawn", version=first.version)
    second = open_case(personas, loans=[loan])
    assert list(second.loans.all()) == [loan]


def test_a_loan_of_another_creditor_is_refused(personas):
    _person, loan = f.borrower_loan(personas.other_creditor, personas.other_head_office)
    with pytest.raises(DomainError, match="belongs to another creditor"):
        open_case(personas, loans=[loan])


# --- stages and versions ---------------------------------------------------------------------------


def test_legal_stage_moves_follow_the_seeded_transitions(personas):
    case = open_case(personas)
    case = services.case_change_stage(actor=personas.case_handler, case=case, to_stage="filed", version=1)
    case = services.case_change_stage(actor=personas.case_handler, case=case, to_stage="in_trial", version=2)
    assert (case.stage_id, case.version) == ("in_trial", 3)
    assert list(CaseEvent.objects.filter(case=case, kind="stage_changed").values_list("params", flat=True)) == [
        {"from": "pre_litigation", "to": "filed", "has_note": False},
        {"from": "filed", "to": "in_trial", "has_note": False},
    ]


def test_an_illegal_stage_move_is_refused_naming_both_stages(personas):
    case = open_case(personas)
    before = counts()
    with pytest.raises(DomainError) as refused:
        services.case_change_stage(actor=personas.case_handler, case=case, to_stage="archived", version=1)
    assert refused.value.message == "A case cannot move from “Pre-litigation” to “Archived”."
    assert counts() == before
    case.refresh_from_db()
    assert (case.stage_id, case.version) == ("pre_litigation", 1)


def test_an_illegal_stage_move_is_translated(personas):
    from django.utils import translation

    case = open_case(personas)
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.case_change_stage(actor=personas.case_handler, case=case, to_stage="archived", version=1)
    assert refused.value.message == "案件不能从“诉前”变更为“已归档”。"


def test_a_stale_version_is_refused_with_409(personas):
    case = open_case(personas)
    services.case_change_stage(actor=personas.case_handler, case=case, to_stage="filed", version=1)
    with pytest.raises(StaleVersionError) as stale:
        services.case_change_stage(actor=personas.case_handler, case=case, to_stage="settled", version=1)
    assert stale.value.status_code == 409
    case.refresh_from_db()
    assert case.stage_id == "filed"


# --- proceedings, case numbers, judgment -----------------------------------------------------------


def chaoyang() -> Court:
    return Court.objects.get(caseno_code="京0105")


def test_the_court_list_is_seeded_with_case_number_codes(db):
    court = chaoyang()
    assert (court.code, court.name, court.level, court.region_code) == (
        "110105",
        "北京市朝阳区人民法院",
        "basic",
        "110105",
    )
    assert court.parent.name == "北京市第三中级人民法院"
    assert Court.objects.filter(caseno_code__in=["沪0115", "粤0106", "沪74", "京74"]).count() == 4


def test_a_case_number_is_stored_normalized(personas):
    case = open_case(personas)
    proceeding = services.proceeding_open(
        actor=personas.case_handler,
        case=case,
        kind="first_instance",
        court=chaoyang(),
        court_case_number="(2024)京0105民初 1234号",
    )
    assert proceeding.court_case_number == "（2024）京0105民初1234号"
    assert case.procedural_position.code == "first_instance"
    assert str(case.procedural_position) == "First instance"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2024-1234", "The court case number “2024-1234” is not valid: "),
        ("（2024）京0105民初01234号", "The court case number “（2024）京0105民初01234号” is not valid: "),
        ("（2024）京0105执1234号", "is not a number of this kind of proceeding"),
        ("（2024）京0108民初1234号", "belongs to another court than 北京市朝阳区人民法院"),
    ],
)
def test_a_bad_case_number_is_refused_with_a_clear_message(personas, raw, message):
    case = open_case(personas)
    before = counts()
    with pytest.raises(DomainError) as refused:
        services.proceeding_open(
            actor=personas.case_handler, case=case, kind="first_instance", court=chaoyang(), court_case_number=raw
        )
    assert message in refused.value.message
    assert counts() == before


def test_a_bad_case_number_message_is_translated(personas):
    from django.utils import translation

    case = open_case(personas)
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.proceeding_open(
            actor=personas.case_handler, case=case, kind="first_instance", court=chaoyang(), court_case_number="x"
        )
    assert refused.value.message.startswith("案号“x”无效：")


def judged_case(personas):
    """First instance at 朝阳法院 with the bank and two defendants, and a judgment of 2024-02-28."""
    borrower, loan = f.borrower_loan(personas.creditor, personas.beijing, "Li Si", seq=7)
    guarantor = f.party(personas.creditor, "Wang Wu", ric=make_ric(8))
    case = open_case(personas, loans=[loan])
    proceeding = services.proceeding_open(
        actor=personas.case_handler,
        case=case,
        kind="first_instance",
        court=chaoyang(),
        court_case_number="（2024）京0105民初1234号",
        filed_on=dt.date(2024, 1, 8),
    )
    bank = services.proceeding_party_add(
        actor=personas.case_handler, proceeding=proceeding, role="plaintiff", unit=personas.beijing
    )
    first = services.proceeding_party_add(
        actor=personas.case_handler, proceeding=proceeding, role="defendant", party=borrower
    )
    second = services.proceeding_party_add(
        actor=personas.case_handler, proceeding=proceeding, role="guarantor_defendant", party=guarantor
    )
    items = [
        JudgmentItemInput(kind="principal", amount=Decimal("100000.00")),
        JudgmentItemInput(kind="interest", amount=Decimal("3456.78")),
        JudgmentItemInput(kind="penalty", amount=Decimal("1234.56")),
        JudgmentItemInput(kind="compound", amount=Decimal("12.34")),
        JudgmentItemInput(kind="lawyer_fee", amount=Decimal("5000.00")),
        JudgmentItemInput(kind="court_fee_borne", amount=Decimal("2345.00")),
        JudgmentItemInput(kind="joint_liability", party=guarantor, text="joint and several"),
    ]
    judgment = services.proceeding_record_judgment(
        actor=personas.case_handler,
        proceeding=proceeding,
        judged_on=dt.date(2024, 2, 28),
        items=items,
        version=proceeding.version,
    )
    return case, proceeding, judgment, (bank, first, second)


def serve(personas, participant: ProceedingParty, day: dt.date) -> None:
    services.service_record_add(
        actor=personas.case_handler, proceeding_party=participant, document="judgment", served_on=day, method="mail"
    )


def test_the_adjudicated_amount_sums_the_money_items_to_the_cent(personas):
    _case, _proceeding, judgment, _people = judged_case(personas)
    # 100000.00 + 3456.78 + 1234.56 + 12.34 + 5000.00; the court fee borne is in the cost ledger instead.
    assert judgment.adjudicated_amount == Decimal("109703.68")
    assert judgment.effective_on is None


def test_the_effective_date_runs_from_the_last_party_served_and_rolls_over_rest_days(personas):
    case, _proceeding, judgment, (bank, first, second) = judged_case(personas)
    serve(personas, bank, dt.date(2024, 3, 4))  # Mon: appeal period ends Tue 19 March
    serve(personas, first, dt.date(2024, 3, 5))  # Tue: ends Wed 20 March
    judgment.refresh_from_db()
    assert judgment.effective_on is None  # the guarantor is not served yet
    serve(personas, second, dt.date(2024, 3, 15))  # Fri: day 15 is Sat 30 March → Mon 1 April
    judgment.refresh_from_db()
    assert judgment.effective_on == dt.date(2024, 4, 2)
    # Ten days from the effective date, the first day not counted: Fri 12 April.
    assert judgment.performance_ends == dt.date(2024, 4, 12)
    assert CaseEvent.objects.filter(case=case, kind="judgment_effective").get().params == {
        "effective_on": "2024-04-02",
        "performance_ends": "2024-04-12",
        "confirmed": True,
    }


def test_a_second_judgment_on_a_proceeding_is_refused(personas):
    _case, proceeding, _judgment, _people = judged_case(personas)
    proceeding.refresh_from_db()
    with pytest.raises(DomainError, match="already has a judgment"):
        services.proceeding_record_judgment(
            actor=personas.case_handler,
            proceeding=proceeding,
            judged_on=dt.date(2024, 3, 1),
            items=[JudgmentItemInput(kind="principal", amount=Decimal("1.00"))],
            version=proceeding.version,
        )
    assert Judgment.objects.count() == 1


def test_enforcement_terminated_for_now_is_the_derived_position(personas):
    case, proceeding, _judgment, _people = judged_case(personas)
    enforcement = services.proceeding_open(
        actor=personas.case_handler,
        case=case,
        kind="enforcement",
        court=chaoyang(),
        court_case_number="（2024）京0105执5678号",
        follows=proceeding,
    )
    assert case.procedural_position.code == "enforcement"
    services.proceeding_record_result(
        actor=personas.case_handler,
        proceeding=enforcement,
        result="terminated_for_now",
        result_on=dt.date(2024, 9, 1),
        version=enforcement.version,
    )
    assert str(case.procedural_position) == "Enforcement terminated for now"


def test_a_result_dated_before_the_filing_is_refused_and_nothing_changes(personas):
    case, proceeding, _judgment, _people = judged_case(personas)
    enforcement = services.proceeding_open(
        actor=personas.case_handler,
        case=case,
        kind="enforcement",
        court=chaoyang(),
        court_case_number="（2024）京0105执5679号",
        follows=proceeding,
        filed_on=dt.date(2024, 8, 1),
    )
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(DomainError) as refused:
        services.proceeding_record_result(
            actor=personas.case_handler,
            proceeding=enforcement,
            result="withdrawn",
            result_on=dt.date(2024, 7, 31),
            version=enforcement.version,
        )
    assert refused.value.code == "result_before_filing"
    enforcement.refresh_from_db()
    assert (enforcement.result, enforcement.result_on) == ("", None)
    assert CaseEvent.objects.filter(case=case).count() == events
    services.proceeding_record_result(
        actor=personas.case_handler,
        proceeding=enforcement,
        result="withdrawn",
        result_on=dt.date(2024, 8, 1),
        version=enforcement.version,
    )
    enforcement.refresh_from_db()
    assert (enforcement.result, enforcement.result_on) == ("withdrawn", dt.date(2024, 8, 1))


# --- claim -----------------------------------------------------------------------------------------


def test_claim_from_a_balance_snapshot_accrues_penalty_and_compound_after_it(personas):
    _person, loan = f.borrower_loan(personas.creditor, personas.beijing)
    snapshot = LoanBalanceSnapshot.objects.create(
        loan=loan,
        as_of=dt.date(2024, 6, 30),
        principal=Decimal("100000.00"),
        interest_on_balance=Decimal("2000.00"),
        interest_off_balance=Decimal("1000.00"),
        penalty=Decimal("500.00"),
        compound=Decimal("50.00"),
    )
    case = open_case(personas, loans=[loan])
    result = services.case_compute_claim(
        actor=personas.case_handler, case=case, as_of=dt.date(2024, 7, 30), version=case.version
    )
    case.refresh_from_db()
    # 30 days at 4.35 % × 1.5 = 6.525 % on actual/360: 543.75 on the principal, 16.3125 on the interest.
    assert (case.claim_principal, case.claim_interest, case.claim_penalty, case.claim_compound) == (
        Decimal("100000.00"),
        Decimal("3000.00"),
        Decimal("1043.75"),
        Decimal("66.31"),
    )
    assert case.claim_total == result.total == Decimal("104110.06")
    # 50 + 90000 × 2.5 % + 4110.06 × 2 % = 2382.2012
    assert case.claim_acceptance_fee == result.acceptance_fee.fee == Decimal("2382.20")
    assert case.claim_snapshot == snapshot
    assert not case.claim_overridden
    assert case.claim_breakdown["loans"][0]["method"] == "snapshot"


def test_a_foreign_currency_claim_needs_an_exchange_rate(personas):
    _person, loan = f.borrower_loan(personas.creditor, personas.beijing, currency="USD")
    case = open_case(personas, loans=[loan])
    with pytest.raises(DomainError, match="enter the exchange rate to CNY"):
        services.case_compute_claim(
            actor=personas.case_handler, case=case, as_of=dt.date(2024, 7, 30), version=case.version
        )
    case.refresh_from_db()
    assert case.claim_as_of is None


def overridden_case(personas) -> Case:
    case = open_case(personas)
    services.case_compute_claim(
        actor=personas.case_handler,
        case=case,
        as_of=dt.date(2024, 2, 1),
        override=ClaimOverride(
            principal=Decimal("100000.00"),
            interest=Decimal("3000.00"),
            penalty=Decimal("500.00"),
            compound=Decimal("20.00"),
        ),
        version=case.version,
    )
    case.refresh_from_db()
    services.cost_record(
        actor=personas.case_handler,
        case=case,
        kind="acceptance_fee",
        amount=Decimal("2300.00"),
        paid_on=dt.date(2024, 2, 2),
        payer="unit",
        borne_by_defendant=True,
    )
    return case


def test_recoveries_before_judgment_pay_costs_then_interest_then_principal(personas):
    case = overridden_case(personas)
    first = services.recovery_record(
        actor=personas.case_handler,
        case=case,
        received_on=dt.date(2024, 3, 1),
        amount=Decimal("5000.00"),
        source="borrower_payment",
    )
    second = services.recovery_record(
        actor=personas.case_handler,
        case=case,
        received_on=dt.date(2024, 3, 2),
        amount=Decimal("1000.00"),
        source="borrower_payment",
    )
    assert first.allocation["applied"] == [["costs", "2300.00"], ["contract_interest", "2700.00"]]
    assert second.allocation["applied"] == [
        ["contract_interest", "300.00"],
        ["penalty_interest", "500.00"],
        ["compound_interest", "20.00"],
        ["principal", "180.00"],
    ]
    owed = selectors.case_outstanding(case)
    assert (owed.claimed, owed.costs_borne_by_defendant, owed.recovered, owed.outstanding) == (
        Decimal("103520.00"),
        Decimal("2300.00"),
        Decimal("6000.00"),
        Decimal("99820.00"),
    )


def test_recoveries_after_judgment_pay_the_judgment_debt_then_delayed_interest(personas):
    case, _proceeding, _judgment, (bank, first, second) = judged_case(personas)
    for participant, day in ((bank, 4), (first, 5), (second, 15)):
        serve(personas, participant, dt.date(2024, 3, day))
    services.cost_record(
        actor=personas.case_handler,
        case=case,
        kind="acceptance_fee",
        amount=Decimal("2300.00"),
        paid_on=dt.date(2024, 1, 8),
        payer="unit",
        borne_by_defendant=True,
    )
    early = services.recovery_record(
        actor=personas.case_handler,
        case=case,
        received_on=dt.date(2024, 4, 10),
        amount=Decimal("10000.00"),
        source="court_enforcement",
    )
    assert early.phase == Recovery.Phase.ENFORCEMENT
    assert early.allocation["applied"] == [["judgment_debt", "10000.00"]]
    assert selectors.case_outstanding(case).outstanding == Decimal("102003.68")  # 109703.68 + 2300 − 10000
    late = services.recovery_record(
        actor=personas.case_handler,
        case=case,
        received_on=dt.date(2024, 4, 22),
        amount=Decimal("110000.00"),
        source="auction",
    )
    # 10 days after 12 April on 102003.68 at 0.0175 % a day = 178.50644
    assert late.allocation == {
        "order": ["judgment_debt", "delayed_performance_interest"],
        "applied": [["judgment_debt", "102003.68"], ["delayed_performance_interest", "178.51"]],
        "remainder": "7817.81",
    }
    owed = selectors.case_outstanding(case)
    assert (owed.adjudicated, owed.outstanding, owed.overpaid) == (
        Decimal("109703.68"),
        Decimal("0.00"),
        Decimal("7996.32"),
    )


# --- scope -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider_branch", "outsider_creditor"])
def test_outsiders_get_404_and_their_writes_change_nothing(personas, who):
    case = overridden_case(personas)
    outsider = getattr(personas, who)
    for for_write in (False, True):
        with pytest.raises(Http404):
            selectors.case_get_for_user(user=outsider, pk=case.pk, for_write=for_write)
    before = counts()
    attempts = [
        lambda: services.case_change_stage(actor=outsider, case=case, to_stage="filed", version=case.version),
        lambda: services.case_compute_claim(actor=outsider, case=case, as_of=dt.date(2024, 3, 1), version=case.version),
        lambda: services.proceeding_open(actor=outsider, case=case, kind="first_instance", court=chaoyang()),
        lambda: services.cost_record(
            actor=outsider,
            case=case,
            kind="other",
            amount=Decimal("1.00"),
            paid_on=dt.date(2024, 3, 1),
            payer="unit",
            borne_by_defendant=False,
        ),
        lambda: services.recovery_record(
            actor=outsider, case=case, received_on=dt.date(2024, 3, 1), amount=Decimal("1.00"), source="auction"
        ),
        lambda: services.case_recall(actor=outsider, case=case, version=case.version),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDeniedError):
            attempt()
    assert counts() == before
    case.refresh_from_db()
    assert (case.stage_id, case.version) == ("pre_litigation", 2)
    assert not selectors.case_list_for_user(user=outsider, filters=selectors.CaseFilters()).exists()


def test_read_only_users_see_the_case_but_cannot_write(personas):
    case = open_case(personas)
    assert selectors.case_get_for_user(user=personas.read_only, pk=case.pk) == case
    with pytest.raises(Http404):
        selectors.case_get_for_user(user=personas.read_only, pk=case.pk, for_write=True)
    before = counts()
    with pytest.raises(PermissionDeniedError):
        services.case_change_stage(actor=personas.read_only, case=case, to_stage="filed", version=1)
    assert counts() == before


def test_a_case_team_member_outside_the_unit_sees_the_case(personas):
    case = open_case(personas, co_handlers=[personas.outsider_branch])
    assert selectors.case_get_for_user(user=personas.outsider_branch, pk=case.pk) == case
    assert selectors.case_get_for_user(user=personas.outsider_branch, pk=case.pk, for_write=True) == case
    with pytest.raises(Http404):
        selectors.case_get_for_user(user=personas.outsider_creditor, pk=case.pk)


def test_external_lawyers_see_only_cases_placed_with_their_firm(personas):
    placed = open_case(personas)
    open_case(personas)
    firm = services.law_firm_create(actor=personas.legal_manager, name="Panel Firm LLP", creditors=[personas.creditor])
    services.law_firm_member_add(actor=personas.legal_manager, law_firm=firm, user=personas.external_lawyer)
    lawyer = personas.external_lawyer
    assert not access.cases_visible_to(lawyer).exists()
    services.case_place_with_firm(
        actor=personas.case_handler, case=placed, law_firm=firm, placed_on=dt.date(2024, 3, 1), version=placed.version
    )
    assert list(selectors.case_list_for_user(user=lawyer, filters=selectors.CaseFilters())) == [placed]
    placed.refresh_from_db()
    services.case_recall(
        actor=personas.case_handler, case=placed, recalled_on=dt.date(2024, 4, 1), version=placed.version
    )
    assert not access.cases_visible_to(lawyer).exists()
    assert list(CaseEvent.objects.filter(case=placed).values_list("kind", flat=True).order_by("pk")) == [
        "created",
        "placed",
        "recalled",
    ]


def test_placing_again_recalls_the_previous_placement(personas):
    case = open_case(personas)
    one = services.law_firm_create(actor=personas.legal_manager, name="One")
    two = services.law_firm_create(actor=personas.legal_manager, name="Two")
    services.case_place_with_firm(
        actor=personas.case_handler, case=case, law_firm=one, placed_on=dt.date(2024, 3, 1), version=1
    )
    services.case_place_with_firm(
        actor=personas.case_handler, case=case, law_firm=two, placed_on=dt.date(2024, 5, 1), version=2
    )
    rows = list(case.placements.order_by("pk").values_list("law_firm__name", "recalled_on"))
    assert rows == [("One", dt.date(2024, 5, 1)), ("Two", None)]
    case.refresh_from_db()
    assert case.law_firm == two


def test_only_external_lawyers_can_join_a_firm(personas):
    firm = services.law_firm_create(actor=personas.legal_manager, name="Firm")
    with pytest.raises(DomainError, match="external lawyer role"):
        services.law_firm_member_add(actor=personas.legal_manager, law_firm=firm, user=personas.case_handler)


# --- search and lists ------------------------------------------------------------------------------


def test_search_by_id_last_6_and_mobile_last_4_finds_exactly_the_right_cases(personas):
    zhang, loan_a = f.borrower_loan(personas.creditor, personas.beijing, "Zhang San", seq=1)
    _li, loan_b = f.borrower_loan(personas.creditor, personas.beijing, "Li Si", seq=2)
    case_a = open_case(personas, loans=[loan_a])
    case_b = open_case(personas, loans=[loan_b])

    def found(q: str) -> list[Case]:
        return list(selectors.case_list_for_user(user=personas.case_handler, filters=selectors.CaseFilters(q=q)))

    assert found(make_ric(1)[-6:]) == [case_a]
    assert found(make_ric(2)[-6:]) == [case_b]
    assert found(make_ric(1)) == [case_a]
    assert found("0002") == [case_b]
    assert found("13800130001") == [case_a]
    assert found("zhang") == [case_a]
    assert found(case_b.internal_no) == [case_b]
    assert found(loan_a.contract_no) == [case_a]
    assert found("999999") == []
    assert zhang.name == "Zhang San"


def test_search_by_court_case_number_in_any_width(personas):
    case, _proceeding, _judgment, _people = judged_case(personas)
    open_case(personas)
    q = "(2024)京0105民初1234号"
    assert list(selectors.case_list_for_user(user=personas.case_handler, filters=selectors.CaseFilters(q=q))) == [case]


def test_overdue_bucket_and_stage_filters(personas):
    _a, loan_a = f.borrower_loan(personas.creditor, personas.beijing, seq=3, days_past_due=45)
    _b, loan_b = f.borrower_loan(personas.creditor, personas.beijing, seq=4, days_past_due=400)
    case_a = open_case(personas, loans=[loan_a])
    case_b = open_case(personas, loans=[loan_b])
    user = personas.case_handler
    assert list(selectors.case_list_for_user(user=user, filters=selectors.CaseFilters(overdue="31-90"))) == [case_a]
    assert list(selectors.case_list_for_user(user=user, filters=selectors.CaseFilters(overdue="360+"))) == [case_b]
    services.case_change_stage(actor=user, case=case_b, to_stage="filed", version=1)
    assert list(selectors.case_list_for_user(user=user, filters=selectors.CaseFilters(stage="filed"))) == [case_b]


def _list_page(user) -> None:
    page = selectors.keyset_page(selectors.case_list_for_user(user=user, filters=selectors.CaseFilters()), size=50)
    for case in page.items:
        assert case.handling_unit.name and case.stage.label and case.creditor.name
        assert (case.handler.username, case.law_firm) == ("case_handler", None)


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # a new request's user: nothing cached


def test_listing_cases_takes_a_constant_number_of_queries(personas, django_assert_max_num_queries):
    rows = [
        CaseOpenInput(
            creditor=personas.creditor,
            handling_unit=personas.beijing_chaoyang,
            cause_of_action=CAUSE,
            handler=personas.case_handler,
            opened_on=dt.date(2024, 1, 1) + dt.timedelta(days=n),
        )
        for n in range(60)
    ]
    services.cases_open_batch(actor=personas.case_handler, rows=rows[:5])
    user = _fresh(personas.case_handler)
    with CaptureQueriesContext(connection) as few:
        _list_page(user)
    services.cases_open_batch(actor=personas.case_handler, rows=rows[5:])
    user = _fresh(personas.case_handler)
    # creditors, unit, role, the page: the same four queries for 5 cases and for 50.
    with django_assert_max_num_queries(len(few)):
        _list_page(user)
    assert len(few) <= 4


def test_keyset_pages_cover_every_case_once_and_the_count_is_capped(personas):
    rows = [
        CaseOpenInput(
            creditor=personas.creditor,
            handling_unit=personas.beijing_chaoyang,
            cause_of_action=CAUSE,
            opened_on=dt.date(2024, 1, 1 + n % 3),
        )
        for n in range(7)
    ]
    services.cases_open_batch(actor=personas.case_handler, rows=rows)
    qs = selectors.case_list_for_user(user=personas.case_handler, filters=selectors.CaseFilters())
    seen, after = [], None
    while True:
        page = selectors.keyset_page(qs, after=after, size=3)
        seen += [c.pk for c in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert sorted(seen) == sorted(Case.objects.values_list("pk", flat=True)) and len(seen) == 7
    assert selectors.case_count_capped(qs, cap=5) == (5, True)
    assert selectors.case_count_capped(qs, cap=10) == (7, False)
