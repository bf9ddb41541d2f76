"""Measures: terms by asset type exact to the day, deadlines with the deadlines app, renewal, release, carry-over."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import CostEntry
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.deadlines.models import Deadline
from loanlit.enforcement import services
from loanlit.enforcement.models import Asset, Measure, MeasureRenewal, PreservationGuarantee

from .support import apply, build_world, deposit

pytestmark = pytest.mark.django_db
D = Decimal
K = Deadline.Kind


@pytest.fixture
def world(personas):
    return build_world(personas)


def _deadlines(measure: Measure) -> dict[str, tuple[dt.date, str]]:
    rows = Deadline.objects.filter(case=measure.case, source_key__startswith=f"measure:{measure.measure_key}:")
    return {row.kind: (row.due_on, row.status) for row in rows}


def test_the_judged_world_is_effective_with_the_performance_period_ending_on_31_march(world):
    assert (world.judgment.effective_on, world.judgment.performance_ends) == (
        dt.date(2025, 3, 21),
        dt.date(2025, 3, 31),
    )


@pytest.mark.smoke
def test_a_freeze_of_a_deposit_runs_one_year_and_files_its_expiry_and_renewal_with_the_deadlines_app(world, personas):
    asset = deposit(world)
    measure = services.measure_record(
        actor=personas.case_handler,
        case=world.case,
        asset=asset,
        kind="freeze",
        basis="preservation",
        started_on=dt.date(2025, 4, 10),
        court=world.court,
        court_case_number="(2025)京0105执保12号",
        ruling_no="(2025)京0105民初88号之一",
        proceeding=world.first,
        amount=D("8000.00"),
    )
    # 2025-04-10 + 12 months = Friday 2026-04-10; apply by Friday 2026-04-03 (Qingming is 4–6 April).
    assert (measure.term_months, measure.expires_on, measure.renewal_due_on) == (
        12,
        dt.date(2026, 4, 10),
        dt.date(2026, 4, 3),
    )
    assert measure.court_case_number == "（2025）京0105执保12号"
    assert _deadlines(measure) == {
        K.PRESERVATION_EXPIRY: (dt.date(2026, 4, 10), "open"),
        K.PRESERVATION_RENEWAL: (dt.date(2026, 4, 3), "open"),
    }
    renewal = Deadline.objects.get(case=world.case, kind=K.PRESERVATION_RENEWAL)
    assert renewal.responsible == personas.case_handler  # the handler gets the reminders
    assert MeasureRenewal.objects.filter(measure=measure, seq=0).count() == 1
    asset.refresh_from_db()
    assert asset.status == Asset.Status.VERIFIED
    assert AuditEntry.objects.filter(stream=f"case:{world.case.pk}", action="measure.recorded").count() == 1


@pytest.mark.parametrize(
    "kind, measure_kind, started_on, months, expires_on, renewal_due",
    [
        ("real_estate", "seizure", dt.date(2023, 10, 5), 36, dt.date(2026, 10, 8), dt.date(2026, 9, 28)),
        ("vehicle", "distraint", dt.date(2024, 2, 29), 24, dt.date(2026, 2, 28), dt.date(2026, 2, 14)),
        ("equity", "freeze", dt.date(2023, 1, 28), 36, dt.date(2026, 1, 28), dt.date(2026, 1, 21)),
        ("deposit", "freeze", dt.date(2024, 10, 1), 12, dt.date(2025, 10, 9), dt.date(2025, 9, 24)),
    ],
)
def test_terms_and_renewal_days_per_asset_type_are_exact_and_match_the_deadlines(
    world, kind, measure_kind, started_on, months, expires_on, renewal_due
):
    asset = services.asset_add(
        actor=None, case=world.case, kind=kind, description="Asset", source="own_investigation", found_on=started_on
    )
    measure = services.measure_record(
        actor=None, case=world.case, asset=asset, kind=measure_kind, basis="preservation", started_on=started_on
    )
    assert (measure.term_months, measure.expires_on, measure.renewal_due_on) == (months, expires_on, renewal_due)
    assert _deadlines(measure) == {
        K.PRESERVATION_EXPIRY: (expires_on, "open"),
        K.PRESERVATION_RENEWAL: (renewal_due, "open"),
    }


def test_an_expiry_stated_by_the_court_overrides_the_deadlines_with_the_reason(world):
    measure = services.measure_record(
        actor=None,
        case=world.case,
        asset=deposit(world),
        kind="freeze",
        basis="enforcement",
        started_on=dt.date(2025, 4, 10),
        stated_expiry=dt.date(2026, 4, 9),
    )
    assert (measure.expires_on, measure.renewal_due_on) == (dt.date(2026, 4, 9), dt.date(2026, 4, 2))
    rows = Deadline.objects.filter(case=world.case, source_key__startswith=f"measure:{measure.measure_key}:")
    assert {(r.kind, r.due_on, r.overridden) for r in rows} == {
        (K.PRESERVATION_EXPIRY, dt.date(2026, 4, 9), True),
        (K.PRESERVATION_RENEWAL, dt.date(2026, 4, 2), True),
    }


def test_a_pre_suit_preservation_also_gives_thirty_days_to_sue(world):
    measure = services.measure_record(
        actor=None,
        case=world.case,
        asset=deposit(world),
        kind="freeze",
        basis="pre_suit_preservation",
        started_on=dt.date(2025, 6, 10),
    )
    assert _deadlines(measure)[K.SUE_AFTER_PRESERVATION] == (dt.date(2025, 7, 10), "open")  # vectors P14


def test_a_deposit_cannot_be_seized_and_nothing_is_written(world):
    asset = deposit(world)
    before = (Measure.objects.count(), Deadline.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError):
        services.measure_record(
            actor=None,
            case=world.case,
            asset=asset,
            kind="seizure",
            basis="enforcement",
            started_on=dt.date(2025, 4, 10),
        )
    assert (Measure.objects.count(), Deadline.objects.count(), AuditEntry.objects.count()) == before


def test_a_case_number_of_the_wrong_kind_is_refused(world):
    with pytest.raises(DomainError) as caught:
        services.measure_record(
            actor=None,
            case=world.case,
            asset=deposit(world),
            kind="freeze",
            basis="enforcement",
            started_on=dt.date(2025, 4, 10),
            court_case_number="（2025）京0105民初88号",
        )
    assert caught.value.code == "case_number_kind"


def test_a_renewal_runs_on_from_the_old_expiry_and_moves_the_reminders(world, personas):
    measure = services.measure_record(
        actor=None,
        case=world.case,
        asset=deposit(world),
        kind="freeze",
        basis="enforcement",
        started_on=dt.date(2025, 4, 10),
    )
    first_key = measure.measure_key
    renewed = services.measure_renew(
        actor=personas.case_handler,
        measure=measure,
        version=measure.version,
        renewed_on=dt.date(2026, 4, 7),
        applied_on=dt.date(2026, 3, 30),
        ruling_no="(2025)京0105执1号之二",
    )
    # The renewed year runs from 2026-04-10: 2027-04-10 (a Saturday in a year without holiday data).
    assert (renewed.renewals, renewed.nominal_expires_on) == (1, dt.date(2027, 4, 10))
    assert renewed.confirmed is False
    old = Deadline.objects.filter(case=world.case, source_key__startswith=f"measure:{first_key}:")
    assert sorted(r.status for r in old) == ["done", "done"]
    assert _deadlines(renewed)[K.PRESERVATION_RENEWAL][1] == "open"
    term = MeasureRenewal.objects.get(measure=measure, seq=1)
    assert (term.starts_on, term.applied_on, term.renewed_on, term.applied_late) == (
        dt.date(2026, 4, 10),
        dt.date(2026, 3, 30),
        dt.date(2026, 4, 7),
        False,
    )


def test_an_expired_measure_cannot_be_renewed_and_nothing_is_written(world):
    measure = services.measure_record(
        actor=None,
        case=world.case,
        asset=deposit(world),
        kind="freeze",
        basis="enforcement",
        started_on=dt.date(2025, 4, 10),
    )
    before = (
        MeasureRenewal.objects.count(),
        Deadline.objects.filter(status="done").count(),
        AuditEntry.objects.count(),
    )
    with pytest.raises(DomainError) as caught:
        services.measure_renew(actor=None, measure=measure, version=measure.version, renewed_on=dt.date(2026, 4, 11))
    assert caught.value.code == "preservation.renewal_after_expiry"
    assert (
        MeasureRenewal.objects.count(),
        Deadline.objects.filter(status="done").count(),
        AuditEntry.objects.count(),
    ) == before
    measure.refresh_from_db()
    assert measure.renewals == 0


def test_a_stale_version_is_refused(world):
    measure = services.measure_record(
        actor=None,
        case=world.case,
        asset=deposit(world),
        kind="freeze",
        basis="enforcement",
        started_on=dt.date(2025, 4, 10),
    )
    with pytest.raises(StaleVersionError):
        services.measure_renew(actor=None, measure=measure, version=measure.version + 1, renewed_on=dt.date(2026, 4, 1))


def test_a_release_waives_the_deadlines(world):
    measure = services.measure_record(
        actor=None,
        case=world.case,
        asset=deposit(world),
        kind="freeze",
        basis="enforcement",
        started_on=dt.date(2025, 4, 10),
    )
    released = services.measure_release(
        actor=None, measure=measure, version=measure.version, released_on=dt.date(2025, 9, 1), reason="Paid in full"
    )
    assert (released.status, released.released_on) == ("released", dt.date(2025, 9, 1))
    assert {status for _due, status in _deadlines(released).values()} == {"waived"}
    with pytest.raises(DomainError):
        services.measure_release(
            actor=None, measure=released, version=released.version, released_on=dt.date(2025, 9, 2), reason="Again"
        )


def test_a_preservation_measure_carries_into_enforcement_and_its_term_keeps_running(world):
    measure = services.measure_record(
        actor=None,
        case=world.case,
        asset=deposit(world),
        kind="freeze",
        basis="preservation",
        started_on=dt.date(2025, 1, 20),
        proceeding=world.first,
    )
    dates = (measure.expires_on, measure.renewal_due_on, _deadlines(measure))
    record = apply(world)
    measure.refresh_from_db()
    assert (measure.enforcement_proceeding_id, measure.carried_on) == (record.proceeding_id, dt.date(2025, 4, 15))
    assert (measure.expires_on, measure.renewal_due_on, _deadlines(measure)) == dates  # nothing restarted
    assert dates[0] == dt.date(2026, 1, 20)


def test_the_preservation_guarantee_premium_is_a_cost_of_the_case(world, personas):
    guarantee = services.preservation_guarantee_record(
        actor=personas.case_handler,
        case=world.case,
        insurer="Example Property Insurance Co.",
        letter_no="BH-2025-0001",
        issued_on=dt.date(2025, 1, 15),
        guaranteed_amount=D("105000.00"),
        premium=D("157.50"),
        paid_on=dt.date(2025, 1, 15),
        proceeding=world.first,
    )
    cost = CostEntry.objects.get(pk=guarantee.cost_id)
    assert (cost.kind, cost.amount, cost.borne_by_defendant) == ("preservation_guarantee_premium", D("157.50"), False)
    assert PreservationGuarantee.objects.count() == 1


def test_an_outsider_can_record_nothing_and_nothing_is_written(world, personas):
    asset = deposit(world)
    before = (Asset.objects.count(), Measure.objects.count(), AuditEntry.objects.count())
    for user in (personas.outsider_branch, personas.outsider_creditor, personas.read_only):
        with pytest.raises(PermissionDeniedError):
            services.asset_add(
                actor=user,
                case=world.case,
                kind="deposit",
                description="x",
                source="other",
                found_on=dt.date(2025, 4, 1),
            )
        with pytest.raises(PermissionDeniedError):
            services.measure_record(
                actor=user,
                case=world.case,
                asset=asset,
                kind="freeze",
                basis="enforcement",
                started_on=dt.date(2025, 4, 10),
            )
    assert (Asset.objects.count(), Measure.objects.count(), AuditEntry.objects.count()) == before
