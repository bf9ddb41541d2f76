"""Retention of archived cases (issue 10): legal holds, and anonymisation of personal data after the period.

A case archived at least ``settings.CASE_ANONYMISE_AFTER_DAYS`` days ago (0 = never), not under a legal
hold, is *due*. Its parties — participants of its proceedings and the parties of its loans (borrowers,
guarantors, security providers, collateral owners) — are anonymised by
``loanlit.parties.services.parties_anonymise`` (fields overwritten, subject key shredded), except a
party still needed elsewhere, who is kept:

* a party of another case that is not due (live, archived too recently, or under a legal hold);
* a party of a loan that is in no case at all (a live customer relationship of the bank).

The case gets ``anonymised_on``, a PERSONAL_DATA_ANONYMISED event and a "case.personal_data_anonymised"
audit entry counting parties anonymised and kept. A kept party is anonymised by the run that finds its
last case due. Runs are idempotent: a case with ``anonymised_on`` is not processed again.

Not covered (known gap): stored document files (generated pleadings name the parties) and document
text indexes are not rewritten; enforcement asset descriptions are not cleared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from loanlit.cases import access
from loanlit.cases.models import Case, CaseEvent, CaseLoan, ProceedingParty
from loanlit.cases.services._common import Recorded, bump, lock_case, record_one, today
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.loans.models import Collateral, GuaranteeContract, LoanParty, SecurityContract
from loanlit.parties.models import Party
from loanlit.parties.services import parties_anonymise

REASON_MAX_LENGTH: Final = 200
DEFAULT_BATCH: Final = 200
CHUNK: Final = 500


# --- legal hold --------------------------------------------------------------------------------------------


def may_manage_retention(user: Any, case: Case) -> bool:
    """Legal holds are for ``retention.manage`` holders who can see the case."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.has_code("retention.manage")
        and access.can_view(user, case)
    )


def _require_retention(actor: Any, case: Case) -> None:
    if actor is not None and not may_manage_retention(actor, case):
        raise PermissionDeniedError(_("You may not place or release legal holds."), code="permission_denied")


@transaction.atomic
def case_legal_hold_set(*, actor: Any, case: Case, reason: str, version: int | None = None) -> Case:
    """Place a legal hold: the case's personal data is not anonymised while it lasts."""
    _require_retention(actor, case)
    case = lock_case(case.pk, expected_version=version)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("Give the reason for the legal hold."), code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            _("The reason is longer than %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}, code="reason_length"
        )
    if case.legal_hold:
        raise DomainError(_("This case is already under a legal hold."), code="already_held")
    if case.anonymised_on is not None:
        raise DomainError(
            _("The personal data of this case was already anonymised; there is nothing left to hold."),
            code="already_anonymised",
        )
    case.legal_hold, case.legal_hold_reason = True, reason
    bump(case, "legal_hold", "legal_hold_reason")
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.LEGAL_HOLD_SET,
        action="case.legal_hold_set",
        target=case,
        params={},
        changes={"legal_hold": [False, True], "reason": reason},
    )
    return case


@transaction.atomic
def case_legal_hold_release(*, actor: Any, case: Case, version: int | None = None) -> Case:
    """Release the legal hold; an archived case past the period is anonymised by the next run."""
    _require_retention(actor, case)
    case = lock_case(case.pk, expected_version=version)
    if not case.legal_hold:
        raise DomainError(_("This case is not under a legal hold."), code="not_held")
    previous = case.legal_hold_reason
    case.legal_hold, case.legal_hold_reason = False, ""
    bump(case, "legal_hold", "legal_hold_reason")
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.LEGAL_HOLD_RELEASED,
        action="case.legal_hold_released",
        target=case,
        params={},
        changes={"legal_hold": [True, False], "reason": previous},
    )
    return case


# --- anonymisation -----------------------------------------------------------------------------------------


def anonymise_after_days() -> int:
    return int(getattr(settings, "CASE_ANONYMISE_AFTER_DAYS", 0) or 0)


def _cutoff(on: date, after_days: int) -> date:
    return on - timedelta(days=after_days)


