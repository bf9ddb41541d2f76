"""Reads of the cases app, always scoped to the user (DESIGN rule 2): out of scope looks like missing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from loanlit.cases import access
from loanlit.cases.ledger import CaseOutstanding, case_outstanding
from loanlit.cases.models import (
    Case,
    CaseEvent,
    CaseLoan,
    CaseStage,
    CaseStageTransition,
    Court,
    Hearing,
    JudgmentItem,
    LawFirm,
    Proceeding,
    ProceedingParty,
    ServiceRecord,
)
from loanlit.core.fields import PersonalDataError, pd_exact, pd_tail
from loanlit.core.models import OrgUnit
from loanlit.law import caseno
from loanlit.law.money import LawInputError
from loanlit.loans import selectors as loan_selectors
from loanlit.loans.models import GuaranteeContract, LoanContract, LoanParty, SecurityContract
from loanlit.parties import selectors as party_selectors
from loanlit.parties.models import Party, PartyContact
from loanlit.parties.services import normalize_name

__all__ = [
    "OVERDUE_BUCKETS",
    "SORTS",
    "CaseFilters",
    "CaseOutstanding",
    "Dashboard",
    "KeysetPage",
    "ParticipantChoices",
    "PartyPage",
    "borrowers_of",
    "case_borrowers",
    "case_co_handlers",
    "case_count_capped",
    "case_events_for_user",
    "case_filters_from_search",
    "case_get_for_user",
    "case_list_for_user",
    "case_loan_links",
    "case_outstanding",
    "case_parties",
    "case_proceedings",
    "case_search_choices",
    "cases_for_party",
    "co_handler_choices",
    "courts",
    "dashboard_for_user",
    "handler_choices",
    "keyset_page",
    "law_firms_for_user",
    "next_stages",
    "party_page_for_user",
    "proceeding_participant_choices",
    "stages",
    "with_borrowers",
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


def _party_case_ids(parties: QuerySet[Party]) -> list[QuerySet[Any]]:
    """Ids of the cases where one of ``parties`` is a party to a linked loan or takes part in a proceeding.

    Uncorrelated on purpose: the matching parties (found by an index) drive, so the database never walks
    every case in scope evaluating a subquery per row.
    """
    ids = parties.values("pk")
    return [
        CaseLoan.objects.filter(unlinked_on__isnull=True, loan__loan_parties__party__in=ids).values("case_id"),
        ProceedingParty.objects.filter(party__in=ids).values("proceeding__case_id"),
    ]


def _contacts(**lookups: str) -> QuerySet[Party]:
    return Party.objects.filter(pk__in=PartyContact.objects.filter(**lookups).values("party_id"))


def _route(q: str) -> list[QuerySet[Any]]:
    """The case-id subqueries for one search text, chosen by its shape so each is a single index lookup.

    An ID number, a mobile or their tails never need the name, contract or case-number routes (the
    internal number is still tried exactly: it is one unique-index probe).
    """
    internal = Case.objects.filter(internal_no=q.upper()).values("pk")
    try:
        if RIC_FULL.match(q):
            return [internal, *_party_case_ids(Party.objects.filter(**pd_exact(Party, "id_number", q)))]
        if MOBILE_FULL.match(q):
            return [internal, *_party_case_ids(_contacts(**pd_exact(PartyContact, "phone", q)))]
        if RIC_TAIL.match(q):
            return [internal, *_party_case_ids(Party.objects.filter(**pd_tail(Party, "id_number", q)))]
        if MOBILE_TAIL.match(q):
            return [internal, *_party_case_ids(_contacts(**pd_tail(PartyContact, "phone", q)))]
    except PersonalDataError:
        return [internal]
    try:
        number = caseno.parse_case_number(q)
    except LawInputError:
        number = None
    if number is not None:
        return [Proceeding.objects.filter(court_case_number=number.normalized).values("case_id")]
    routes: list[QuerySet[Any]] = []
    if CODE_LIKE.match(q):
        routes.append(Case.objects.filter(Q(internal_no__startswith=q.upper()) | Q(internal_no=q)).values("pk"))
        numbers = sorted({q, q.upper()})
        routes.append(
            CaseLoan.objects.filter(unlinked_on__isnull=True, loan__contract_no__in=numbers).values("case_id")
        )
    name = normalize_name(q)
    if name and not q.isdigit():
        routes.extend(_party_case_ids(Party.objects.filter(name_normalized__startswith=name)))
    return routes


def search_q(raw: str) -> Q:
    """Free text routed by shape; every route hits an index (HMACs for personal data, never plaintext)."""
    found = Q(pk__in=[])
    # Full-width digits, letters and dashes typed with a Chinese input method mean their ASCII forms
    # (the import stores identifiers that way too).
    for ids in _route(unicodedata.normalize("NFKC", raw).strip()):
        found |= Q(pk__in=ids)
    return found


def case_search_choices(*, user: Any) -> dict[str, QuerySet[Any]]:
    """The choices the case list's search form (``CaseSearchForm``) offers ``user``: units, handlers and
    law firms in scope. The list and its exports build the form with these, so both read a query alike."""
    from loanlit.accounts.selectors import org_units_visible_to

    return {
        "units": org_units_visible_to(user),
        "handlers": handler_choices(user=user),
        "law_firms": law_firms_for_user(user=user),
    }


def case_filters_from_search(params: Mapping[str, Any]) -> CaseFilters:
    """The filters for the case list search form's cleaned values (``{}`` when nothing was asked):
    the one mapping the list and its exports share."""

    def pk(name: str) -> int | None:
        value = params.get(name)
        return value.pk if value is not None else None

    stage = params.get("stage")
    return CaseFilters(
        q=params.get("q") or "",
        stage=stage.code if stage is not None else "",
        unit=pk("unit"),
        court=pk("court"),
        handler=pk("handler"),
        law_firm=pk("law_firm"),
        product=params.get("product") or "",
        cause=params.get("cause") or "",
        overdue=params.get("overdue") or "",
        opened_from=params.get("opened_from"),
        opened_to=params.get("opened_to"),
        sort=params.get("sort") or DEFAULT_SORT,
    )


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


# --- list rows with their borrowers -------------------------------------------------------------------


def with_borrowers(qs: QuerySet[Case]) -> QuerySet[Case]:
    """Prefetch the borrowers of the active loans: three extra queries however many rows."""
    links = CaseLoan.objects.filter(active=True).select_related("loan").order_by("pk")
    parties = LoanParty.objects.select_related("party").order_by("position", "pk")
    return qs.prefetch_related(Prefetch("case_loans", queryset=links, to_attr="active_links")).prefetch_related(
        Prefetch("active_links__loan__loan_parties", queryset=parties)
    )


def borrowers_of(case: Case) -> list[Party]:
    """The borrowers of a case fetched through :func:`with_borrowers` (no query)."""
    seen: dict[int, Party] = {}
    for link in getattr(case, "active_links", []):
        for loan_party in link.loan.loan_parties.all():
            if loan_party.role == LoanParty.Role.BORROWER and loan_party.party_id not in seen:
                seen[loan_party.party_id] = loan_party.party
    return list(seen.values())


def case_borrowers(*, case: Case) -> list[Party]:
    """The borrowers of one (already scoped) case, for its page header."""
    return borrowers_of(with_borrowers(Case.objects.filter(pk=case.pk)).get())


def case_co_handlers(*, case: Case) -> list[Any]:
    """The co-handlers of one (already scoped) case."""
    return list(case.co_handlers.order_by("username"))


def decorate_borrowers(cases: list[Case]) -> list[Case]:
    """Set ``borrowers`` and ``borrower_names`` on rows fetched through :func:`with_borrowers`."""
    for case in cases:
        case.borrowers = borrowers_of(case)  # type: ignore[attr-defined]
        case.borrower_names = ", ".join(p.name for p in case.borrowers)  # type: ignore[attr-defined]
    return cases


# --- the dashboard ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    stage: CaseStage
    count: int
    percent: int
    width: int  # rounded to 5 for the CSS bar classes (no inline style under the CSP)


@dataclass(frozen=True)
class StageCounts:
    rows: list[StageRow]
    total: int


@dataclass(frozen=True)
class MyCases:
    rows: list[Case]  # the newest open cases the user handles, with borrowers
    total: int


@dataclass(frozen=True)
class Dashboard:
    my_cases: MyCases
    upcoming_hearings: list[Hearing]
    stage_counts: StageCounts


def _stage_counts(user: Any) -> StageCounts:
    counted = dict(
        case_list_for_user(user=user)
        .order_by()
        .values_list("stage_id")
        .annotate(n=Count("pk"))
        .values_list("stage_id", "n")
    )
    total = sum(counted.values())
    rows = []
    for stage in stages():
        count = counted.get(stage.code, 0)
        if not count:
            continue
        percent = round(100 * count / total) if total else 0
        rows.append(StageRow(stage, count, percent, max(5, round(percent / 5) * 5)))
    return StageCounts(rows=rows, total=total)


def _my_cases(user: Any, limit: int) -> MyCases:
    qs = case_list_for_user(user=user, filters=CaseFilters(handler=user.pk, include_closed=False))
    rows = decorate_borrowers(list(with_borrowers(qs)[:limit]))
    total = len(rows) if len(rows) < limit else qs.order_by().count()
    return MyCases(rows=rows, total=total)


def _upcoming_hearings(user: Any, days: int, limit: int) -> list[Hearing]:
    now = timezone.now()
    visible = case_list_for_user(user=user).order_by().values("pk")
    return list(
        Hearing.objects.filter(
            proceeding__case__in=visible, starts_at__gte=now, starts_at__lt=now + timedelta(days=days)
        )
        .select_related("proceeding__case", "proceeding__court")
        .order_by("starts_at")[:limit]
    )


def dashboard_for_user(*, user: Any, case_limit: int = 8, hearing_days: int = 14, hearing_limit: int = 20) -> Dashboard:
    """The home page: the user's open cases, hearings in the next ``hearing_days`` days, cases per stage."""
    return Dashboard(
        my_cases=_my_cases(user, case_limit),
        upcoming_hearings=_upcoming_hearings(user, hearing_days, hearing_limit),
        stage_counts=_stage_counts(user),
    )


