"""Is a batch item worth suing now, and before which court? (批量诉讼筛查)

Every exclusion carries a reason: a message code with its parameters, rendered in the reader's
language by :func:`reason_text`. The rules:

* Amount: the claim (the case's claim total; for a loan not yet sued, or a case whose claim was never
  computed, the latest balance snapshot's total, else the principal) must reach the batch threshold.
* Limitation (诉讼时效, Civil Code arts. 188, 195): three years from the debt's due date (acceleration
  or maturity), run afresh from the last collection step that interrupted it, must still be open on the
  planned filing date. A loan without a due date cannot be checked and is excluded, saying so.
* Guarantee period (保证期间, Civil Code arts. 692, 693): the agreed end when later than the main debt's
  due date, otherwise six months from it. A guarantor whose period has ended by the filing date is not
  sued (recorded with the reason); the case itself stays in.
* Evidence: the case file must hold a current document of each of the loan contract, IOU and repayment
  record categories; the missing ones are named.
* Jurisdiction: the agreed court of a forum clause where the loan records one (the loan model has no
  such field yet, so this rule never decides today), else the basic court of the borrower's district
  (CPL art. 22: habitual residence where it differs from the domicile; a company's registered address),
  found from the address text. No address in a district with a known court, or an address that matches
  several, leaves the item "court to be chosen" — never a guess.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final

from django.db.models import Max
from django.utils.translation import gettext, gettext_noop

from loanlit.cases.models import Case, Court, Proceeding
from loanlit.deadlines.models import CollectionAction
from loanlit.documents.models import Document, DocumentCategory
from loanlit.law import periods
from loanlit.law.calendar import Calendar
from loanlit.loans.models import GuaranteeContract, LoanBalanceSnapshot, LoanContract, LoanParty
from loanlit.parties.models import Party, PartyContact

ZERO: Final = Decimal("0.00")
REQUIRED_EVIDENCE: Final = ("loan_contract", "iou", "repayment_record")

# code → English msgid (zh-Hans in the batches catalogue); params are filled in at render time.
REASONS: Final[dict[str, str]] = {
    "amount_below_threshold": gettext_noop("The claim of %(amount)s is below the batch threshold of %(threshold)s."),
    "limitation_lapsed": gettext_noop("The limitation period of loan %(contract)s ended on %(end)s."),
    "limitation_unknown": gettext_noop("Loan %(contract)s has no due date: its limitation period cannot be checked."),
    "evidence_missing": gettext_noop("Evidence missing from the case file: %(categories)s."),
    "no_case": gettext_noop("No case has been opened for this loan yet."),
    "no_loans": gettext_noop("The case has no loan to sue on."),
    "case_closed": gettext_noop("The case is closed."),
    "already_filed": gettext_noop("The case has already been filed as %(number)s."),
    "court_to_be_chosen": gettext_noop("Court to be chosen: %(detail)s"),
    "no_borrower_address": gettext_noop("%(name)s has no domicile or residence address on file."),
    "address_no_court": gettext_noop("no court on file for the district of %(name)s's address “%(address)s”."),
    "address_many_courts": gettext_noop("%(name)s's address “%(address)s” matches several courts: %(courts)s."),
    "no_borrower": gettext_noop("the loan names no borrower."),
    "guarantee_lapsed": gettext_noop(
        "The guarantee period of contract %(contract)s ended on %(end)s: %(name)s is not sued as a guarantor."
    ),
}


def reason(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": {key: _plain(value) for key, value in params.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def reason_text(entry: dict[str, Any]) -> str:
    """One stored reason in the active language (a nested ``detail`` reason is rendered first)."""
    message = REASONS.get(entry.get("code", ""))
    if message is None:
        return str(entry.get("code", ""))
    params = dict(entry.get("params") or {})
    if isinstance(params.get("detail"), dict):
        params["detail"] = reason_text(params["detail"])
    if "categories" in params and isinstance(params["categories"], list):
        params["categories"] = gettext(", ").join(_category_label(code) for code in params["categories"])
    try:
        return gettext(message) % params
    except (KeyError, TypeError, ValueError):
        return gettext(message)


def _category_label(code: str) -> str:
    category = DocumentCategory.objects.filter(code=code).first()
    return str(category) if category is not None else code


@dataclass
class Screened:
    status: str  # BatchItem.Status value
    reasons: list[dict[str, Any]] = field(default_factory=list)
    excluded_parties: list[dict[str, Any]] = field(default_factory=list)
    claim_amount: Decimal = ZERO
    court: Court | None = None
    court_basis: str = ""
    law_firm_id: int | None = None


# --- the rules ----------------------------------------------------------------------------------------


def claim_amount(case: Case | None, loans: list[LoanContract]) -> Decimal:
    if case is not None and case.claim_total and case.claim_total > ZERO:
        return case.claim_total
    total = ZERO
    for loan in loans:
        snapshot = LoanBalanceSnapshot.objects.filter(loan=loan).order_by("-as_of", "-recorded_at", "-pk").first()
        total += snapshot.total if snapshot is not None else loan.principal
    return total


def limitation_reasons(loans: Iterable[LoanContract], *, on: date, calendar: Calendar) -> list[dict[str, Any]]:
    loans = list(loans)
    interrupted = dict(
        CollectionAction.objects.filter(loan__in=loans, interrupts_limitation=True)
        .values("loan_id")
        .annotate(last=Max("acted_on"))
        .values_list("loan_id", "last")
    )
    found = []
    for loan in loans:
        due = loan.due_date or loan.overdue_since
        if due is None:
            found.append(reason("limitation_unknown", contract=loan.contract_no))
            continue
        start = max(due, interrupted.get(loan.pk) or due)  # Civil Code art. 195: runs afresh
        end = periods.compute_deadline("limitation", start, calendar=calendar).deadline
        if on > end:
            found.append(reason("limitation_lapsed", contract=loan.contract_no, end=end))
    return found


def guarantee_period_end(contract: GuaranteeContract, due: date, *, calendar: Calendar) -> date:
    """Civil Code art. 692: the agreed end if later than the main debt's due date, else six months."""
    if contract.period_agreed_end is not None and contract.period_agreed_end > due:
        return contract.period_agreed_end
    return periods.compute_deadline("guarantee_period", due, calendar=calendar).deadline


