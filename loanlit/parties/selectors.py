"""Scoped reads of parties (DESIGN rule 2).

A party is visible to a user who works on its creditor. Parties carry no unit: a borrower of a
Beijing loan may also borrow in Guangdong, and which branch may see a party's loans and cases is
decided by those loans' and cases' own scope (``loans.selectors``, ``cases.access``). Lists never
decrypt: search goes through the HMAC columns (``pd_exact`` / ``pd_tail``).
"""

from __future__ import annotations

import re
from typing import Any, Final

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.core.fields import PersonalDataError, pd_exact, pd_tail
from loanlit.law.identifiers import upgrade_ric_15
from loanlit.parties.models import Party, PartyContact, PartyMergeCandidate
from loanlit.parties.services import normalize_name, to_half_width

SEARCH_LIMIT: Final = 50
_ID_18: Final = re.compile(r"\d{17}[\dX]")
_ID_15: Final = re.compile(r"\d{15}")
_USCC: Final = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_ID_TAIL: Final = re.compile(r"\d{5}[\dX]")
_MOBILE: Final = re.compile(r"1\d{10}")
_MOBILE_TAIL: Final = re.compile(r"\d{4}")
_DOCUMENT: Final = re.compile(r"[0-9A-Z]{5,64}")


def parties_visible_to(user: User) -> QuerySet[Party]:
    if not user.is_authenticated or not user.is_active:
        return Party.objects.none()
    return Party.objects.filter(creditor_id__in=creditor_ids_for(user))


def party_get_for_user(*, user: User, pk: int) -> Party:
    """The party, or Http404 exactly like a missing id when it belongs to another creditor."""
    return get_object_or_404(parties_visible_to(user).select_related("creditor"), pk=pk)


def _phone_party_ids(q: Q) -> Any:  # a values() subquery
    return PartyContact.objects.filter(q, kind=PartyContact.Kind.PHONE).values("party_id")


def party_search_for_user(*, user: User, q: str, limit: int = SEARCH_LIMIT) -> list[Party]:
    """Find parties by name (exact or prefix), ID number (exact, or the last 6 characters), USCC,
    mobile number (exact, or the last 4 digits; earlier numbers count too) or document number.

    What the text looks like decides which index is used; a name search is a prefix query on the
    normalised name within the user's creditors.
    """
    text = " ".join(to_half_width(q or "").split())
    if not text:
        return []
    compact = text.replace(" ", "").replace("-", "").upper()
    condition = Q(pk__in=[])
    try:
        if _ID_18.fullmatch(compact):
            condition |= Q(**pd_exact(Party, "id_number", compact))
        elif _ID_15.fullmatch(compact):
            condition |= Q(**pd_exact(Party, "id_number", upgrade_ric_15(compact)))
        if _USCC.fullmatch(compact):
            condition |= Q(uscc=compact)
        if _ID_TAIL.fullmatch(compact):
            condition |= Q(**pd_tail(Party, "id_number", compact))
        if _MOBILE.fullmatch(compact):
            condition |= Q(pk__in=_phone_party_ids(Q(**pd_exact(PartyContact, "phone", compact))))
        elif _MOBILE_TAIL.fullmatch(compact):
            condition |= Q(pk__in=_phone_party_ids(Q(**pd_tail(PartyContact, "phone", compact))))
        if _DOCUMENT.fullmatch(compact) and any(c.isalpha() for c in compact):
            condition |= Q(**pd_exact(Party, "document_number", compact))
    except PersonalDataError:
        pass
    if not compact.isdigit():
        condition |= Q(name_normalized__startswith=normalize_name(text))
    qs = parties_visible_to(user).filter(condition).order_by("name_normalized", "pk")
    return list(qs[: max(1, min(limit, 200))])


def party_contacts(*, party: Party, current_only: bool = False) -> QuerySet[PartyContact]:
    """A visible party's contact history, newest first (call after ``party_get_for_user``)."""
    qs = party.contacts.all()
    if current_only:
        qs = qs.filter(superseded_at__isnull=True)
    return qs.select_related("recorded_by").order_by("kind", "address_kind", "-recorded_at", "-pk")


def merge_candidates_for_user(
    *, user: User, status: str = PartyMergeCandidate.Status.OPEN
) -> QuerySet[PartyMergeCandidate]:
    if not user.is_authenticated or not user.is_active:
        return PartyMergeCandidate.objects.none()
    return (
        PartyMergeCandidate.objects.filter(creditor_id__in=creditor_ids_for(user), status=status)
        .select_related("party")
        .order_by("-created_at", "-pk")
    )


def merge_candidate_get_for_user(*, user: User, pk: int) -> PartyMergeCandidate:
    if not user.is_authenticated or not user.is_active:
        return get_object_or_404(PartyMergeCandidate.objects.none(), pk=pk)
    qs = PartyMergeCandidate.objects.filter(creditor_id__in=creditor_ids_for(user)).select_related("party")
    return get_object_or_404(qs, pk=pk)
