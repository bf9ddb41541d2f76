"""Assets, the measures on them (查封 / 冻结 / 扣押), renewals, releases and preservation guarantees."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.cases import services as cases
from loanlit.cases.models import Case, CostEntry, Court, Proceeding
from loanlit.core.errors import DomainError
from loanlit.core.fields.kinds import PersonalDataError
from loanlit.enforcement.models import Asset, Measure, MeasureRenewal, PreservationGuarantee
from loanlit.enforcement.services import _deadlines
from loanlit.enforcement.services._common import (
    apply_changes,
    bump,
    check_proceeding,
    clean_text,
    law_calendar,
    law_error,
    lock_versioned,
    money_str,
    not_in_future,
    optional_amount,
    record,
    require_amount,
    require_case_write,
)
from loanlit.law import caseno, preservation
from loanlit.law.money import LawInputError
from loanlit.parties.models import Party

# The case types a measure's own case number may have (Case Number Provisions, 法〔2015〕137号).
MEASURE_CASE_TYPES: Final = frozenset(
    {"property_preservation", "enforcement_preservation", "enforcement", "enforcement_resumed"}
)
PRESERVATION_KINDS: Final = frozenset({Proceeding.Kind.PRESERVATION, Proceeding.Kind.FIRST_INSTANCE})
ENFORCEMENT_KINDS: Final = frozenset(
    {Proceeding.Kind.ENFORCEMENT, Proceeding.Kind.RESUMED_ENFORCEMENT, Proceeding.Kind.NOTARISED_ENFORCEMENT}
)


def _owner(case: Case, owner: Party | None) -> Party | None:
    if owner is not None and owner.creditor_id != case.creditor_id:
        raise DomainError(_("This party belongs to another creditor."), code="party_other_creditor")
    return owner


def _set_personal(row: Asset, name: str, value: str) -> None:
    try:
        setattr(row, name, (value or "").strip())
    except PersonalDataError as error:
        raise DomainError(str(error.message), code=error.code) from None


@transaction.atomic
def asset_add(
    *,
    actor: Any,
    case: Case,
    kind: str,
    description: str,
    source: str,
    found_on: date,
    owner: Party | None = None,
    registration_no: str = "",
    location: str = "",
    estimated_value: Decimal | None = None,
    note: str = "",
) -> Asset:
    """Record an asset lead of a debtor (财产线索)."""
    case = require_case_write(actor, case)
    if kind not in Asset.Kind.values:
        raise DomainError(_("Choose the kind of asset."), code="invalid_kind")
    if source not in Asset.Source.values:
        raise DomainError(_("Choose where the lead comes from."), code="invalid_source")
    description = clean_text(description, 200)
    if not description:
        raise DomainError(_("Describe the asset."), code="description_required")
    asset = Asset(
        case=case,
        owner=_owner(case, owner),
        kind=kind,
        description=description,
        source=source,
        found_on=not_in_future(found_on, _("The date the lead was found")),
        currency=case.claim_currency,
        estimated_value=optional_amount(estimated_value),
        note=clean_text(note, 300),
        created_by=actor,
    )
    _set_personal(asset, "registration_no", registration_no)
    _set_personal(asset, "location", location)
    asset.save()
    record(
        actor=actor,
        case_id=case.pk,
        action="asset.recorded",
        target=asset,
        changes={
            "kind": kind,
            "description": description,
            "owner": owner.pk if owner else None,
            "source": source,
            "found_on": found_on,
            "estimated_value": money_str(asset.estimated_value),
            "registration_no": asset.registration_no.as_audit() if asset.registration_no else None,
            "location": asset.location.as_audit() if asset.location else None,
        },
    )
    return asset


@transaction.atomic
def asset_update(
    *,
    actor: Any,
    asset: Asset,
    version: int,
    description: str,
    status: str,
    estimated_value: Decimal | None,
    note: str = "",
) -> Asset:
    """Correct an asset's description, value, status (verified, disposed of …) and note."""
    require_case_write(actor, asset.case)
    row = lock_versioned(Asset, asset.pk, version)
    if status not in Asset.Status.values:
        raise DomainError(_("Choose the status of the asset."), code="invalid_status")
    description = clean_text(description, 200)
    if not description:
        raise DomainError(_("Describe the asset."), code="description_required")
    wanted = {
        "description": description,
        "status": status,
        "estimated_value": optional_amount(estimated_value),
        "note": clean_text(note, 300),
    }
    changes = apply_changes(row, wanted, money=("estimated_value",))
    if not changes:
        return row
    bump(row, *changes)
    record(actor=actor, case_id=row.case_id, action="asset.updated", target=row, changes=changes)
    return row


