"""The loan page: terms, borrowers, repayment schedule, balance snapshots and security."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loanlit.loans import selectors


@require_GET
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # A panel firm's lawyers see the loans of the cases placed with them on the case page, never the
    # branch's loan book (external roles, Role.is_external, whatever their code).
    if getattr(request.user.role, "is_external", False):  # type: ignore[union-attr]
        raise Http404
    loan = selectors.loan_get_for_user(user=request.user, pk=pk)  # type: ignore[arg-type]
    context = {
        "loan": loan,
        "loan_parties": list(selectors.loan_parties(loan=loan)),
        "instalments": list(selectors.loan_instalments(loan=loan)),
        "snapshots": list(selectors.loan_snapshots(loan=loan)),
        "guarantees": list(selectors.guarantees_for_loan(loan=loan)),
        "securities": list(selectors.security_for_loan(loan=loan)),
    }
    return render(request, "loans/loan_detail.html", context)