def lapsed_guarantors(loans: Iterable[LoanContract], *, on: date, calendar: Calendar) -> list[dict[str, Any]]:
    """Guarantors whose period has ended on ``on`` for every loan they secure here (they are not sued)."""
    loans = [loan for loan in loans if (loan.due_date or loan.overdue_since) is not None]
    open_for: set[int] = set()
    lapsed: dict[int, dict[str, Any]] = {}
    contracts = GuaranteeContract.objects.filter(loans__in=loans).select_related("guarantor").distinct()
    for contract in contracts.order_by("pk"):
        for loan in contract.loans.filter(pk__in=[loan.pk for loan in loans]):
            due = loan.due_date or loan.overdue_since
            assert due is not None
            end = guarantee_period_end(contract, due, calendar=calendar)
            if on > end:
                lapsed.setdefault(
                    contract.guarantor_id,
                    {
                        "party": contract.guarantor_id,
                        "name": contract.guarantor.name,
                        **reason(
                            "guarantee_lapsed", contract=contract.contract_no, end=end, name=contract.guarantor.name
                        ),
                    },
                )
            else:
                open_for.add(contract.guarantor_id)
    return [entry for party_id, entry in lapsed.items() if party_id not in open_for]


def evidence_missing(case: Case) -> list[str]:
    present = set(
        Document.objects.filter(
            case=case, deleted_at__isnull=True, current_version__isnull=False, category_id__in=REQUIRED_EVIDENCE
        ).values_list("category_id", flat=True)
    )
    return [code for code in REQUIRED_EVIDENCE if code not in present]


def agreed_court(loans: list[LoanContract]) -> Court | None:
    """The court of a forum clause (协议管辖, CPL art. 35). The loan model records none yet."""
    return None


@cache
def _words() -> dict[str, str]:
    """The fixed zh-Hans words of court names and addresses (data/words.json)."""
    path = Path(__file__).resolve().parent / "data" / "words.json"
    words: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return words


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@cache
def _district_names() -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Each basic court's district as addresses write it (北京市朝阳区, 北京朝阳区; 朝阳区 alone is too vague)."""
    words = _words()
    rows = []
    for court in Court.objects.filter(is_active=True, level=Court.Level.BASIC).order_by("code"):
        name = _norm(court.name).removesuffix(words["court_suffix"])
        if not name:
            continue
        variants = {name}
        if words["city"] in name[:-1]:
            city, _, rest = name.partition(words["city"])
            variants.add(city + rest)
        rows.append((court.pk, tuple(sorted(variants, key=len, reverse=True))))
    return tuple(rows)


