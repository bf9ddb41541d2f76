"""Scoped reads of loans (DESIGN rule 2): the user's unit subtree within the user's creditors.

A loan is scoped by its originating unit (``unit_path``, a copy of the unit's materialised path,
indexed), exactly like cases by their handling unit. Out of scope answers 404 like a missing id.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from loanlit.accounts.models import User
from loanlit.accounts.selectors import scope_q
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
    return LoanContract.objects.filter(scope_q(user, unit_path_field="unit_path", creditor_field="creditor"))


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
