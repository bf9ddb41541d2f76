"""Scoped reads of batches (DESIGN rule 2): a batch is seen within its unit subtree and creditor.

Candidates for a batch come from the scoped case list (``cases.selectors.case_list_for_user`` with the
case list's own filters) and from the scoped loan book (``loans.selectors.loans_visible_to``) for loans
not yet sued; both are further limited to the batch's unit subtree and creditor.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from loanlit.batches import access as batch_access
from loanlit.batches.models import Batch, BatchItem
from loanlit.cases import selectors as case_selectors
from loanlit.cases.models import Case
from loanlit.cases.selectors import CaseFilters
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract

ZERO = Decimal("0.00")


may_use_batches = batch_access.may_use_batches
may_run_batches = batch_access.may_run_batches
batches_visible_to = batch_access.batches_visible_to


def batch_list_for_user(*, user: Any) -> QuerySet[Batch]:
    return batches_visible_to(user).select_related("creditor", "unit", "created_by").order_by("-created_at", "-pk")


def batch_get_for_user(*, user: Any, pk: int, for_write: bool = False) -> Batch:
    """The batch, or Http404 (outside the user's scope, or missing); ``for_write`` needs ``cases.edit``."""
    if for_write and not may_run_batches(user):
        raise Http404
    return get_object_or_404(batches_visible_to(user).select_related("creditor", "unit"), pk=pk)


def batch_items(*, batch: Batch) -> QuerySet[BatchItem]:
    return batch.items.select_related("case", "loan", "court", "law_firm", "proceeding").order_by("pk")


def item_get(*, batch: Batch, pk: int) -> BatchItem:
    return get_object_or_404(batch.items.select_related("case", "court"), pk=pk)


# --- candidates ---------------------------------------------------------------------------------------


def case_candidates(*, user: Any, batch: Batch, filters: CaseFilters) -> QuerySet[Case]:
    """Open cases the user sees, in the batch's creditor and unit subtree, matching the case list filters."""
    return case_selectors.case_list_for_user(user=user, filters=filters).filter(
        pk__in=batch_access.selectable_cases(user, batch).values("pk")
    )


@dataclass(frozen=True)
class LoanFilters:
    """The loan book filter for loans without an open case. Empty values filter nothing."""

    unit: int | None = None  # the originating unit and its subtree
    product: str = ""
    min_days_past_due: int | None = None
    min_outstanding: Decimal | None = None  # the latest balance snapshot's total


def loan_candidates(*, user: Any, batch: Batch, filters: LoanFilters) -> QuerySet[LoanContract]:
    """Loans the user sees, of the batch's creditor and unit subtree, not written off and in no open case."""
    qs = batch_access.selectable_loans(user, batch)
    if filters.unit is not None:
        from loanlit.core.models import OrgUnit

        unit = OrgUnit.objects.filter(pk=filters.unit).only("path").first()
        qs = qs.filter(unit_path__startswith=unit.path) if unit is not None else qs.none()
    if filters.product:
        qs = qs.filter(product=filters.product)
    if filters.min_days_past_due is not None:
        qs = qs.filter(days_past_due__gte=filters.min_days_past_due)
    if filters.min_outstanding is not None:
        ids = [loan.pk for loan in qs.only("pk") if loan_outstanding(loan) >= filters.min_outstanding]
        qs = qs.filter(pk__in=ids)
    return qs.select_related("unit").order_by("contract_no", "pk")


def loan_outstanding(loan: LoanContract) -> Decimal:
    """The latest balance snapshot's total, or the principal when no snapshot is on file."""
    snapshot = LoanBalanceSnapshot.objects.filter(loan_id=loan.pk).order_by("-as_of", "-recorded_at", "-pk").first()
    return snapshot.total if snapshot is not None else loan.principal


# --- groups -------------------------------------------------------------------------------------------


@dataclass
class Group:
    key: Any
    label: str
    items: list[BatchItem] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def total(self) -> Decimal:
        return sum((item.claim_amount for item in self.items), ZERO)


def _grouped(items: list[BatchItem], key: Any, label: Any) -> list[Group]:
    groups: OrderedDict[Any, Group] = OrderedDict()
    for item in items:
        k = key(item)
        groups.setdefault(k, Group(key=k, label=label(item))).items.append(item)
    return sorted(groups.values(), key=lambda g: (g.key is None, g.label))


def groups_by_court(*, batch: Batch) -> list[Group]:
    """The included items per court (the unit of a court package)."""
    items = list(batch_items(batch=batch).filter(status=BatchItem.Status.INCLUDED))
    return _grouped(items, key=lambda i: i.court_id, label=lambda i: i.court.name if i.court else "")


def groups_by_firm(*, batch: Batch) -> list[Group]:
    """The included items per law firm (the case's current placement; None = handled in-house)."""
    items = list(batch_items(batch=batch).filter(status=BatchItem.Status.INCLUDED))
    return _grouped(items, key=lambda i: i.law_firm_id, label=lambda i: i.law_firm.name if i.law_firm else "")


def status_counts(*, batch: Batch) -> dict[str, int]:
    return batch_access.status_counts(batch)
