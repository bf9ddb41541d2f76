"""The party page (in the cases app: it lists the party's loans and cases, which parties may not import).

A party is shown to a user who sees at least one of its cases, or (for the bank's own staff) one of its
loans; anyone else gets 404 like a missing id, even within the same creditor. Identity numbers are
masked; users with ``personal_data.unmask`` may reveal them with a POST that is access-logged.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit import audit
from loanlit.accounts.reauth import require_recent_auth
from loanlit.cases import selectors
from loanlit.cases.views.common import actor, call_service, deny, done, is_htmx
from loanlit.parties import selectors as party_selectors
from loanlit.parties import services as party_services
from loanlit.parties.forms import ContactForm
from loanlit.parties.models import PartyContact


def _context(request: HttpRequest, page: selectors.PartyPage, **extra: Any) -> dict[str, Any]:
    user = request.user
    return {
        "party": page.party,
        "cases": page.cases,
        "loans": page.loans,
        "guarantees": page.guarantees,
        "securities": page.securities,
        "contacts": list(party_selectors.party_contacts(party=page.party)),
        "can_unmask": user.has_code("personal_data.unmask"),  # type: ignore[union-attr]
        "can_add_contact": user.has_code("cases.edit"),  # type: ignore[union-attr]
        **extra,
    }


@require_GET
def party_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.party_page_for_user(user=request.user, pk=pk)
    return render(request, "cases/party_detail.html", _context(request, page, form=ContactForm()))


@require_POST
@require_recent_auth
def party_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the identity number and current mobiles in full, once, and log that this user read them."""
    page = selectors.party_page_for_user(user=request.user, pk=pk)
    party = page.party
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
        _context(request, page, form=ContactForm(), revealed=revealed),
    )


@require_http_methods(["GET", "POST"])
def party_contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    page = selectors.party_page_for_user(user=request.user, pk=pk)
    party = page.party
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
    return render(request, "cases/party_detail.html", _context(request, page, form=form))
