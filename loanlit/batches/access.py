"""Who may use batches and which cases and loans a batch may hold (DESIGN rule 2).

A batch is seen within its unit subtree and creditor, by bank staff who see cases (never an external
lawyer: a panel firm works on placed cases only); running one needs ``cases.edit`` too. A batch holds
the open cases and the unsued loans of its creditor and unit subtree that its user may see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from loanlit.accounts.selectors import scope_q
from loanlit.batches.models import Batch
from loanlit.cases import access as case_access
from loanlit.cases.models import Case, CaseLoan
from loanlit.loans.models import LoanContract
from loanlit.loans.selectors import loans_visible_to


def may_use_batches(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.has_code("cases.view")
        and not case_access.is_external_lawyer(user)
    )


def may_run_batches(user: Any) -> bool:
    """Creating a batch, adding to it, screening and writing back change cases: ``cases.edit`` too."""
    return may_use_batches(user) and user.has_code("cases.edit")


def batches_visible_to(user: Any) -> QuerySet[Batch]:
    if not may_use_batches(user):
        return Batch.objects.none()
    return Batch.objects.filter(scope_q(user, unit_path_field="unit_path", creditor_field="creditor"))


def selectable_cases(user: Any, batch: Batch) -> QuerySet[Case]:
    """Open cases the user sees, of the batch's creditor and unit subtree, not yet in the batch."""
    return (
        case_access.cases_visible_to(user)
        .filter(creditor_id=batch.creditor_id, unit_path__startswith=batch.unit_path, is_closed=False)
        .exclude(pk__in=batch.items.filter(case__isnull=False).values("case_id"))
    )


def selectable_loans(user: Any, batch: Batch) -> QuerySet[LoanContract]:
    """Loans the user sees, of the batch's creditor and unit subtree, not written off, in no open case and
    not yet in the batch."""
    return (
        loans_visible_to(user)
        .filter(creditor_id=batch.creditor_id, unit_path__startswith=batch.unit_path, written_off=False)
        .exclude(Exists(CaseLoan.objects.filter(loan=OuterRef("pk"), active=True)))
        .exclude(pk__in=batch.items.filter(loan__isnull=False).values("loan_id"))
    )


def status_counts(batch: Batch) -> dict[str, int]:
    from loanlit.batches.models import BatchItem

    counts = dict.fromkeys(BatchItem.Status.values, 0)
    for status in batch.items.values_list("status", flat=True):
        counts[status] += 1
    return counts