def _past_period_q(cutoff: date) -> Q:
    return Q(is_archived=True, archived_on__isnull=False, archived_on__lte=cutoff, legal_hold=False)


def cases_due_for_anonymisation(*, on: date | None = None, after_days: int | None = None) -> QuerySet[Case]:
    """Archived cases past the period, not held and not yet anonymised (none while the setting is 0)."""
    days = anonymise_after_days() if after_days is None else after_days
    if days <= 0:
        return Case.objects.none()
    cutoff = _cutoff(on or today(), days)
    return Case.objects.filter(_past_period_q(cutoff), anonymised_on__isnull=True).order_by("archived_on", "pk")


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _loans_of_parties(party_ids: list[int]) -> dict[int, set[int]]:
    """party → the loans it is on (borrower, guarantor, security provider, collateral owner)."""
    loans: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(party_ids):
        for party_id, loan_id in LoanParty.objects.filter(party_id__in=chunk).values_list("party_id", "loan_id"):
            loans[party_id].add(loan_id)
        for party_id, loan_id in GuaranteeContract.objects.filter(guarantor_id__in=chunk).values_list(
            "guarantor_id", "loans"
        ):
            if loan_id is not None:
                loans[party_id].add(loan_id)
        for party_id, loan_id in SecurityContract.objects.filter(provider_id__in=chunk).values_list(
            "provider_id", "loans"
        ):
            if loan_id is not None:
                loans[party_id].add(loan_id)
        for party_id, loan_id in Collateral.objects.filter(owner_id__in=chunk).values_list(
            "owner_id", "security_contracts__loans"
        ):
            if loan_id is not None:
                loans[party_id].add(loan_id)
    return loans


def _parties_of_loans(loan_ids: list[int]) -> dict[int, set[int]]:
    """loan → its parties (the reverse of ``_loans_of_parties``)."""
    parties: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(loan_ids):
        for loan_id, party_id in LoanParty.objects.filter(loan_id__in=chunk).values_list("loan_id", "party_id"):
            parties[loan_id].add(party_id)
        for loan_id, party_id in GuaranteeContract.objects.filter(loans__in=chunk).values_list("loans", "guarantor_id"):
            parties[loan_id].add(party_id)
        for loan_id, party_id in SecurityContract.objects.filter(loans__in=chunk).values_list("loans", "provider_id"):
            parties[loan_id].add(party_id)
        for loan_id, party_id in Collateral.objects.filter(
            security_contracts__loans__in=chunk, owner_id__isnull=False
        ).values_list("security_contracts__loans", "owner_id"):
            parties[loan_id].add(party_id)
    return parties


def parties_of_cases(case_ids: list[int]) -> dict[int, set[int]]:
    """case → the parties whose personal data it holds."""
    result: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(case_ids):
        rows = ProceedingParty.objects.filter(proceeding__case_id__in=chunk, party_id__isnull=False)
        for case_id, party_id in rows.values_list("proceeding__case_id", "party_id"):
            result[case_id].add(party_id)
    case_loans: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(case_ids):
        for case_id, loan_id in CaseLoan.objects.filter(case_id__in=chunk).values_list("case_id", "loan_id"):
            case_loans[case_id].add(loan_id)
    by_loan = _parties_of_loans(sorted({loan for loans in case_loans.values() for loan in loans}))
    for case_id, loans in case_loans.items():
        for loan_id in loans:
            result[case_id].update(by_loan.get(loan_id, ()))
    return result