# --- people who can be put on a case --------------------------------------------------------------------


def handler_choices(*, user: Any, case: Case | None = None) -> QuerySet[Any]:
    """Handlers to offer: for a case, those the service accepts; else (list filter) staff in the user's scope."""
    from loanlit.accounts.models import User
    from loanlit.accounts.selectors import creditor_ids_for

    if case is not None:
        return access.case_handlers(case)
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, creditors__in=creditor_ids_for(user), unit__path__startswith=user.unit.path)
        .filter(access.INTERNAL_USERS)
        .distinct()
        .order_by("username")
    )


def co_handler_choices(*, user: Any, case: Case) -> QuerySet[Any]:
    """Co-handlers to offer on ``case`` (which the caller got from a scoped selector)."""
    return access.case_staff(case)


# --- the case page ------------------------------------------------------------------------------------------


def case_proceedings(*, case: Case) -> list[Proceeding]:
    """A scoped case's proceedings with participants, hearings, service records and judgment items."""
    participants = ProceedingParty.objects.select_related("party", "unit").order_by("pk")
    return list(
        case.proceedings.select_related("court", "follows", "judgment")
        .prefetch_related(
            Prefetch("participants", queryset=participants),
            Prefetch("hearings", queryset=Hearing.objects.order_by("starts_at")),
            Prefetch(
                "service_records",
                queryset=ServiceRecord.objects.select_related("proceeding_party__party", "proceeding_party__unit"),
            ),
            Prefetch("judgment__items", queryset=JudgmentItem.objects.select_related("party", "collateral")),
        )
        .order_by("pk")
    )


