"""Reads of the cases app, always scoped to the user (DESIGN rule 2): out of scope looks like missing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from loanlit.cases import access
from loanlit.cases.ledger import CaseOutstanding, case_outstanding
from loanlit.cases.models import (
    Case,
    CaseEvent,
    CaseLoan,
    CaseStage,
    CaseStageTransition,
    Court,
    LawFirm,
    Proceeding,
    ProceedingParty,
)
from loanlit.core.fields import PersonalDataError, pd_exact, pd_tail
from loanlit.law import caseno
from loanlit.law.money import LawInputError
from loanlit.parties.models import Party, PartyContact
from loanlit.parties.services import normalize_name

__all__ = [
    "OVERDUE_BUCKETS",
    "SORTS",
    "CaseFilters",
    "CaseOutstanding",
    "KeysetPage",
    "case_count_capped",
    "case_events_for_user",
    "case_get_for_user",
    "case_list_for_user",
    "case_outstanding",
    "courts",
    "keyset_page",
    "law_firms_for_user",
    "next_stages",
    "stages",
]

# days_past_due ranges, both ends included; "360+" is more than 360 days.
OVERDUE_BUCKETS: Final[dict[str, tuple[int, int | None]]] = {
    "1-30": (1, 30),
    "31-90": (31, 90),
    "91-180": (91, 180),
    "181-360": (181, 360),
    "360+": (361, None),
}
SORTS: Final[dict[str, tuple[str, ...]]] = {
    "-opened_on": ("-opened_on", "-pk"),
    "opened_on": ("opened_on", "pk"),
    "internal_no": ("internal_no",),
    "-internal_no": ("-internal_no",),
    "-claim_total": ("-claim_total", "-pk"),
    "claim_total": ("claim_total", "pk"),
    "stage": ("stage__order", "-opened_on", "-pk"),
}
DEFAULT_SORT: Final = "-opened_on"
LIST_RELATED: Final = ("handling_unit", "handler", "stage", "creditor", "law_firm")

RIC_FULL = re.compile(r"^\d{17}[\dXx]$")
RIC_TAIL = re.compile(r"^\d{5}[\dXx]$")
MOBILE_FULL = re.compile(r"^1\d{10}$")
MOBILE_TAIL = re.compile(r"^\d{4}$")
CODE_LIKE = re.compile(r"^[\w\-/.]+$", re.ASCII)


@dataclass(frozen=True)
class CaseFilters:
    """Search and filters of the case list. Empty values filter nothing."""

    q: str = ""
    stage: str = ""
    unit: int | None = None  # the handling unit and its subtree
    court: int | None = None
    handler: int | None = None
    law_firm: int | None = None
    product: str = ""
    cause: str = ""
    overdue: str = ""  # a key of OVERDUE_BUCKETS
    opened_from: date | None = None
    opened_to: date | None = None
    include_closed: bool = True
    sort: str = DEFAULT_SORT

    def apply(self, qs: QuerySet[Case]) -> QuerySet[Case]:
        if self.q.strip():
            qs = qs.filter(search_q(self.q))
        if self.stage:
            qs = qs.filter(stage_id=self.stage)
        if self.unit is not None:
            from loanlit.core.models import OrgUnit

            unit = OrgUnit.objects.filter(pk=self.unit).only("path").first()
            qs = qs.filter(unit_path__startswith=unit.path) if unit is not None else qs.none()
        if self.court is not None:
            qs = qs.filter(Exists(Proceeding.objects.filter(case=OuterRef("pk"), court_id=self.court)))
        if self.handler is not None:
            qs = qs.filter(handler_id=self.handler)
        if self.law_firm is not None:
            qs = qs.filter(law_firm_id=self.law_firm)
        if self.product:
            qs = qs.filter(_loan_exists(loan__product=self.product))
        if self.cause:
            qs = qs.filter(cause_of_action=self.cause)
        if self.overdue:
            bucket = OVERDUE_BUCKETS.get(self.overdue)
            if bucket is None:
                return qs.none()
            low, high = bucket
            qs = qs.filter(
                _loan_exists(loan__days_past_due__gte=low)
                if high is None
                else _loan_exists(loan__days_past_due__range=(low, high))
            )
        if self.opened_from is not None:
            qs = qs.filter(opened_on__gte=self.opened_from)
        if self.opened_to is not None:
            qs = qs.filter(opened_on__lte=self.opened_to)
        if not self.include_closed:
            qs = qs.filter(is_closed=False)
        return qs.order_by(*SORTS.get(self.sort, SORTS[DEFAULT_SORT]))


def _loan_exists(**lookups: Any) -> Exists:
    return Exists(CaseLoan.objects.filter(case=OuterRef("pk"), unlinked_on__isnull=True, **lookups))


def _party_cases(parties: QuerySet[Party]) -> Q:
    """Cases where one of ``parties`` is a borrower of a linked loan or takes part in a proceeding."""
    ids = parties.values("pk")
    return Q(_loan_exists(loan__loan_parties__party__in=ids)) | Q(
        Exists(ProceedingParty.objects.filter(proceeding__case=OuterRef("pk"), party__in=ids))
    )


def search_q(raw: str) -> Q:
    """Free text routed by shape; every route hits an index (HMACs for personal data, never plaintext)."""
    q = raw.strip()
    found = Q(pk__in=[])
    if CODE_LIKE.match(q):
        found |= Q(internal_no__startswith=q.upper()) | Q(internal_no=q)
        found |= Q(_loan_exists(loan__contract_no=q))
    try:
        number = caseno.parse_case_number(q)
    except LawInputError:
        number = None
    if number is not None:
        found |= Q(Exists(Proceeding.objects.filter(case=OuterRef("pk"), court_case_number=number.normalized)))
    try:
        if RIC_FULL.match(q):
            found |= _party_cases(Party.objects.filter(**pd_exact(Party, "id_number", q)))
        elif RIC_TAIL.match(q):
            found |= _party_cases(Party.objects.filter(**pd_tail(Party, "id_number", q)))
        if MOBILE_FULL.match(q):
            found |= _party_cases(
                Party.objects.filter(
                    pk__in=PartyContact.objects.filter(**pd_exact(PartyContact, "phone", q)).values("party_id")
                )
            )
        elif MOBILE_TAIL.match(q):
            found |= _party_cases(
                Party.objects.filter(
                    pk__in=PartyContact.objects.filter(**pd_tail(PartyContact, "phone", q)).values("party_id")
                )
            )
    except PersonalDataError:
        pass
    name = normalize_name(q)
    if name and not q.isdigit():
        found |= _party_cases(Party.objects.filter(name_normalized__startswith=name))
    return found


def case_list_for_user(*, user: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    qs = access.cases_visible_to(user)
    qs = (filters or CaseFilters()).apply(qs)
    return qs.select_related(*LIST_RELATED)


def case_count_capped(qs: QuerySet[Case], cap: int = 10000) -> tuple[int, bool]:
    """(count, capped): counting stops after ``cap`` rows so a huge list never scans the whole table."""
    counted = qs.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


@dataclass(frozen=True)
class KeysetPage:
    items: list[Case]
    next_after: tuple[date, int] | None  # pass back as ``after`` for the next page; None on the last page


def keyset_page(qs: QuerySet[Case], after: tuple[date, int] | None = None, size: int = 50) -> KeysetPage:
    """One page of a list ordered newest first by (opened_on, pk), continuing after ``after``."""
    qs = qs.order_by("-opened_on", "-pk")
    if after is not None:
        opened_on, pk = after
        qs = qs.filter(Q(opened_on__lt=opened_on) | Q(opened_on=opened_on, pk__lt=pk))
    rows = list(qs[: size + 1])
    items = rows[:size]
    has_more = len(rows) > size
    return KeysetPage(items=items, next_after=(items[-1].opened_on, items[-1].pk) if has_more and items else None)


def case_get_for_user(*, user: Any, pk: int, for_write: bool = False) -> Case:
    qs = access.cases_editable_by(user) if for_write else access.cases_visible_to(user)
    case = qs.select_related(*LIST_RELATED).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def case_events_for_user(*, user: Any, case: Case) -> QuerySet[CaseEvent]:
    if not access.can_view(user, case):
        raise Http404
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("-happened_on", "-pk")


def stages() -> QuerySet[CaseStage]:
    return CaseStage.objects.order_by("order")


def next_stages(case: Case) -> list[CaseStage]:
    """The stages the case may move to (for the stage form)."""
    return [
        t.to_stage
        for t in CaseStageTransition.objects.filter(from_stage_id=case.stage_id)
        .select_related("to_stage")
        .order_by("to_stage__order")
    ]


def courts() -> QuerySet[Court]:
    return Court.objects.filter(is_active=True).order_by("region_code", "code")


def court_for_case_number(raw: str) -> Court | None:
    """The seeded court a 案号 names (by its court code, e.g. 京0105), if it is in the list."""
    try:
        number = caseno.parse_case_number(raw)
    except LawInputError:
        return None
    return Court.objects.filter(caseno_code=number.court).first()


def law_firms_for_user(*, user: Any) -> QuerySet[LawFirm]:
    """Active firms on the panel of one of the user's creditors (or of none in particular)."""
    from loanlit.accounts.selectors import creditor_ids_for

    creditors = creditor_ids_for(user)
    panel = LawFirm.creditors.through.objects.filter(lawfirm_id=OuterRef("pk"))
    return (
        LawFirm.objects.filter(is_active=True)
        .filter(Q(Exists(panel.filter(creditor_id__in=creditors))) | ~Q(Exists(panel)))
        .order_by("name")
    )