def _kept_parties(party_ids: list[int], *, cutoff: date) -> set[int]:
    """The parties still needed: on a case that is not past the period (or held), or on a loan in no case."""
    cases_of: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(party_ids):
        rows = ProceedingParty.objects.filter(party_id__in=chunk).values_list("party_id", "proceeding__case_id")
        for party_id, case_id in rows:
            cases_of[party_id].add(case_id)
    loans_of = _loans_of_parties(party_ids)
    all_loans = sorted({loan for loans in loans_of.values() for loan in loans})
    cases_of_loan: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(all_loans):
        for loan_id, case_id in CaseLoan.objects.filter(loan_id__in=chunk).values_list("loan_id", "case_id"):
            cases_of_loan[loan_id].add(case_id)
    kept: set[int] = set()
    for party_id, loans in loans_of.items():
        if any(not cases_of_loan.get(loan) for loan in loans):
            kept.add(party_id)
        for loan in loans:
            cases_of[party_id].update(cases_of_loan.get(loan, ()))
    all_cases = sorted({case for cases in cases_of.values() for case in cases})
    past: set[int] = set()
    for chunk in _chunks(all_cases):
        past.update(Case.objects.filter(_past_period_q(cutoff), pk__in=chunk).values_list("pk", flat=True))
    for party_id, cases in cases_of.items():
        if cases - past:
            kept.add(party_id)
    return kept


@dataclass
class AnonymisationResult:
    cases: list[int] = field(default_factory=list)
    parties_anonymised: int = 0
    parties_kept: int = 0


def _plan(cases: list[Case], *, cutoff: date) -> tuple[dict[int, set[int]], set[int]]:
    by_case = parties_of_cases([case.pk for case in cases])
    party_ids = sorted({party for parties in by_case.values() for party in parties})
    return by_case, _kept_parties(party_ids, cutoff=cutoff)


def anonymisation_preview(*, on: date | None = None, limit: int = DEFAULT_BATCH) -> AnonymisationResult:
    """What ``cases_anonymise_due`` would do now, writing nothing (``--dry-run``)."""
    days = anonymise_after_days()
    cases = list(cases_due_for_anonymisation(on=on, after_days=days)[:limit])
    result = AnonymisationResult(cases=[case.pk for case in cases])
    if not cases:
        return result
    by_case, kept = _plan(cases, cutoff=_cutoff(on or today(), days))
    involved = {party for parties in by_case.values() for party in parties}
    result.parties_kept = len(involved & kept)
    result.parties_anonymised = len(involved - kept)
    return result


@transaction.atomic
def cases_anonymise_due(
    *, actor: Any = None, on: date | None = None, limit: int = DEFAULT_BATCH
) -> AnonymisationResult:
    """Anonymise up to ``limit`` due cases (see the module docstring); a no-op while the setting is 0."""
    days = anonymise_after_days()
    day = on or today()
    due = list(cases_due_for_anonymisation(on=day, after_days=days).values_list("pk", flat=True)[:limit])
    result = AnonymisationResult()
    if not due:
        return result
    # Lock the cases and re-check under the lock: a hold placed meanwhile wins.
    cutoff = _cutoff(day, days)
    cases = [
        case
        for case in (lock_case(pk) for pk in due)
        if case.anonymised_on is None and Case.objects.filter(_past_period_q(cutoff), pk=case.pk).exists()
    ]
    if not cases:
        return result
    by_case, kept = _plan(cases, cutoff=cutoff)
    involved = sorted({party for parties in by_case.values() for party in parties} - kept)
    parties = list(Party.objects.filter(pk__in=involved).order_by("pk")) if involved else []
    anonymised = {
        party.pk
        for party in parties_anonymise(
            actor=actor, parties=parties, reason="retention: archived case past the anonymisation period"
        )
    }
    recorded = Recorded(actor)
    for case in cases:
        mine = by_case.get(case.pk, set())
        case.anonymised_on = day
        bump(case, "anonymised_on")
        counts = {"parties_anonymised": len(mine & anonymised), "parties_kept": len(mine & kept)}
        recorded.add(
            case_id=case.pk,
            kind=CaseEvent.Kind.PERSONAL_DATA_ANONYMISED,
            action="case.personal_data_anonymised",
            target=case,
            happened_on=day,
            params=counts,
            changes={"anonymised_on": day.isoformat(), "archived_on": str(case.archived_on), **counts},
        )
        result.cases.append(case.pk)
    recorded.write()
    involved_all = {party for case in cases for party in by_case.get(case.pk, set())}
    result.parties_anonymised = len(anonymised)
    result.parties_kept = len(involved_all & kept)
    return result
