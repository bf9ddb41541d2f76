"""Scoped reads of loans (DESIGN rule 2): the user's unit subtree within the user's creditors.

A loan is scoped by its originating unit (``unit_path``, a copy of the unit's materialised path,
indexed), exactly like cases by their handling unit. Out of scope answers 404 like a missing id.

Reading loans needs ``cases.view``. External-role users (``Role.is_external``, panel law firms) never
see the loan book by unit: only the loans linked to a case placed with their firm right now. Placements
belong to the cases app above, so the rule follows the reverse relations by name (``case_links`` →
case → ``placements``) without importing it; ``cases.access`` holds the same rule for cases.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from loanlit.accounts.models import User
from loanlit.accounts.selectors import NOTHING, creditor_ids_for, scope_q
from loanlit.loans.models import (
    GuaranteeContract,
    LoanBalanceSnapshot,
    LoanContract,
    LoanParty,
    RepaymentInstalment,
    SecurityContract,
)
from loanlit.parties.models import Party


def loans_visible_to(user: User) -> QuerySet[LoanContract]:
    # The loan book is read with the cases (``cases.view``): a role without it (the security administrator,
    # say) sees no loan even at head office.
    if not getattr(user, "is_authenticated", False) or not user.has_code("cases.view"):
        return LoanContract.objects.none()
    if getattr(user.role, "is_external", False):
        return LoanContract.objects.filter(_placed_with_firm_q(user))
    return LoanContract.objects.filter(scope_q(user, unit_path_field="unit_path", creditor_field="creditor"))


def _placed_with_firm_q(user: User) -> Q:
    """Loans linked (still) to a case whose active placement is with one of the user's firms."""
    creditors = creditor_ids_for(user)
    if not user.is_active or not creditors:
        return NOTHING
    # One filter() call: every condition holds on the same link, placement and membership row.
    placed = LoanContract.objects.filter(
        case_links__unlinked_on__isnull=True,
        case_links__case__creditor_id__in=creditors,
        case_links__case__placements__recalled_on__isnull=True,
        case_links__case__placements__law_firm__members__user_id=user.pk,
    ).values("pk")
    return Q(creditor_id__in=creditors) & Q(pk__in=placed)


def loan_get_for_user(*, user: User, pk: int) -> LoanContract:
    """The loan, or Http404 (outside the user's unit subtree or creditors, or missing)."""
    return get_object_or_404(loans_visible_to(user).select_related("unit", "creditor"), pk=pk)


def loans_for_party(*, user: User, party: Party) -> QuerySet[LoanContract]:
    """The loans in the user's scope on which ``party`` is a borrower or co-borrower."""
    loan_ids = LoanParty.objects.filter(party=party).values("loan_id")
    return loans_visible_to(user).filter(pk__in=loan_ids).select_related("unit").order_by("-start_date", "-pk")


def loan_parties(*, loan: LoanContract) -> QuerySet[LoanParty]:
    """A visible loan's borrowers and co-borrowers, in contract order."""
    return loan.loan_parties.select_related("party").order_by("position", "pk")


def loan_instalments(*, loan: LoanContract) -> QuerySet[RepaymentInstalment]:
    return loan.instalments.order_by("seq")


def loan_snapshots(*, loan: LoanContract) -> QuerySet[LoanBalanceSnapshot]:
    return loan.balance_snapshots.order_by("-as_of", "-pk")


def latest_snapshot(*, loan: LoanContract) -> LoanBalanceSnapshot | None:
    return loan.balance_snapshots.order_by("-as_of", "-recorded_at", "-pk").first()


def guarantees_for_loan(*, loan: LoanContract) -> QuerySet[GuaranteeContract]:
    return loan.guarantee_contracts.select_related("guarantor").order_by("contract_no", "pk")


def security_for_loan(*, loan: LoanContract) -> QuerySet[SecurityContract]:
    return (
        loan.security_contracts.select_related("provider").prefetch_related("collateral").order_by("contract_no", "pk")
    )


def guarantees_by_party(*, user: User, party: Party) -> QuerySet[GuaranteeContract]:
    """Guarantees given by ``party`` that cover at least one loan in the user's scope."""
    visible = loans_visible_to(user).values("pk")
    return GuaranteeContract.objects.filter(guarantor=party, loans__in=visible).distinct().order_by("contract_no", "pk")


def security_by_party(*, user: User, party: Party) -> QuerySet[SecurityContract]:
    """Mortgages and pledges given by ``party`` that secure at least one loan in the user's scope."""
    visible = loans_visible_to(user).values("pk")
    return (
        SecurityContract.objects.filter(provider=party, loans__in=visible)
        .distinct()
        .prefetch_related("collateral")
        .order_by("contract_no", "pk")
    )
