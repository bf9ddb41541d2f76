"""Writes of the batches app (DESIGN rule 1): keyword-only, atomic, audited on the batch's stream.

* ``batch_create`` — a batch of the actor's unit for one of the actor's creditors.
* ``batch_add_items`` — cases and loans (not yet sued) into the batch; every one must be a candidate
  the actor may select (``access.selectable_cases`` / ``selectable_loans``), else nothing is added.
* ``batch_screen`` — screening (``screening.screen``) of every item, reasons stored.
* ``item_choose_court`` — the court for an item the rules could not decide (then screened again).
* Filing packs and court packages: ``services.packs``; the court's returned list:
  ``services.writeback``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.batches import access as batch_access
from loanlit.batches import screening
from loanlit.batches.models import Batch, BatchItem
from loanlit.cases.models import Case, Court
from loanlit.cases.services.proceedings import law_calendar
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.models import Creditor
from loanlit.loans.models import LoanContract

__all__ = [
    "batch_add_items",
    "batch_create",
    "batch_item_remove",
    "batch_open_cases",
    "batch_screen",
    "batch_stream",
    "item_choose_court",
]

ZERO = Decimal("0.00")


def batch_stream(batch: Batch) -> str:
    return audit.stream_key("batch", batch.pk)


def require_run(actor: Any) -> None:
    if actor is not None and not batch_access.may_run_batches(actor):
        raise PermissionDeniedError(_("You may not run batch litigation."), code="permission_denied")


def require_batch(actor: Any, batch: Batch) -> None:
    require_run(actor)
    if actor is not None and not batch_access.batches_visible_to(actor).filter(pk=batch.pk).exists():
        raise PermissionDeniedError(_("You may not change this batch."), code="permission_denied")


def lock_batch(pk: int, *, expected_version: int | None = None) -> Batch:
    batch = Batch.objects.select_for_update().get(pk=pk)
    if expected_version is not None and batch.version != expected_version:
        from loanlit.core.errors import StaleVersionError

        raise StaleVersionError(_("Someone else changed this batch: reload the page."), code="stale")
    return batch


@transaction.atomic
def batch_create(*, actor: Any, name: str, creditor: Creditor, filing_on: date, min_claim: Decimal = ZERO) -> Batch:
    """A new batch of the actor's unit. ``min_claim``: claims below it are screened out."""
    require_run(actor)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the batch a name."), code="name_required")
    if actor is not None and creditor.pk not in creditor_ids_for(actor):
        raise PermissionDeniedError(_("You do not work for this creditor."), code="permission_denied")
    unit = getattr(actor, "unit", None)
    if unit is None:
        raise DomainError(_("Your user account has no unit: a batch belongs to a unit."), code="no_unit")
    if not isinstance(min_claim, Decimal) or min_claim < ZERO:
        raise DomainError(_("The minimum claim must be an amount of zero or more."), code="invalid_amount")
    batch = Batch.objects.create(
        name=name,
        creditor=creditor,
        unit=unit,
        unit_path=unit.path,
        filing_on=filing_on,
        min_claim=min_claim,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action="batch.created",
        target=batch,
        stream=batch_stream(batch),
        changes={"name": name, "creditor": creditor.pk, "filing_on": filing_on, "min_claim": f"{min_claim:.2f}"},
    )
    return batch


@transaction.atomic
def batch_add_items(
    *, actor: Any, batch: Batch, cases: Sequence[Case] = (), loans: Sequence[LoanContract] = ()
) -> list[BatchItem]:
    """Add cases and loans; one that is not a candidate for the actor refuses the whole call."""
    require_batch(actor, batch)
    batch = lock_batch(batch.pk)
    case_ids = sorted({case.pk for case in cases})
    loan_ids = sorted({loan.pk for loan in loans})
    if actor is not None:
        allowed_cases = set(
            batch_access.selectable_cases(actor, batch).filter(pk__in=case_ids).values_list("pk", flat=True)
        )
        allowed_loans = set(
            batch_access.selectable_loans(actor, batch).filter(pk__in=loan_ids).values_list("pk", flat=True)
        )
        if allowed_cases != set(case_ids) or allowed_loans != set(loan_ids):
            raise PermissionDeniedError(
                _("Some of the chosen cases or loans cannot be added to this batch."), code="not_candidate"
            )
    existing_cases = set(batch.items.filter(case_id__in=case_ids).values_list("case_id", flat=True))
    existing_loans = set(batch.items.filter(loan_id__in=loan_ids).values_list("loan_id", flat=True))
    rows = [BatchItem(batch=batch, case_id=pk) for pk in case_ids if pk not in existing_cases]
    rows += [BatchItem(batch=batch, loan_id=pk) for pk in loan_ids if pk not in existing_loans]
    created = BatchItem.objects.bulk_create(rows)
    if created:
        batch.state = Batch.State.DRAFT
        batch.version += 1
        batch.save(update_fields=["state", "version", "updated_at"])
        audit.record(
            actor=actor,
            action="batch.items_added",
            target=batch,
            stream=batch_stream(batch),
            changes={
                "cases": [row.case_id for row in rows if row.case_id],
                "loans": [row.loan_id for row in rows if row.loan_id],
            },
        )
    return created


