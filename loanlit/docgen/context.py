"""The context a Word template is rendered with, built from one case (names: CONTEXT.md).

Everything is a plain ``str``, ``list`` or ``dict`` (JSON-safe), so the same dict renders a template, is
stored as structured elements and is what the bench renders. Amounts are strings with two decimals and
thousands separators (``"100,000.00"``), each with its Chinese capital form beside it (``*_words``);
dates come in three spellings (``2026-12-03``, ``2026年12月3日`` as ``*_zh``, ``二〇二六年十二月三日`` as
``*_numerals``). The claim is not recomputed here: it is the case's stored claim when no cut-off is
asked for, else ``cases.services.claims.loan_claim_for`` per loan to the cut-off (the same code the
case page uses) and ``law.fees.acceptance_fee`` on the total.

Full identity numbers and mobiles are put in only with ``reveal=True`` (court documents need them; the
caller checks ``personal_data.unmask`` and logs the read).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final

from django.utils import timezone

from loanlit.cases.models import Case, Proceeding
from loanlit.cases.services.claims import LINES, loan_claim_for
from loanlit.law import fees as law_fees
from loanlit.law.money import LawInputError
from loanlit.law.words import amount_in_words
from loanlit.law.zhdates import date_digits, date_numerals
from loanlit.loans.models import GuaranteeContract, LoanContract, LoanParty, SecurityContract
from loanlit.parties.models import Party, PartyContact

ZERO: Final = Decimal("0.00")
VOCABULARY_FILE: Final = Path(__file__).resolve().parent / "builtin" / "vocabulary.json"

# The top-level names a template may use; an upload using any other name is refused.
CONTEXT_NAMES: Final = frozenset(
    {
        "case",
        "creditor",
        "plaintiff",
        "suing_unit",
        "agent",
        "service",
        "defendants",
        "defendant_persons",
        "defendant_companies",
        "borrowers",
        "co_borrowers",
        "guarantors",
        "security_providers",
        "loans",
        "loan",
        "guarantees",
        "securities",
        "claim",
        "fees",
        "court",
        "proceeding",
        "handler",
        "lawyer",
        "today",
        "complaint",
        "evidence",
        "words",
    }
)


@cache
def vocabulary() -> dict[str, Any]:
    """Fixed zh-Hans words of court documents (builtin/vocabulary.json)."""
    data: dict[str, Any] = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    return data


def money(value: Decimal | None) -> str:
    """``Decimal("1234567.8")`` → ``"1,234,567.80"``; ``None`` → ``""``."""
    if value is None:
        return ""
    return f"{Decimal(value).quantize(Decimal('0.01')):,.2f}"


def words(value: Decimal | None) -> str:
    if value is None:
        return ""
    return amount_in_words(Decimal(value).quantize(Decimal("0.01"))).words


def rate(value: Decimal | None) -> str:
    """``Decimal("4.350000")`` → ``"4.35"``; ``Decimal("10")`` → ``"10"``."""
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text


def day(value: date | None) -> dict[str, str]:
    if value is None:
        return {"iso": "", "zh": "", "numerals": ""}
    return {"iso": value.isoformat(), "zh": date_digits(value), "numerals": date_numerals(value)}


def zh(value: date | None) -> str:
    return date_digits(value) if value else ""


def yes_no(flag: bool) -> str:
    w = vocabulary()
    return str(w["yes"] if flag else w["no"])


@dataclass
class _PartyRow:
    party: Party
    roles: list[str] = field(default_factory=list)


def _contacts(party: Party, *, reveal: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    for contact in party.contacts.all():  # prefetched; current records only are used
        if contact.superseded_at is not None:
            continue
        if contact.kind == PartyContact.Kind.PHONE and "phone" not in found and contact.phone is not None:
            found["phone"] = contact.phone.reveal() if reveal else str(contact.phone)
        elif contact.kind == PartyContact.Kind.ADDRESS and contact.address:
            found.setdefault(contact.address_kind or "domicile", contact.address)
    return found


def party_dict(row: _PartyRow, *, reveal: bool) -> dict[str, Any]:
    w = vocabulary()
    party = row.party
    contacts = _contacts(party, reveal=reveal)
    id_number = ""
    if party.id_number is not None:
        id_number = party.id_number.reveal() if reveal else str(party.id_number)
    elif party.document_number is not None:
        id_number = party.document_number.reveal() if reveal else str(party.document_number)
    is_person = party.kind == Party.Kind.PERSON
    domicile = contacts.get("domicile") or contacts.get("registered") or ""
    return {
        "name": party.name,
        "roles": [w["roles"][r] for r in row.roles],
        "role": w["list_sep"].join(w["roles"][r] for r in row.roles),
        "is_person": is_person,
        "gender": {"male": w["male"], "female": w["female"]}.get(party.gender, ""),
        "birth_date": zh(party.birth_date),
        "ethnicity": "",
        "employer": "",
        "title": "",
        "phone": contacts.get("phone", ""),
        "domicile": domicile,
        "residence": contacts.get("residence", ""),
        "service_address": contacts.get("service_address") or domicile,
        "address": domicile or contacts.get("residence", ""),
        "registered_address": contacts.get("registered") or domicile,
        "id_type": w["id_types"].get(party.id_type, ""),
        "id_number": party.uscc if not is_person and party.uscc else id_number,
        "uscc": party.uscc,
        "legal_representative": party.legal_representative,
        "org_type": "" if is_person else w["org_type_default"],
        "ownership": "",
    }


def _claim_amounts(case: Case, loans: list[LoanContract], cut_off: date | None) -> tuple[date, dict, dict]:
    """(cut-off, totals by line, per-loan amounts by loan id) — stored on the case or computed."""
    if cut_off is None and case.claim_as_of is not None:
        totals = {key: getattr(case, f"claim_{key}") for key in LINES}
        per_loan = {
            int(row["loan_id"]): {k: Decimal(v) for k, v in row["amounts"].items()}
            for row in (case.claim_breakdown or {}).get("loans", [])
        }
        return case.claim_as_of, totals, per_loan
    as_of = cut_off or timezone.localdate()
    per = {loan.pk: loan_claim_for(loan, as_of).amounts for loan in loans}
    totals = {key: sum((amounts[key] for amounts in per.values()), ZERO) for key in LINES}
    return as_of, totals, per


def _fee_or_none(fn: Any, amount: Decimal, currency: str) -> Decimal | None:
    try:
        return Decimal(fn(amount, currency=currency).fee)
    except LawInputError:  # a foreign-currency claim without a rate: the template shows it empty
        return None


EVIDENCE_CATEGORIES: Final = ("loan_contract", "iou", "repayment_record", "evidence")


def _evidence_documents(case: Case) -> list[dict[str, str]]:
    """The case's evidence files in filing order, with page ranges from their rendered page counts."""
    from loanlit.documents.models import Document

    documents = list(
        Document.objects.filter(case=case, deleted_at__isnull=True, category_id__in=EVIDENCE_CATEGORIES)
        .select_related("current_version")
        .order_by("category__order", "doc_date", "pk")
    )
    rows = []
    page = 1
    for n, document in enumerate(documents, 1):
        version = document.current_version
        count = version.preview_pages if version is not None else 0
        pages = ""
        if count:
            pages = f"{page}-{page + count - 1}" if count > 1 else str(page)
            page += count
        rows.append({"n": str(n), "title": document.title, "pages": pages, "count": str(count or "")})
    return rows