def case_loan_links(*, case: Case) -> list[CaseLoan]:
    """A scoped case's loans (active first) with their parties, guarantees and security."""
    parties = LoanParty.objects.select_related("party").order_by("position", "pk")
    return list(
        case.case_loans.select_related("loan", "loan__unit")
        .prefetch_related(
            Prefetch("loan__loan_parties", queryset=parties),
            Prefetch("loan__guarantee_contracts", queryset=GuaranteeContract.objects.select_related("guarantor")),
            Prefetch(
                "loan__security_contracts",
                queryset=SecurityContract.objects.select_related("provider").prefetch_related("collateral"),
            ),
        )
        .order_by("-active", "pk")
    )


def case_parties(*, loans: list[CaseLoan], proceedings: list[Proceeding]) -> list[dict[str, Any]]:
    """Everyone on the case once, with every capacity: borrower of a loan, guarantor, role in a proceeding."""
    found: dict[int, dict[str, Any]] = {}

    def add(party: Party, capacity: str) -> None:
        row = found.setdefault(party.pk, {"party": party, "capacities": []})
        if capacity not in row["capacities"]:
            row["capacities"].append(capacity)

    for link in loans:
        for loan_party in link.loan.loan_parties.all():
            add(loan_party.party, f"{loan_party.get_role_display()} · {link.loan.contract_no}")
        for guarantee in link.loan.guarantee_contracts.all():
            add(guarantee.guarantor, f"{guarantee.get_guarantee_type_display()} · {guarantee.contract_no}")
        for security in link.loan.security_contracts.all():
            add(security.provider, f"{security.get_kind_display()} · {security.contract_no}")
    for proceeding in proceedings:
        for participant in proceeding.participants.all():
            if participant.party is not None:
                add(participant.party, f"{participant.get_role_display()} · {proceeding.get_kind_display()}")
    return list(found.values())