@transaction.atomic
def batch_open_cases(*, actor: Any, batch: Batch, cause_of_action: str) -> list[Case]:
    """Open a case for every loan item without one (``cases.cases_open_batch``: one home, bulk-shaped),
    handled by the loan's originating unit; the items then screen as cases."""
    from loanlit.cases.services import CaseOpenInput, cases_open_batch

    require_batch(actor, batch)
    batch = lock_batch(batch.pk)
    items = list(batch.items.filter(case__isnull=True).select_related("loan__unit").order_by("pk"))
    if not items:
        return []
    rows = [
        CaseOpenInput(
            creditor=batch.creditor,
            handling_unit=item.loan.unit,
            cause_of_action=cause_of_action,
            loans=(item.loan,),
            handler=actor if getattr(actor, "pk", None) else None,
        )
        for item in items
        if item.loan is not None
    ]
    opened = cases_open_batch(actor=actor, rows=rows)
    for item, case in zip(items, opened, strict=True):
        item.case = case
        item.status = BatchItem.Status.PENDING
        item.save(update_fields=["case", "status"])
    audit.record(
        actor=actor,
        action="batch.cases_opened",
        target=batch,
        stream=batch_stream(batch),
        changes={"cases": [case.pk for case in opened], "cause_of_action": cause_of_action},
    )
    return opened


@transaction.atomic
def batch_item_remove(*, actor: Any, item: BatchItem) -> None:
    require_batch(actor, item.batch)
    lock_batch(item.batch_id)
    if item.court_case_number:
        raise DomainError(_("This item has been filed: it stays in the batch."), code="filed")
    audit.record(
        actor=actor,
        action="batch.item_removed",
        target=item.batch,
        stream=batch_stream(item.batch),
        changes={"item": item.pk, "case": item.case_id, "loan": item.loan_id},
    )
    item.delete()


def _apply(item: BatchItem, result: screening.Screened) -> list[str]:
    item.status = result.status
    item.reasons = result.reasons
    item.excluded_parties = result.excluded_parties
    item.claim_amount = result.claim_amount
    item.court = result.court
    item.court_basis = result.court_basis
    item.law_firm_id = result.law_firm_id
    return ["status", "reasons", "excluded_parties", "claim_amount", "court", "court_basis", "law_firm"]


def _screen_item(batch: Batch, item: BatchItem, calendar: Any) -> BatchItem:
    chosen = item.court if item.court_basis == BatchItem.CourtBasis.CHOSEN else None
    result = screening.screen(
        case=item.case,
        loan=item.loan,
        min_claim=batch.min_claim,
        on=batch.filing_on,
        calendar=calendar,
        chosen_court=chosen,
    )
    fields = _apply(item, result)
    item.save(update_fields=fields)
    return item


@transaction.atomic
def batch_screen(*, actor: Any, batch: Batch, on_progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Screen every item not yet filed; returns the count per status."""
    require_batch(actor, batch)
    batch = lock_batch(batch.pk)
    calendar = law_calendar()
    screening.clear_court_cache()
    items = list(batch.items.filter(court_case_number="").select_related("case", "loan", "court").order_by("pk"))
    for done, item in enumerate(items, start=1):
        _screen_item(batch, item, calendar)
        if on_progress is not None:
            on_progress(done, len(items))
    counts = batch_access.status_counts(batch)
    batch.state = Batch.State.SCREENED
    batch.screened_at = timezone.now()
    batch.version += 1
    batch.save(update_fields=["state", "screened_at", "version", "updated_at"])
    audit.record(actor=actor, action="batch.screened", target=batch, stream=batch_stream(batch), changes=counts)
    return counts


@transaction.atomic
def item_choose_court(*, actor: Any, item: BatchItem, court: Court) -> BatchItem:
    """Choose the court by hand where the rules could not decide; the item is screened again."""
    require_batch(actor, item.batch)
    batch = lock_batch(item.batch_id)
    if item.court_case_number:
        raise DomainError(_("This item has been filed: its court cannot change."), code="filed")
    if not court.is_active:
        raise DomainError(_("This court is no longer active."), code="inactive_court")
    before = item.court_id
    item.court = court
    item.court_basis = BatchItem.CourtBasis.CHOSEN
    item = _screen_item(batch, item, law_calendar())
    audit.record(
        actor=actor,
        action="batch.court_chosen",
        target=batch,
        stream=batch_stream(batch),
        changes={"item": item.pk, "court": [before, court.pk]},
    )
    return item
