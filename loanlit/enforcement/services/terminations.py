"""终本 (enforcement terminated for now), the pool's periodic review and 恢复执行 (resumed enforcement)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Final

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.cases import ledger as case_ledger
from loanlit.cases import services as cases
from loanlit.cases.models import CaseStage, Court, Proceeding
from loanlit.core.errors import DomainError
from loanlit.enforcement.models import Asset, AssetSearch, EnforcementRecord, FollowUp, Termination
from loanlit.enforcement.services._common import (
    bump,
    clean_text,
    law_error,
    lock_versioned,
    not_in_future,
    record,
    require_case_write,
    today,
)
from loanlit.enforcement.services.enforcement import (
    ENFORCEMENT_KINDS,
    _open_enforcement,
    asset_search_record,
    ledger_order_value,
    move_stage,
)
from loanlit.law import enforcement as law
from loanlit.law.money import LawInputError

NOTIFY_REVIEW: Final = "enforcement.review_due"
NOTIFY_CHANGE_OF_PARTY: Final = "enforcement.change_of_party"
SUPPORTING_RESULTS: Final = frozenset({AssetSearch.Result.NOTHING, AssetSearch.Result.INSUFFICIENT})


def _review_months(months: int) -> int:
    try:
        law.next_review_on(date(2000, 1, 1), months=months)
    except LawInputError as error:
        raise law_error(error) from None
    return months


@transaction.atomic
def enforcement_terminate_for_now(
    *,
    actor: Any,
    proceeding: Proceeding,
    version: int,
    terminated_on: date,
    ruling_no: str,
    asset_search: AssetSearch,
    review_months: int = law.DEFAULT_REVIEW_MONTHS,
) -> Termination:
    """The court terminated this round of enforcement (终本): the proceeding ends with that result, the
    case joins the 终本 pool (the debt survives) and is reviewed every ``review_months``."""
    case = require_case_write(actor, proceeding.case)
    if proceeding.kind not in ENFORCEMENT_KINDS:
        raise DomainError(_("Only an enforcement can be terminated for now."), code="proceeding_kind")
    if Termination.objects.filter(proceeding=proceeding).exists() or proceeding.result:
        raise DomainError(_("This enforcement already has a result."), code="result_exists")
    if asset_search.case_id != case.pk:
        raise DomainError(_("The asset search belongs to another case."), code="search_other_case")
    if asset_search.result not in SUPPORTING_RESULTS:
        raise DomainError(
            _("A search that found assets to pay the debt does not support terminating enforcement."),
            code="search_found_assets",
        )
    ruling_no = clean_text(ruling_no, 100)
    if not ruling_no:
        raise DomainError(_("Enter the number of the ruling."), code="ruling_required")
    not_in_future(terminated_on, _("The date of the ruling"))
    if asset_search.searched_on > terminated_on:
        raise DomainError(_("The supporting search must precede the ruling."), code="invalid_dates")
    months = _review_months(review_months)
    proceeding = cases.proceeding_record_result(
        actor=actor,
        proceeding=proceeding,
        result=Proceeding.Result.TERMINATED_FOR_NOW,
        result_on=terminated_on,
        version=version,
        close=True,
    )
    row = Termination.objects.create(
        case=case,
        proceeding=proceeding,
        terminated_on=terminated_on,
        ruling_no=ruling_no,
        asset_search=asset_search,
        review_months=months,
        next_review_on=law.next_review_on(terminated_on, months=months),
        unit_path=case.unit_path,
        creditor=case.creditor,
    )
    moved = move_stage(actor=actor, case=case, target=CaseStage.TERMINATED_ENFORCEMENT)
    record(
        actor=actor,
        case_id=case.pk,
        action="enforcement.terminated_for_now",
        target=row,
        changes={
            "proceeding": proceeding.pk,
            "terminated_on": terminated_on,
            "ruling_no": ruling_no,
            "asset_search": asset_search.pk,
            "next_review_on": row.next_review_on,
            "stage_moved": moved,
        },
    )
    return row


def _review_key(termination: Termination) -> str:
    return f"review:t{termination.pk}:{termination.next_review_on.isoformat()}"


@transaction.atomic
def termination_reviews_due(*, day: date | None = None) -> list[FollowUp]:
    """The periodic job: a review follow-up for every case in the 终本 pool whose review is due, once per
    review date, with an in-app notice to the case's handler (internal number and date only, rule 11)."""
    from loanlit.notifications.services import notify

    day = day or today()
    # Locking the due rows serialises two runs (the scheduler's lease already prevents them): the second
    # finds the first one's follow-ups and neither creates nor notifies twice.
    due_ids = list(
        Termination.objects.select_for_update()
        .filter(status=Termination.Status.IN_POOL, next_review_on__lte=day)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    due = list(Termination.objects.filter(pk__in=due_ids).select_related("case", "case__handler").order_by("pk"))
    if not due:
        return []
    keys = {_review_key(t): t for t in due}
    existing = set(FollowUp.objects.filter(source_key__in=list(keys)).values_list("source_key", flat=True))
    created = [
        FollowUp(
            case=t.case,
            kind=FollowUp.Kind.TERMINATION_REVIEW,
            source_key=key,
            termination=t,
            due_on=t.next_review_on,
            assigned_to=t.case.handler,
        )
        for key, t in keys.items()
        if key not in existing
    ]
    # ignore_conflicts: a second scheduler racing on the same day adds nothing (the source key is unique).
    FollowUp.objects.bulk_create(created, ignore_conflicts=True)
    rows = list(FollowUp.objects.filter(source_key__in=[f.source_key for f in created]).select_related("case"))
    for row in rows:
        record(
            actor=None,
            case_id=row.case_id,
            action="enforcement.review_due",
            target=row,
            changes={"termination": row.termination_id, "due_on": row.due_on},
        )
        if row.assigned_to_id is not None:
            notify(
                recipients=[row.assigned_to],  # type: ignore[list-item]
                code=NOTIFY_REVIEW,
                title=_("Review due: %(case)s") % {"case": row.case.internal_no},
                body=_("The case terminated for now is due for a new asset search on %(date)s.")
                % {"date": row.due_on.isoformat()},
                link=reverse("enforcement:case", args=[row.case_id]) + f"#follow-up-{row.pk}",
                target=row,
            )
    return rows


@transaction.atomic
def termination_review_record(
    *,
    actor: Any,
    follow_up: FollowUp,
    version: int,
    reviewed_on: date,
    channel: str,
    result: str,
    note: str = "",
) -> AssetSearch:
    """The review of a 终本 case was done: its asset search is recorded, the follow-up closed and the next
    review set ``review_months`` later. A search that found assets is the lead to resume enforcement."""
    case = require_case_write(actor, follow_up.case)
    row = lock_versioned(FollowUp, follow_up.pk, version)
    if row.kind != FollowUp.Kind.TERMINATION_REVIEW or row.termination_id is None:
        raise DomainError(_("This follow-up is not a review."), code="not_a_review")
    if row.status != FollowUp.Status.OPEN:
        raise DomainError(_("This follow-up is already closed."), code="closed")
    termination = Termination.objects.select_for_update().get(pk=row.termination_id)
    if reviewed_on < termination.terminated_on:
        raise DomainError(_("A review cannot precede the termination."), code="invalid_dates")
    search = asset_search_record(
        actor=actor,
        case=case,
        searched_on=reviewed_on,
        channel=channel,
        result=result,
        note=note,
        proceeding=termination.proceeding,
    )
    row.status, row.done_on, row.done_by = FollowUp.Status.DONE, reviewed_on, actor
    row.note = clean_text(note, 300)
    bump(row, "status", "done_on", "done_by", "note")
    before = termination.next_review_on
    termination.last_reviewed_on = reviewed_on
    termination.next_review_on = law.next_review_on(reviewed_on, months=termination.review_months)
    bump(termination, "last_reviewed_on", "next_review_on")
    record(
        actor=actor,
        case_id=case.pk,
        action="enforcement.reviewed",
        target=termination,
        changes={
            "follow_up": row.pk,
            "reviewed_on": reviewed_on,
            "result": result,
            "next_review_on": [before, termination.next_review_on],
        },
    )
    return search


@transaction.atomic
def enforcement_resume(
    *,
    actor: Any,
    termination: Termination,
    version: int,
    applied_on: date,
    court: Court,
    lead: Asset,
    court_case_number: str = "",
) -> EnforcementRecord:
    """恢复执行: a new lead after 终本 opens a resumed-enforcement proceeding (执恢). No period limits the
    application (CPL Interpretation art. 517). The case leaves the pool; its open reviews are cancelled."""
    case = require_case_write(actor, termination.case)
    row = lock_versioned(Termination, termination.pk, version)
    if row.status != Termination.Status.IN_POOL:
        raise DomainError(_("Enforcement was already resumed."), code="already_resumed")
    if lead.case_id != case.pk:
        raise DomainError(_("The asset belongs to another case."), code="asset_other_case")
    if lead.status in (Asset.Status.DISPOSED, Asset.Status.NO_VALUE):
        raise DomainError(_("Choose an asset that can still pay the debt."), code="lead_exhausted")
    not_in_future(applied_on, _("The application date"))
    if applied_on < row.terminated_on:
        raise DomainError(_("Enforcement cannot resume before it was terminated."), code="invalid_dates")
    terminated = Proceeding.objects.get(pk=row.proceeding_id)
    proceeding = _open_enforcement(
        actor=actor,
        case=case,
        kind=Proceeding.Kind.RESUMED_ENFORCEMENT,
        court=court,
        applied_on=applied_on,
        follows=terminated,
        court_case_number=court_case_number,
        accepted_on=None,
    )
    enforcement = EnforcementRecord.objects.create(
        proceeding=proceeding,
        case=case,
        judgment=case_ledger.latest_judgment(case),
        applied_on=applied_on,
        allocation_order=ledger_order_value(case),
    )
    row.status, row.resumed_proceeding = Termination.Status.RESUMED, proceeding
    bump(row, "status", "resumed_proceeding")
    cancelled = FollowUp.objects.filter(termination=row, status=FollowUp.Status.OPEN)
    cancelled_ids = list(cancelled.values_list("pk", flat=True))
    cancelled.update(status=FollowUp.Status.CANCELLED, updated_at=timezone.now())
    moved = move_stage(actor=actor, case=case, target=CaseStage.ENFORCEMENT)
    record(
        actor=actor,
        case_id=case.pk,
        action="enforcement.resumed",
        target=enforcement,
        changes={
            "termination": row.pk,
            "proceeding": proceeding.pk,
            "applied_on": applied_on,
            "lead": lead.pk,
            "cancelled_follow_ups": cancelled_ids,
            "stage_moved": moved,
        },
    )
    return enforcement


@transaction.atomic
def follow_up_close(*, actor: Any, follow_up: FollowUp, version: int, note: str = "") -> FollowUp:
    """Mark a follow-up done (the plaintiff or applicant was changed, say); a review is closed by recording it."""
    require_case_write(actor, follow_up.case)
    row = lock_versioned(FollowUp, follow_up.pk, version)
    if row.kind == FollowUp.Kind.TERMINATION_REVIEW:
        raise DomainError(_("Record the review's asset search to close it."), code="review_needs_search")
    if row.status != FollowUp.Status.OPEN:
        raise DomainError(_("This follow-up is already closed."), code="closed")
    row.status, row.done_on, row.done_by, row.note = FollowUp.Status.DONE, today(), actor, clean_text(note, 300)
    bump(row, "status", "done_on", "done_by", "note")
    record(
        actor=actor,
        case_id=row.case_id,
        action="follow_up.done",
        target=row,
        changes={"kind": row.kind, "status": [FollowUp.Status.OPEN, row.status], "note": row.note},
    )
    return row


def change_of_party_due(agreed_on: date) -> date:
    """When the change of plaintiff or applicant should be filed: within 30 days of the transfer [practice]."""
    return max(agreed_on, today()) + timedelta(days=30)


__all__ = [
    "NOTIFY_CHANGE_OF_PARTY",
    "NOTIFY_REVIEW",
    "change_of_party_due",
    "enforcement_resume",
    "enforcement_terminate_for_now",
    "follow_up_close",
    "termination_review_record",
    "termination_reviews_due",
]