def parse_measure_case_number(raw: str, *, court: Court | None) -> str:
    """Validate the preservation or enforcement case number of a measure (财保 / 执保 / 执 / 执恢)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = caseno.parse_case_number(raw)
    except LawInputError as error:
        raise DomainError(
            _("The court case number “%(value)s” is not valid: %(reason)s")
            % {"value": raw, "reason": law_error(error).message},
            code="invalid_case_number",
        ) from None
    if number.type_key not in MEASURE_CASE_TYPES:
        raise DomainError(
            _("“%(value)s” is not the number of a preservation or enforcement case.") % {"value": raw},
            code="case_number_kind",
        )
    if court is not None and court.caseno_code and not number.legacy and number.court != court.caseno_code:
        raise DomainError(
            _("The court case number “%(value)s” belongs to another court than %(court)s.")
            % {"value": raw, "court": court.name},
            code="case_number_court",
        )
    return number.normalized


def _term_json(term: preservation.MeasureTerm) -> list[dict[str, Any]]:
    return [msg.as_json() for msg in term.explanation]


def _term_row(
    measure: Measure, seq: int, term: preservation.MeasureTerm, *, actor: Any, **extra: Any
) -> MeasureRenewal:
    return MeasureRenewal.objects.create(
        measure=measure,
        seq=seq,
        starts_on=term.start,
        term_months=term.term_months,
        nominal_expires_on=term.nominal_expiry,
        expires_on=term.expiry,
        renewal_due_on=term.renewal_due,
        stated_expiry=term.stated,
        applied_late=term.applied_late,
        recorded_by=actor,
        **extra,
    )


def _apply_term(measure: Measure, term: preservation.MeasureTerm) -> None:
    measure.term_months = term.term_months
    measure.nominal_expires_on = term.nominal_expiry
    measure.expires_on = term.expiry
    measure.renewal_due_on = term.renewal_due
    measure.stated_expiry = term.stated
    measure.confirmed = term.confirmed
    measure.explanation = _term_json(term)


@transaction.atomic
def measure_record(
    *,
    actor: Any,
    case: Case,
    asset: Asset,
    kind: str,
    basis: str,
    started_on: date,
    court: Court | None = None,
    court_case_number: str = "",
    ruling_no: str = "",
    proceeding: Proceeding | None = None,
    term_months: int | None = None,
    stated_expiry: date | None = None,
    rank: str = Measure.Rank.FIRST,
    rank_position: int | None = None,
    amount: Decimal | None = None,
) -> Measure:
    """A seizure, freeze or distraint took effect: its term by law per asset type, its expiry and renewal
    deadlines filed with the deadlines app (reminders to the case's handler)."""
    case = require_case_write(actor, case)
    if asset.case_id != case.pk:
        raise DomainError(_("The asset belongs to another case."), code="asset_other_case")
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    if basis not in Measure.Basis.values:
        raise DomainError(_("Choose the basis of the measure."), code="invalid_basis")
    if rank not in Measure.Rank.values:
        raise DomainError(_("Choose first or waiting seizure."), code="invalid_rank")
    if rank == Measure.Rank.FIRST and rank_position:
        raise DomainError(_("Only a waiting seizure has a position in the waiting list."), code="invalid_rank")
    check_proceeding(case, proceeding)
    not_in_future(started_on, _("The date the measure took effect"))
    try:
        preservation.check_measure_kind(asset.kind, kind)
        term = preservation.measure_term(
            asset.kind, started_on, calendar=law_calendar(), term_months=term_months, stated_expiry=stated_expiry
        )
    except LawInputError as error:
        raise law_error(error) from None
    number = parse_measure_case_number(court_case_number, court=court)
    measure = Measure(
        case=case,
        asset=asset,
        kind=kind,
        basis=basis,
        proceeding=proceeding,
        court=court,
        ruling_no=clean_text(ruling_no, 100),
        court_case_number=number,
        started_on=started_on,
        rank=rank,
        rank_position=rank_position if rank == Measure.Rank.WAITING else None,
        currency=case.claim_currency,
        amount=optional_amount(amount),
        unit_path=case.unit_path,
        creditor=case.creditor,
        created_by=actor,
    )
    _apply_term(measure, term)
    if basis == Measure.Basis.ENFORCEMENT and proceeding is not None and proceeding.kind in ENFORCEMENT_KINDS:
        measure.enforcement_proceeding, measure.carried_on = proceeding, None
    measure.save()
    _term_row(measure, 0, term, actor=actor, ruling_no=measure.ruling_no)
    if asset.status == Asset.Status.LEAD:
        asset.status = Asset.Status.VERIFIED
        bump(asset, "status")
    record(
        actor=actor,
        case_id=case.pk,
        action="measure.recorded",
        target=measure,
        changes={
            "asset": asset.pk,
            "kind": kind,
            "basis": basis,
            "started_on": started_on,
            "term_months": term.term_months,
            "expires_on": term.expiry,
            "renewal_due_on": term.renewal_due,
            "stated_expiry": term.stated,
            "court_case_number": number,
            "ruling_no": measure.ruling_no,
            "rank": rank,
            "rank_position": measure.rank_position,
            "amount": money_str(measure.amount),
        },
    )
    _deadlines.term_deadlines_create(actor=actor, measure=measure, term=term, first=True)
    return measure


@transaction.atomic
def measure_renew(
    *,
    actor: Any,
    measure: Measure,
    version: int,
    renewed_on: date,
    applied_on: date | None = None,
    term_months: int | None = None,
    stated_expiry: date | None = None,
    ruling_no: str = "",
) -> Measure:
    """The court renewed the measure (续行) before it expired: a new term runs on from the old expiry."""
    require_case_write(actor, measure.case)
    row = lock_versioned(Measure, measure.pk, version)
    if row.status != Measure.Status.ACTIVE:
        raise DomainError(_("This measure was released."), code="measure_released")
    not_in_future(renewed_on, _("The renewal date"))
    try:
        term = preservation.renewal_term(
            row.asset.kind,
            previous_nominal_expiry=row.nominal_expires_on,
            previous_expiry=row.expires_on,
            previous_renewal_due=row.renewal_due_on,
            renewed_on=renewed_on,
            applied_on=applied_on,
            calendar=law_calendar(),
            term_months=term_months,
            stated_expiry=stated_expiry,
        )
    except LawInputError as error:
        raise law_error(error) from None
    old_key, before = row.measure_key, (row.expires_on, row.renewal_due_on)
    _deadlines.term_deadlines_close(actor=actor, measure=row, key=old_key, renewed=True, note=_("Renewed"))
    row.renewals += 1
    _apply_term(row, term)
    bump(
        row,
        "renewals",
        "term_months",
        "nominal_expires_on",
        "expires_on",
        "renewal_due_on",
        "stated_expiry",
        "confirmed",
        "explanation",
    )
    _term_row(
        row,
        row.renewals,
        term,
        actor=actor,
        applied_on=applied_on,
        renewed_on=renewed_on,
        ruling_no=clean_text(ruling_no, 100),
    )
    record(
        actor=actor,
        case_id=row.case_id,
        action="measure.renewed",
        target=row,
        changes={
            "renewal": row.renewals,
            "renewed_on": renewed_on,
            "applied_on": applied_on,
            "applied_late": term.applied_late,
            "expires_on": [before[0], term.expiry],
            "renewal_due_on": [before[1], term.renewal_due],
            "term_months": term.term_months,
        },
    )
    _deadlines.term_deadlines_create(actor=actor, measure=row, term=term, first=False)
    return row


@transaction.atomic
def measure_release(*, actor: Any, measure: Measure, version: int, released_on: date, reason: str) -> Measure:
    """The measure was lifted (解封 / 解冻): its deadlines are waived with the reason."""
    require_case_write(actor, measure.case)
    row = lock_versioned(Measure, measure.pk, version)
    if row.status != Measure.Status.ACTIVE:
        raise DomainError(_("This measure was released."), code="measure_released")
    reason = clean_text(reason, 300)
    if not reason:
        raise DomainError(_("Give the reason for the release."), code="reason_required")
    not_in_future(released_on, _("The release date"))
    if released_on < row.started_on:
        raise DomainError(_("A measure cannot be released before it took effect."), code="invalid_dates")
    row.status, row.released_on, row.release_reason = Measure.Status.RELEASED, released_on, reason
    bump(row, "status", "released_on", "release_reason")
    _deadlines.term_deadlines_close(actor=actor, measure=row, key=row.measure_key, renewed=False, note=reason)
    record(
        actor=actor,
        case_id=row.case_id,
        action="measure.released",
        target=row,
        changes={"status": [Measure.Status.ACTIVE, row.status], "released_on": released_on, "reason": reason},
    )
    return row


@transaction.atomic
def measures_carry_into_enforcement(*, actor: Any, case_id: int, proceeding_id: int, carried_on: date) -> int:
    """Preservation measures in force turn into the enforcement's measures (CPL Interpretation art. 168): the
    term keeps running, nothing is recomputed. Called when an enforcement proceeding is opened."""
    rows = list(
        Measure.objects.select_for_update()
        .filter(case_id=case_id, status=Measure.Status.ACTIVE, enforcement_proceeding__isnull=True)
        .exclude(basis=Measure.Basis.ENFORCEMENT)
        .order_by("pk")
    )
    for row in rows:
        row.enforcement_proceeding_id, row.carried_on = proceeding_id, carried_on
        bump(row, "enforcement_proceeding", "carried_on")
        record(
            actor=actor,
            case_id=case_id,
            action="measure.carried_into_enforcement",
            target=row,
            changes={"enforcement_proceeding": proceeding_id, "carried_on": carried_on, "expires_on": row.expires_on},
        )
    return len(rows)


@transaction.atomic
def preservation_guarantee_record(
    *,
    actor: Any,
    case: Case,
    insurer: str,
    letter_no: str,
    issued_on: date,
    guaranteed_amount: Decimal,
    premium: Decimal,
    paid_on: date,
    proceeding: Proceeding | None = None,
) -> PreservationGuarantee:
    """An insurer's letter of guarantee for preservation; the premium goes to the case's cost ledger."""
    case = require_case_write(actor, case)
    check_proceeding(case, proceeding)
    insurer, letter_no = clean_text(insurer, 200), clean_text(letter_no, 100)
    if not insurer or not letter_no:
        raise DomainError(_("Enter the insurer and the number of the letter of guarantee."), code="required")
    amount = require_amount(guaranteed_amount)
    not_in_future(issued_on, _("The date of the letter"))
    cost = cases.cost_record(
        actor=actor,
        case=case,
        kind=CostEntry.Kind.PRESERVATION_GUARANTEE_PREMIUM,
        amount=require_amount(premium),
        paid_on=not_in_future(paid_on, _("The payment date")),
        payer=CostEntry.Payer.CREDITOR,
        borne_by_defendant=False,
        proceeding=proceeding,
        note=letter_no,
    )
    guarantee = PreservationGuarantee.objects.create(
        case=case,
        proceeding=proceeding,
        insurer=insurer,
        letter_no=letter_no,
        issued_on=issued_on,
        currency=case.claim_currency,
        guaranteed_amount=amount,
        cost=cost,
        recorded_by=actor,
    )
    record(
        actor=actor,
        case_id=case.pk,
        action="preservation_guarantee.recorded",
        target=guarantee,
        changes={
            "insurer": insurer,
            "letter_no": letter_no,
            "issued_on": issued_on,
            "guaranteed_amount": money_str(amount),
            "premium": money_str(cost.amount),
            "cost": cost.pk,
        },
    )
    return guarantee
