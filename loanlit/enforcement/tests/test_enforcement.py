"""The enforcement proceeding: application, money received and its allocation to the cent, restrictions,
auctions, distribution, settlements and objections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from loanlit.audit.models import AuditEntry
from loanlit.cases import ledger as case_ledger
from loanlit.cases.models import Proceeding, ProceedingParty, Recovery
from loanlit.core.errors import DomainError
from loanlit.enforcement import ledger, services
from loanlit.enforcement.models import Asset, AuctionStep, DebtorRestriction, EnforcementRecord, EnforcementSettlement

from .support import apply, build_world, deposit

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world(personas):
    return build_world(personas)


def test_applying_opens_the_enforcement_after_the_judgment_with_the_parties_and_moves_the_stage(world, personas):
    record = apply(world, court_case_number="(2025)京0105执1234号", accepted_on=dt.date(2025, 4, 18))
    proceeding = record.proceeding
    assert (proceeding.kind, proceeding.follows_id, proceeding.filed_on, proceeding.court_case_number) == (
        "enforcement",
        world.first.pk,
        dt.date(2025, 4, 15),
        "（2025）京0105执1234号",
    )
    world.first.refresh_from_db()
    assert world.first.is_active is False
    roles = set(ProceedingParty.objects.filter(proceeding=proceeding).values_list("role", "party_id", "unit_id"))
    assert roles == {
        ("enforcement_applicant", None, personas.beijing.pk),
        ("person_subject_to_enforcement", world.borrower.pk, None),
    }
    world.case.refresh_from_db()
    assert world.case.stage_id == "enforcement"
    assert world.case.procedural_position.code == "enforcement"
    # 2025-03-31 + 2 years = 2027-03-31 (CPL art. 250): in time.
    assert (record.application_deadline, record.application_late) == (dt.date(2027, 3, 31), False)


def test_an_application_after_the_two_years_is_accepted_and_flagged(personas):
    old = build_world(personas, seq=2, judged_on=dt.date(2023, 3, 1), served_on=dt.date(2023, 3, 3))
    assert old.judgment.performance_ends == dt.date(2023, 3, 31)
    record = apply(old, applied_on=dt.date(2025, 4, 1))
    assert (record.application_deadline, record.application_late) == (dt.date(2025, 3, 31), True)
    assert record.explanation[-1]["code"] == "enforcement.application_late"


def test_no_application_before_the_judgment_is_effective_or_twice(personas, world):
    with pytest.raises(DomainError) as caught:
        apply(world, applied_on=dt.date(2025, 3, 20))
    assert caught.value.code == "before_effective"
    apply(world)
    with pytest.raises(DomainError) as caught:
        apply(world, applied_on=dt.date(2025, 4, 20))
    assert caught.value.code == "enforcement_exists"
    assert EnforcementRecord.objects.count() == 1


def test_money_from_the_court_pays_the_judgment_debt_first_then_the_doubled_interest_to_the_cent(world, personas):
    apply(world)
    # Judgment debt 107,300.00 (100,000 principal + 5,000 interest + 2,300 costs borne); the doubled interest
    # runs from 2025-03-31 on 102,300.00 (not on the 5,000 ordinary interest): 30 days = 537.075.
    first = services.court_payment_record(
        actor=personas.case_handler, case=world.case, received_on=dt.date(2025, 4, 30), amount=D("20000.00")
    )
    assert first.allocation["applied"] == [["judgment_debt", "20000.00"]]
    assert first.phase == Recovery.Phase.ENFORCEMENT
    position = ledger.position(world.case, dt.date(2025, 4, 30))
    assert (position.judgment_debt, position.delayed_accrued, position.principal) == (
        D("87300.00"),
        D("537.08"),
        D("87300.00"),
    )
    # Thirty more days on 87,300.00 = 458.325; 537.075 + 458.325 = 995.40.
    second = services.court_payment_record(
        actor=personas.case_handler, case=world.case, received_on=dt.date(2025, 5, 30), amount=D("90000.00")
    )
    assert second.allocation["applied"] == [["judgment_debt", "87300.00"], ["delayed_performance_interest", "995.40"]]
    assert second.allocation["remainder"] == "1704.60"
    final = ledger.position(world.case, dt.date(2025, 12, 31))
    assert (final.judgment_debt, final.delayed_outstanding) == (D("0.00"), D("0.00"))
    assert case_ledger.case_outstanding(world.case).outstanding == D("0.00")


def test_an_order_the_judgment_states_puts_the_doubled_interest_first(world):
    record = apply(world, allocation_order="delayed_interest_first")
    recovery = services.court_payment_record(
        actor=None, case=world.case, received_on=dt.date(2025, 4, 30), amount=D("1000.00")
    )
    assert recovery.allocation["applied"] == [["delayed_performance_interest", "537.08"], ["judgment_debt", "462.92"]]
    updated = services.enforcement_record_update(
        actor=None, enforcement_record=record, version=record.version, allocation_order="statutory"
    )
    assert updated.allocation_order == "statutory"


def test_money_before_any_judgment_is_refused(personas):
    from loanlit.cases import services as cases
    from loanlit.cases.tests import factories

    _borrower, loan = factories.borrower_loan(personas.creditor, personas.beijing, name="Li Si", seq=9)
    case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
    )
    with pytest.raises(DomainError) as caught:
        services.court_payment_record(actor=None, case=case, received_on=dt.date(2025, 4, 30), amount=D("10.00"))
    assert caught.value.code == "no_judgment"
    assert not Recovery.objects.filter(case=case).exists()


def test_restrictions_are_for_debtors_with_dates_in_order(world, personas):
    record = apply(world)
    restriction = services.restriction_apply(
        actor=personas.case_handler,
        case=world.case,
        party=world.borrower,
        kind="dishonest_list",
        applied_on=dt.date(2025, 5, 6),
        proceeding=record.proceeding,
    )
    assert restriction.state == "applied"
    granted = services.restriction_update(
        actor=None,
        restriction=restriction,
        version=restriction.version,
        granted_on=dt.date(2025, 5, 20),
        removed_on=None,
    )
    assert granted.state == "granted"
    with pytest.raises(DomainError):
        services.restriction_update(
            actor=None,
            restriction=granted,
            version=granted.version,
            granted_on=dt.date(2025, 5, 20),
            removed_on=dt.date(2025, 5, 1),
        )
    with pytest.raises(DomainError):
        services.restriction_apply(
            actor=None, case=world.case, party=world.borrower, kind="dishonest_list", applied_on=dt.date(2025, 6, 1)
        )
    from loanlit.cases.tests import factories

    stranger = factories.party(personas.creditor, "Wang Wu")
    with pytest.raises(DomainError) as caught:
        services.restriction_apply(
            actor=None, case=world.case, party=stranger, kind="consumption_ban", applied_on=dt.date(2025, 6, 1)
        )
    assert caught.value.code == "party_not_debtor"
    assert DebtorRestriction.objects.count() == 1


def test_auctions_follow_the_ladder_and_a_settlement_in_kind_is_a_recovery(world):
    apply(world)
    flat = services.asset_add(
        actor=None,
        case=world.case,
        kind="real_estate",
        description="Flat",
        source="borrower_report",
        found_on=dt.date(2025, 4, 20),
    )

    def step(name, on, result, value, price=None):
        return services.auction_step_record(
            actor=None, case=world.case, asset=flat, step=name, held_on=on, result=result, value=D(value), price=price
        )

    with pytest.raises(DomainError):
        step("first_auction", dt.date(2025, 6, 1), "failed", "100000.00")  # no appraisal yet
    step("appraisal", dt.date(2025, 5, 10), "done", "120000.00")
    step("first_auction", dt.date(2025, 6, 1), "failed", "100000.00")
    with pytest.raises(DomainError) as caught:
        step("second_auction", dt.date(2025, 7, 1), "failed", "79999.99")  # more than 20% lower
    assert caught.value.code == "enforcement.reserve_below_floor"
    step("second_auction", dt.date(2025, 7, 1), "failed", "80000.00")
    in_kind = step("settlement_in_kind", dt.date(2025, 7, 15), "done", "80000.00")
    assert in_kind.recovery.source == "settlement_in_kind"
    assert in_kind.recovery.received_on == dt.date(2025, 7, 15)
    # 105 days of delay on 102,300.00 = 1,879.7625 → 1,879.76 of doubled interest; 80,000 all to the debt.
    assert in_kind.recovery.allocation["applied"] == [["judgment_debt", "80000.00"]]
    flat.refresh_from_db()
    assert flat.status == Asset.Status.DISPOSED
    assert list(AuctionStep.objects.values_list("step", flat=True)) == [
        "appraisal",
        "first_auction",
        "second_auction",
        "settlement_in_kind",
    ]


def test_a_settlement_is_paid_by_instalments_and_a_breach_resumes_enforcement(world, personas):
    record = apply(world)
    settlement = services.settlement_record(
        actor=None,
        case=world.case,
        proceeding=record.proceeding,
        agreed_on=dt.date(2025, 5, 1),
        instalments=[(dt.date(2025, 6, 1), D("30000.00")), (dt.date(2025, 7, 1), D("77300.00"))],
    )
    assert settlement.total == D("107300.00")
    first = settlement.instalments.get(seq=1)
    paid = services.settlement_instalment_pay(
        actor=None, instalment=first, version=settlement.version, paid_on=dt.date(2025, 6, 1)
    )
    assert (paid.recovery.amount, paid.recovery.source) == (D("30000.00"), "borrower_payment")
    settlement.refresh_from_db()
    breached = services.settlement_breach(
        actor=personas.case_handler,
        settlement=settlement,
        version=settlement.version,
        breached_on=dt.date(2025, 7, 10),
        resume=True,
        court=world.court,
        applied_on=dt.date(2025, 7, 20),
    )
    # Two years from the settlement's last performance day, 2025-07-01 (Settlement Provisions art. 10).
    assert (breached.status, breached.resume_by) == (EnforcementSettlement.Status.BREACHED, dt.date(2027, 7, 1))
    resumed = breached.resumed_proceeding
    assert (resumed.kind, resumed.follows_id) == ("resumed_enforcement", record.proceeding_id)
    assert EnforcementRecord.objects.get(proceeding=resumed).application_late is False


def test_distribution_claims_and_objections(world):
    record = apply(world)
    claim = services.distribution_claim_add(
        actor=None,
        case=world.case,
        applied_on=dt.date(2025, 6, 1),
        claimed=D("107300.00"),
        court=world.court,
        distributing_case_number="(2025)京0105执999号",
        proceeding=record.proceeding,
    )
    updated = services.distribution_claim_update(
        actor=None,
        claim=claim,
        version=claim.version,
        status="admitted",
        plan_on=dt.date(2025, 7, 1),
        allotted=D("12000.00"),
    )
    assert (updated.status, updated.allotted) == ("admitted", D("12000.00"))
    with pytest.raises(DomainError):
        services.distribution_claim_update(
            actor=None, claim=updated, version=updated.version, status="paid", plan_on=None, allotted=D("200000.00")
        )
    objection = services.enforcement_objection_open(
        actor=None,
        case=world.case,
        court=world.court,
        filed_on=dt.date(2025, 6, 5),
        court_case_number="(2025)京0105执异8号",
    )
    assert (objection.kind, objection.court_case_number) == ("enforcement_objection", "（2025）京0105执异8号")
    record.proceeding.refresh_from_db()
    assert record.proceeding.is_active is True  # the enforcement goes on


def test_an_asset_in_the_audit_shows_personal_data_only_masked(world):
    asset = deposit(world)
    entry = AuditEntry.objects.filter(action="asset.recorded", target_id=str(asset.pk)).get()
    assert "0202" not in str(entry.changes) and "1234" not in str(entry.changes)
    assert entry.changes["registration_no"] == asset.registration_no.as_audit()
    assert "0202" not in str(asset.registration_no)  # lists show the mask
    assert asset.registration_no.reveal() == "6222 0202 0000 1234"


def test_the_demo_service_builds_each_scenario(personas):
    from loanlit.enforcement.models import Measure, Termination, WriteOff

    for seq, scenario in enumerate(("seizure", "terminated", "written_off"), start=20):
        w = build_world(personas, seq=seq, name=f"Demo {seq}")
        built = services.enforcement_demo_build(
            actor=None, case=w.case, applied_on=dt.date(2025, 4, 15), scenario=scenario
        )
        assert built.record.proceeding.kind == Proceeding.Kind.ENFORCEMENT
    assert Measure.objects.count() == 4
    assert Termination.objects.count() == 2
    assert WriteOff.objects.count() == 1