def _acceptance_fee(case: Case, total: Decimal) -> Decimal | None:
    if case.claim_acceptance_fee is not None and case.claim_total == total:
        return Decimal(case.claim_acceptance_fee)
    try:
        return law_fees.acceptance_fee(total, currency=case.claim_currency).fee
    except LawInputError:  # a foreign-currency claim without a rate: the template shows it empty
        return None


def _court(case: Case, proceeding: Proceeding | None) -> tuple[Proceeding | None, str]:
    if proceeding is None:
        proceeding = (
            case.proceedings.filter(court__isnull=False).select_related("court").order_by("-is_active", "-pk").first()
        )
    court = proceeding.court if proceeding is not None else None
    name = court.name if court is not None else ""
    return proceeding, name


def _suing_unit(case: Case, proceeding: Proceeding | None) -> dict[str, str]:
    unit = case.handling_unit
    if proceeding is not None:
        row = proceeding.participants.filter(unit__isnull=False).select_related("unit").first()
        if row is not None and row.unit is not None:
            unit = row.unit
    creditor = case.creditor
    w = vocabulary()
    return {
        "name": unit.legal_name or creditor.legal_name,
        "short_name": unit.name,
        "uscc": unit.uscc or creditor.uscc,
        "responsible_person": unit.responsible_person or creditor.legal_representative,
        "responsible_title": unit.responsible_title,
        "address": unit.address or creditor.address,
        "registered_address": unit.address or creditor.address,
        "phone": "",
        "org_type": w["org_type_default"],
        "ownership": w["ownership_default"],
    }