def clear_court_cache() -> None:
    _district_names.cache_clear()


ADDRESS_ORDER: Final[dict[str, tuple[str, ...]]] = {
    Party.Kind.PERSON: (PartyContact.AddressKind.RESIDENCE, PartyContact.AddressKind.DOMICILE),
    Party.Kind.COMPANY: (PartyContact.AddressKind.REGISTERED, PartyContact.AddressKind.DOMICILE),
}


def _defendant_address(party: Party) -> str:
    contacts = list(
        PartyContact.objects.filter(party=party, kind=PartyContact.Kind.ADDRESS, superseded_at__isnull=True)
        .exclude(address="")
        .order_by("-recorded_at", "-pk")
    )
    for kind in ADDRESS_ORDER.get(party.kind, ()):
        for contact in contacts:
            if contact.address_kind == kind:
                return contact.address
    return ""


def domicile_court(loans: list[LoanContract]) -> tuple[Court | None, dict[str, Any] | None]:
    """The basic court of the first borrower's district, or (None, why not)."""
    link = (
        LoanParty.objects.filter(loan__in=loans, role=LoanParty.Role.BORROWER)
        .select_related("party")
        .order_by("loan_id", "position", "pk")
        .first()
    )
    if link is None:
        return None, reason("no_borrower")
    party = link.party
    address = _defendant_address(party)
    if not address:
        return None, reason("no_borrower_address", name=party.name)
    text = _norm(address)
    matches = [pk for pk, names in _district_names() if any(name in text for name in names)]
    if not matches:
        return None, reason("address_no_court", name=party.name, address=address)
    if len(matches) > 1:
        names = Court.objects.filter(pk__in=matches).order_by("code").values_list("name", flat=True)
        return None, reason("address_many_courts", name=party.name, address=address, courts=gettext(", ").join(names))
    return Court.objects.get(pk=matches[0]), None


def _filed_number(case: Case) -> str:
    filed = (
        Proceeding.objects.filter(case=case, kind=Proceeding.Kind.FIRST_INSTANCE)
        .exclude(court_case_number="")
        .order_by("-pk")
        .first()
    )
    return filed.court_case_number if filed is not None else ""


def screen(
    *,
    case: Case | None,
    loan: LoanContract | None,
    min_claim: Decimal,
    on: date,
    calendar: Calendar,
    chosen_court: Court | None = None,
) -> Screened:
    """Screen one item: a case, or a loan not yet sued. A court chosen by hand is kept."""
    if case is not None:
        loans = list(
            LoanContract.objects.filter(case_links__case=case, case_links__active=True).order_by("pk").distinct()
        )
    else:
        loans = [loan] if loan is not None else []
    result = Screened(status="excluded", claim_amount=claim_amount(case, loans))
    result.law_firm_id = case.law_firm_id if case is not None else None
    reasons = result.reasons
    if case is None:
        reasons.append(reason("no_case"))
    elif case.is_closed:
        reasons.append(reason("case_closed"))
    else:
        number = _filed_number(case)
        if number:
            reasons.append(reason("already_filed", number=number))
    if case is not None and not loans:
        reasons.append(reason("no_loans"))
    if result.claim_amount < min_claim:
        reasons.append(reason("amount_below_threshold", amount=result.claim_amount, threshold=min_claim))
    reasons.extend(limitation_reasons(loans, on=on, calendar=calendar))
    if case is not None:
        missing = evidence_missing(case)
        if missing:
            reasons.append(reason("evidence_missing", categories=missing))
    result.excluded_parties = lapsed_guarantors(loans, on=on, calendar=calendar)
    court = agreed_court(loans)
    if chosen_court is not None:
        result.court, result.court_basis = chosen_court, "chosen"
    elif court is not None:
        result.court, result.court_basis = court, "agreed"
    elif loans:
        court, why = domicile_court(loans)
        if court is not None:
            result.court, result.court_basis = court, "domicile"
        elif why is not None and not reasons:
            reasons.append(reason("court_to_be_chosen", detail=why))
            result.status = "needs_court"
            return result
    result.status = "excluded" if reasons else "included"
    return result
