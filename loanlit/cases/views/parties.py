"""The party page (in the cases app: it lists the party's loans and cases, which parties may not import).

A party is shown to a user who sees at least one of its cases, or (for the bank's own staff) one of its
loans; anyone else gets 404 like a missing id, even within the same creditor. Identity numbers are
masked; users with ``personal_data.unmask`` may reveal them with a POST that is access-logged.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit import audit
from loanlit.cases import access, selectors
from loanlit.cases.models import Case, CaseLoan, ProceedingParty
from loanlit.cases.views.common import actor, call_service, deny, done, is_htmx
from loanlit.loans import selectors as loan_selectors
from loanlit.loans.models import LoanContract
from loanlit.parties import selectors as party_selectors
from loanlit.parties import services as party_services
from loanlit.parties.forms import ContactForm
from loanlit.parties.models import Party, PartyContact


def cases_of_party(user: Any, party: Party) -> QuerySet[Case]:
    """The user's visible cases in which the party is a borrower, guarantor, security provider or participant."""
    loans = LoanContract.objects.filter(
        Q(loan_parties__party=party) | Q(guarantee_contracts__guarantor=party) | Q(security_contracts__provider=party)
    ).values("pk")
    on_loan = Exists(CaseLoan.objects.filter(case=OuterRef("pk"), unlinked_on__isnull=True, loan_id__in=loans))
    in_proceeding = Exists(ProceedingParty.objects.filter(proceeding__case=OuterRef("pk"), party=party))
    return selectors.case_list_for_user(user=user).filter(Q(on_loan) | Q(in_proceeding)).order_by("-opened_on", "-pk")


def _loans_of_party(user: Any, party: Party) -> list[LoanContract]:
    if access.is_external_lawyer(user):
        # A panel firm sees the loans of its placed cases on the case page, not the branch's loan book.
        return []
    return list(loan_selectors.loans_for_party(user=user, party=party))


def _party_in_scope(request: HttpRequest, pk: int) -> tuple[Party, list[Case], list[LoanContract]]:
    party = party_selectors.party_get_for_user(user=request.user, pk=pk)
    cases = list(cases_of_party(request.user, party)[:200])
    loans = _loans_of_party(request.user, party)
    guarantees = (
        []
        if access.is_external_lawyer(request.user)
        else list(loan_selectors.guarantees_by_party(user=request.user, party=party))
    )
    if not cases and not loans and not guarantees:
        raise Http404
    return party, cases, loans


def _context(
    request: HttpRequest, party: Party, cases: list[Case], loans: list[LoanContract], **extra: Any
) -> dict[str, Any]:
    user = request.user
    return {
        "party": party,
        "cases": cases,
        "loans": loans,
        "guarantees": []
        if access.is_external_lawyer(user)
        else list(loan_selectors.guarantees_by_party(user=user, party=party)),
        "securities": []
        if access.is_external_lawyer(user)
        else list(loan_selectors.security_by_party(user=user, party=party)),
        "contacts": list(party_selectors.party_contacts(party=party)),
        "can_unmask": user.has_code("personal_data.unmask"),  # type: ignore[union-attr]
        "can_add_contact": user.has_code("cases.edit"),  # type: ignore[union-attr]
        **extra,
    }


@require_GET
def party_detail(request: HttpRequest, pk: int) -> HttpResponse:
    party, cases, loans = _party_in_scope(request, pk)
    return render(request, "cases/party_detail.html", _context(request, party, cases, loans, form=ContactForm()))


@require_POST
def party_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the identity number and current mobiles in full, once, and log that this user read them."""
    party, cases, loans = _party_in_scope(request, pk)
    if not request.user.has_code("personal_data.unmask"):  # type: ignore[union-attr]
        raise deny(request, "personal_data.unmask", party)
    phones = [
        c for c in party_selectors.party_contacts(party=party, current_only=True) if c.kind == PartyContact.Kind.PHONE
    ]
    revealed = {
        "id_number": party.id_number.reveal() if party.id_number is not None else "",
        "document_number": party.document_number.reveal() if party.document_number is not None else "",
        "phones": [(contact, contact.phone.reveal()) for contact in phones if contact.phone is not None],
    }
    audit.access_log(
        user=request.user,
        action=audit.AccessAction.PERSONAL_DATA_READ,
        target=party,
        request=request,
        detail={
            "fields": [name for name in ("id_number", "document_number") if revealed[name]]
            + ["phone"] * bool(revealed["phones"])
        },
    )
    if is_htmx(request):
        return render(request, "cases/partials/party_revealed.html", {"party": party, "revealed": revealed})
    return render(
        request,
        "cases/party_detail.html",
        _context(request, party, cases, loans, form=ContactForm(), revealed=revealed),
    )


@require_http_methods(["GET", "POST"])
def party_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    party, cases, loans = _party_in_scope(request, pk)
    if not request.user.has_code("cases.edit"):  # type: ignore[union-attr]
        raise deny(request, "cases.edit", party)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = call_service(
            form,
            party_services.party_contact_add,
            actor=actor(request),
            party=party,
            kind=data["kind"],
            value=data["value"],
            address_kind=data["address_kind"],
            source=data["source"],
            valid_from=data["valid_from"],
        )
        if contact is not None:
            return done(
                request,
                reverse("cases:party_detail", args=[party.pk]) + "#contacts",
                _("The contact record was added."),
            )
    return render(request, "cases/party_detail.html", _context(request, party, cases, loans, form=form))