def _user(user: Any) -> dict[str, str]:
    if user is None:
        return {"name": "", "unit": "", "phone": "", "email": ""}
    return {
        "name": user.display_name or user.get_username(),
        "unit": user.unit.name if getattr(user, "unit_id", None) else "",
        "phone": "",
        "email": user.email or "",
    }


def build_context(
    *, case: Case, cut_off: date | None = None, proceeding: Proceeding | None = None, reveal: bool = False
) -> dict[str, Any]:
    """The template context for ``case`` (see the module docstring and CONTEXT.md)."""
    w = vocabulary()
    t = w["texts"]
    case = Case.objects.select_related("creditor", "handling_unit", "handler__unit", "law_firm").get(pk=case.pk)
    loans = list(
        LoanContract.objects.filter(case_links__case=case, case_links__unlinked_on__isnull=True)
        .order_by("pk")
        .prefetch_related("instalments")
    )
    loan_ids = [loan.pk for loan in loans]
    links = list(
        LoanParty.objects.filter(loan_id__in=loan_ids)
        .select_related("party")
        .prefetch_related("party__contacts")
        .order_by("loan_id", "position", "pk")
    )
    guarantees = list(
        GuaranteeContract.objects.filter(loans__in=loan_ids)
        .distinct()
        .select_related("guarantor")
        .prefetch_related("guarantor__contacts")
        .order_by("pk")
    )
    securities = list(
        SecurityContract.objects.filter(loans__in=loan_ids)
        .distinct()
        .select_related("provider")
        .prefetch_related("provider__contacts", "collateral")
        .order_by("pk")
    )

    rows: dict[int, _PartyRow] = {}

    def add(party: Party, role: str) -> None:
        row = rows.setdefault(party.pk, _PartyRow(party))
        if role not in row.roles:
            row.roles.append(role)

    for link in links:
        add(link.party, link.role)
    for guarantee in guarantees:
        add(guarantee.guarantor, "guarantor")
    for security in securities:
        add(security.provider, "mortgagor" if security.kind == SecurityContract.Kind.MORTGAGE else "pledgor")
    parties = {pk: party_dict(row, reveal=reveal) for pk, row in rows.items()}
    defendants = list(parties.values())

    def with_role(role: str) -> list[dict[str, Any]]:
        return [parties[pk] for pk, row in rows.items() if role in row.roles]

    borrowers = with_role("borrower")
    co_borrowers = with_role("co_borrower")
    borrower_names = w["list_sep"].join(p["name"] for p in borrowers + co_borrowers)

    as_of, totals, per_loan = _claim_amounts(case, loans, cut_off)
    interest_total = totals["interest"] + totals["penalty"] + totals["compound"]
    total = sum(totals.values(), ZERO)
    fee = _acceptance_fee(case, total)
    proceeding, court_name = _court(case, proceeding)
    if proceeding is not None:
        # The proceeding says who is sued (a guarantor whose period has lapsed is left out of it): its
        # defendants, when it names any, not everyone on the loans.
        sued = set(
            proceeding.participants.filter(
                party__isnull=False, role__in=("defendant", "guarantor_defendant")
            ).values_list("party_id", flat=True)
        )
        if sued:
            defendants = [parties[pk] for pk in rows if pk in sued]

    loan_rows = []
    for loan in loans:
        amounts = per_loan.get(loan.pk, dict.fromkeys(LINES, ZERO))
        schedule = list(loan.instalments.all())
        repaid_principal = sum((i.paid_principal for i in schedule), ZERO) if schedule else None
        repaid_interest = sum((i.paid_interest for i in schedule), ZERO) if schedule else None
        matured = bool(
            (loan.maturity_date and loan.maturity_date <= as_of)
            or (loan.accelerated_on and loan.accelerated_on <= as_of)
        )
        loan_total = sum(amounts.values(), ZERO)
        loan_rows.append(
            {
                "contract_no": loan.contract_no,
                "product": w["products"].get(loan.product, ""),
                "currency": loan.currency,
                "principal": money(loan.principal),
                "principal_words": words(loan.principal),
                "annual_rate": rate(loan.annual_rate),
                "penalty_rate": rate(loan.penalty_rate),
                "compound_rate": rate(loan.compound_rate),
                "start_date": zh(loan.start_date),
                "maturity_date": zh(loan.maturity_date),
                "term": t["term"].format(start=zh(loan.start_date), end=zh(loan.maturity_date))
                if loan.maturity_date
                else "",
                "matured": yes_no(matured),
                "repayment_method": w["repayment_methods"].get(loan.repayment_method, ""),
                "overdue": yes_no(bool(loan.overdue_since or loan.days_past_due)),
                "overdue_since": zh(loan.overdue_since),
                "days_past_due": str(loan.days_past_due) if loan.days_past_due else "",
                "accelerated_on": zh(loan.accelerated_on),
                "repaid_principal": money(repaid_principal),
                "repaid_interest": money(repaid_interest),
                "outstanding_principal": money(amounts["principal"]),
                "interest": money(amounts["interest"]),
                "penalty": money(amounts["penalty"]),
                "compound": money(amounts["compound"]),
                "fees": money(amounts["fees"]),
                "total": money(loan_total),
                "total_words": words(loan_total),
                "borrowers": w["list_sep"].join(
                    parties[link.party_id]["name"] for link in links if link.loan_id == loan.pk
                ),
            }
        )

    guarantee_rows = [
        {
            "contract_no": g.contract_no,
            "guarantor": g.guarantor.name,
            "type": w["guarantee_joint"]
            if g.guarantee_type == GuaranteeContract.GuaranteeType.JOINT
            else w["guarantee_general"],
            "is_maximum": yes_no(g.is_maximum),
            "cap": money(g.cap_amount),
            "cap_words": words(g.cap_amount),
            "signed_on": zh(g.signed_on),
            "period_end": zh(g.period_agreed_end),
        }
        for g in guarantees
    ]
    security_rows = []
    for s in securities:
        collateral = w["list_sep"].join(c.description for c in s.collateral.all())
        security_rows.append(
            {
                "contract_no": s.contract_no,
                "kind": w["mortgage"] if s.kind == SecurityContract.Kind.MORTGAGE else w["pledge"],
                "provider": s.provider.name,
                "is_maximum": yes_no(s.is_maximum),
                "cap": money(s.cap_amount),
                "registration_no": s.registration_no,
                "registered": yes_no(bool(s.registration_no)),
                "signed_on": zh(s.signed_on),
                "collateral": collateral,
            }
        )

    next_day = as_of + timedelta(days=1)
    claim = {
        "cut_off": zh(as_of),
        "cut_off_iso": as_of.isoformat(),
        "cut_off_numerals": date_numerals(as_of),
        "next_day": zh(next_day),
        "currency": case.claim_currency,
        "principal": money(totals["principal"]),
        "principal_words": words(totals["principal"]),
        "interest": money(totals["interest"]),
        "penalty": money(totals["penalty"]),
        "compound": money(totals["compound"]),
        "fees": money(totals["fees"]),
        "interest_total": money(interest_total),
        "interest_total_words": words(interest_total),
        "total": money(total),
        "total_words": words(total),
        "charges": money(interest_total + totals["fees"]),
        "charges_words": words(interest_total + totals["fees"]),
    }
    preservation = _fee_or_none(law_fees.preservation_fee, total, case.claim_currency)
    fees = {
        "acceptance_fee": money(fee),
        "acceptance_fee_words": words(fee),
        "preservation_fee": money(preservation),
        "preservation_fee_words": words(preservation),
    }
    plaintiff = _suing_unit(case, proceeding)
    firm = case.law_firm
    member = firm.members.select_related("user__unit").order_by("pk").first() if firm is not None else None
    lawyer_user = member.user if member is not None else None
    lawyer = _user(lawyer_user) | {"firm": firm.name if firm is not None else ""}
    handler = _user(case.handler)
    agent_present = bool(lawyer_user or case.handler)
    agent = {
        "present": w["have"] if agent_present else w["have_not"],
        "name": lawyer["name"] if lawyer_user else handler["name"],
        "unit": lawyer["firm"] if lawyer_user else plaintiff["name"],
        "title": "",
        "phone": lawyer["phone"] if lawyer_user else handler["phone"],
        "authority": w["special_authority"] if agent_present else "",
    }
    service = {
        "address": plaintiff["address"],
        "recipient": agent["name"],
        "phone": agent["phone"],
        "e_service": w["no"],
        "e_service_method": "",
        "e_service_number": "",
    }

    guarantor_names = w["list_sep"].join(g["guarantor"] for g in guarantee_rows)
    claims_list = [t["claim_principal"].format(borrowers=borrower_names, principal=claim["principal"])]
    claims_list.append(
        t["claim_interest"].format(
            borrowers=borrower_names,
            cut_off=claim["cut_off"],
            interest=claim["interest_total"],
            contract=claim["interest"],
            penalty=claim["penalty"],
            compound=claim["compound"],
            next_day=claim["next_day"],
        )
    )
    for g in guarantee_rows:
        claims_list.append(
            t["claim_guarantee"].format(
                guarantor=g["guarantor"],
                liability=w["liability_joint"] if g["type"] == w["guarantee_joint"] else w["liability_general"],
            )
        )
    for row in security_rows:
        claims_list.append(
            t["claim_security"].format(provider=row["provider"], kind=row["kind"], scope=row["cap"] or claim["total"])
        )
    claims_list.append(t["claim_costs"])
    first = loan_rows[0] if loan_rows else None
    first_loan = loans[0] if loans else None
    accelerated = bool(
        first_loan
        and first_loan.accelerated_on
        and (first_loan.maturity_date is None or first_loan.accelerated_on < first_loan.maturity_date)
    )
    law_basis = (
        t["basis_law"]
        + (t["basis_law_guarantee"] if guarantee_rows else "")
        + (t["basis_law_security"] if security_rows else "")
    )
    complaint = {
        "claims": claims_list,
        "claims_text": w["clause_sep"].join(f"{n}. {text}" for n, text in enumerate(claims_list, 1)),
        "interest_method": t["interest_method"].format(
            base=first["principal"], rate=first["annual_rate"], start=first["start_date"], end=claim["cut_off"]
        )
        + w["clause_sep"]
        + t["penalty_method"].format(rate=rate(first_loan.penalty_rate) or first["annual_rate"])
        if first and first_loan
        else "",
        "interest_until_paid": w["yes"],
        "accelerate": yes_no(accelerated),
        "accelerate_kind": w["acceleration"] if accelerated else "",
        "security_claim": yes_no(bool(guarantee_rows or security_rows)),
        "security_content": w["clause_sep"].join(claims_list[2 : 2 + len(guarantee_rows) + len(security_rows)]),
        "enforcement_costs": w["no"],
        "enforcement_costs_detail": "",
        "court_costs": w["yes"],
        "other_requests": w["none"],
        "jurisdiction": w["have_not"],
        "jurisdiction_clause": "",
        "preserved": w["no"],
        "preservation_court": "",
        "preservation_date": "",
        "preservation_no": "",
        "mediation_known": w["understood"],
        "mediation_benefits": w["understood"],
        "mediation_first": w["undecided"],
        "facts_text": t["facts_summary"].format(
            borrowers=borrower_names,
            principal=first["principal"] if first else "",
            cut_off=claim["cut_off"],
            outstanding=claim["principal"],
            interest=claim["interest_total"],
        ),
        "contract_info": w["clause_sep"].join(
            t["contract_info"].format(product=row["product"], contract_no=row["contract_no"], signed=row["start_date"])
            for row in loan_rows
        ),
        "lender": plaintiff["name"],
        "borrower_names": borrower_names,
        "amount_agreed": first["principal"] if first else "",
        "amount_disbursed": first["principal"] if first else "",
        "provision_method": w["transfer"],
        "matured": first["matured"] if first else "",
        "term": first["term"] if first else "",
        "rate": first["annual_rate"] if first else "",
        "overdue_markup": "",
        "penalty_rate": first["penalty_rate"] if first else "",
        "disbursements": w["clause_sep"].join(
            t["disbursement"].format(date=row["start_date"], amount=row["principal"]) for row in loan_rows
        ),
        "repayment_method": first["repayment_method"] if first else "",
        "repaid_principal": first["repaid_principal"] if first else "",
        "repaid_interest": first["repaid_interest"] if first else "",
        "interest_paid_to": "",
        "overdue": first["overdue"] if first else "",
        "overdue_since": first["overdue_since"] if first else "",
        "overdue_days": t["overdue_days"].format(days=first["days_past_due"])
        if first and first["days_past_due"]
        else "",
        "has_security_contract": yes_no(bool(security_rows)),
        "security_signed_on": w["list_sep"].join(s["signed_on"] for s in security_rows if s["signed_on"]),
        "security_providers": w["list_sep"].join(s["provider"] for s in security_rows),
        "collateral": w["list_sep"].join(s["collateral"] for s in security_rows if s["collateral"]),
        "is_maximum": yes_no(any(s["is_maximum"] == w["yes"] for s in security_rows)),
        "maximum_crystallised": "",
        "maximum_cap": w["list_sep"].join(s["cap"] for s in security_rows if s["is_maximum"] == w["yes"] and s["cap"]),
        "registered": yes_no(any(s["registered"] == w["yes"] for s in security_rows)),
        "registration_kind": w["registration_full"] if any(s["registered"] == w["yes"] for s in security_rows) else "",
        "has_guarantee": yes_no(bool(guarantee_rows)),
        "guarantee_signed_on": w["list_sep"].join(g["signed_on"] for g in guarantee_rows if g["signed_on"]),
        "guarantors": guarantor_names,
        "guarantee_content": w["clause_sep"].join(
            t["guarantee_content"].format(guarantor=g["guarantor"], kind=g["type"], contract_no=g["contract_no"])
            for g in guarantee_rows
        ),
        "guarantee_type": guarantee_rows[0]["type"] if guarantee_rows else "",
        "other_security": w["no"],
        "other_security_form": "",
        "other_security_date": "",
        "basis_contract": t["basis_contract"],
        "basis_law": law_basis,
        "other_matters": w["none"],
        "card_info": t["card_info"].format(
            card_no=first["contract_no"], holder=borrower_names, issued=first["start_date"], unit=plaintiff["name"]
        )
        if first
        else "",
        "credit_limit": first["principal"] if first else "",
        "charge_standard": t["rate_year"].format(rate=first["annual_rate"]) if first else "",
        "terms_pointed_out": w["yes"],
        "collection": w["yes"],
        "collection_detail": t["collection"],
        "card_charges_detail": t["card_charges"].format(
            interest=claim["interest"], penalty=claim["penalty"], compound=claim["compound"], fees=claim["fees"]
        ),
        "card_termination": t["card_termination"],
        "terms_how": "",
        "repaid_after_default": "",
        "card_damages": "",
        "card_handling_fee": "",
        "basis_law_private": t["basis_law_private"],
    }
    titles = (
        [t["evidence_loan"].format(contract_no=row["contract_no"]) for row in loan_rows]
        + [t["evidence_guarantee"].format(contract_no=g["contract_no"]) for g in guarantee_rows]
        + [t["evidence_security"].format(kind=s["kind"], contract_no=s["contract_no"]) for s in security_rows]
        + [t["evidence_statement"].format(cut_off=claim["cut_off"])]
    )
    evidence = _evidence_documents(case) or [
        {"n": str(n), "title": title, "pages": "", "count": ""} for n, title in enumerate(titles, 1)
    ]
    complaint["evidence_text"] = w["clause_sep"].join(
        t["evidence_item"].format(n=e["n"], title=e["title"]) for e in evidence
    )
    proceeding_dict = {
        "kind": w["proceedings"].get(proceeding.kind, "") if proceeding is not None else "",
        "court_case_number": proceeding.court_case_number if proceeding is not None else "",
    }
    return {
        "case": {
            "internal_no": case.internal_no,
            "cause_of_action": case.cause_of_action,
            "opened_on": zh(case.opened_on),
        },
        "creditor": {
            "name": case.creditor.name,
            "legal_name": case.creditor.legal_name,
            "uscc": case.creditor.uscc,
            "legal_representative": case.creditor.legal_representative,
            "address": case.creditor.address,
        },
        "plaintiff": plaintiff,
        "suing_unit": plaintiff,
        "agent": agent,
        "service": service,
        "defendants": defendants,
        "defendant_persons": [p for p in defendants if p["is_person"]],
        "defendant_companies": [p for p in defendants if not p["is_person"]],
        "borrowers": borrowers,
        "co_borrowers": co_borrowers,
        "guarantors": with_role("guarantor"),
        "security_providers": with_role("mortgagor") + with_role("pledgor"),
        "loans": loan_rows,
        "loan": first or {},
        "guarantees": guarantee_rows,
        "securities": security_rows,
        "claim": claim,
        "fees": fees,
        "court": {"name": court_name},
        "proceeding": proceeding_dict,
        "handler": handler,
        "lawyer": lawyer,
        "today": day(timezone.localdate()),
        "complaint": complaint,
        "evidence": evidence,
        "words": {k: v for k, v in w.items() if isinstance(v, str) and not k.startswith("_")},
    }