@dataclass(frozen=True)
class ParticipantChoices:
    parties: list[Party]  # everyone on the case's loans and their security
    units: list[OrgUnit]  # the handling unit and the units above it: any of them may sue


def proceeding_participant_choices(*, user: Any, case: Case) -> ParticipantChoices:
    """Who can be added to a proceeding of ``case``: its loans' parties, or a suing unit of the bank."""
    if not access.can_view(user, case):
        raise Http404
    parties = [row["party"] for row in case_parties(loans=case_loan_links(case=case), proceedings=[])]
    units = list(OrgUnit.objects.filter(path__in=access.ancestor_paths(case.handling_unit.path)).order_by("-path"))
    return ParticipantChoices(parties=parties, units=units)


# --- the party page -----------------------------------------------------------------------------------------


PARTY_PAGE_CASES: Final = 200


def cases_for_party(*, user: Any, party: Party) -> QuerySet[Case]:
    """The user's visible cases in which the party is a borrower, guarantor, security provider or participant."""
    loans = LoanContract.objects.filter(
        Q(loan_parties__party=party) | Q(guarantee_contracts__guarantor=party) | Q(security_contracts__provider=party)
    ).values("pk")
    on_loan = Exists(CaseLoan.objects.filter(case=OuterRef("pk"), unlinked_on__isnull=True, loan_id__in=loans))
    in_proceeding = Exists(ProceedingParty.objects.filter(proceeding__case=OuterRef("pk"), party=party))
    return case_list_for_user(user=user).filter(Q(on_loan) | Q(in_proceeding)).order_by("-opened_on", "-pk")


@dataclass(frozen=True)
class PartyPage:
    party: Party
    cases: list[Case]
    loans: list[LoanContract]
    guarantees: list[GuaranteeContract]
    securities: list[SecurityContract]


def party_page_for_user(*, user: Any, pk: int) -> PartyPage:
    """A party with its cases and (for the bank's own staff) loans and security, within the creditor.

    404 unless the user sees at least one of its cases or loans, even within the same creditor: a panel firm
    sees the loans of its placed cases on the case page, never the branch's loan book.
    """
    party = party_selectors.party_get_for_user(user=user, pk=pk)
    cases = list(cases_for_party(user=user, party=party)[:PARTY_PAGE_CASES])
    if access.is_external_lawyer(user):
        loans: list[LoanContract] = []
        guarantees: list[GuaranteeContract] = []
        securities: list[SecurityContract] = []
    else:
        loans = list(loan_selectors.loans_for_party(user=user, party=party))
        guarantees = list(loan_selectors.guarantees_by_party(user=user, party=party))
        securities = list(loan_selectors.security_by_party(user=user, party=party))
    if not cases and not loans and not guarantees:
        raise Http404
    return PartyPage(party=party, cases=cases, loans=loans, guarantees=guarantees, securities=securities)
