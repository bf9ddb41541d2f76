"""Write-offs (核销) per loan with their evidence checklist, and debt transfers (债权转让) of sets of cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import ledger as case_ledger
from loanlit.cases.models import Case, CaseLoan
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor
from loanlit.enforcement.models import DebtTransfer, DebtTransferItem, EvidenceItem, FollowUp, WriteOff
from loanlit.enforcement.services._common import (
    bump,
    clean_text,
    lock_versioned,
    money_str,
    not_in_future,
    record,
    require_amount,
    require_case_write,
    require_write_off_permission,
)
from loanlit.enforcement.services.terminations import NOTIFY_CHANGE_OF_PARTY, change_of_party_due
from loanlit.law.identifiers import validate_uscc
from loanlit.loans import services as loans
from loanlit.loans.models import LoanContract


@transaction.atomic
def write_off_record(
    *,
    actor: Any,
    case: Case,
    loan: LoanContract,
    written_off_on: date,
    amount: Decimal,
    approval_ref: str,
    note: str = "",
) -> WriteOff:
    """Write a loan of the case off the books (核销). The case stays open (账销案存): enforcement goes on, and
    recoveries from the write-off date are reported separately. The loan is marked written off."""
    require_write_off_permission(actor)
    case = require_case_write(actor, case)
    if not CaseLoan.objects.filter(case=case, loan=loan).exists():
        raise DomainError(_("This loan is not sued on in this case."), code="loan_not_in_case")
    if WriteOff.objects.filter(loan=loan).exists():
        raise DomainError(_("This loan is already written off."), code="already_written_off")
    approval_ref = clean_text(approval_ref, 100)
    if not approval_ref:
        raise DomainError(_("Enter the reference of the write-off approval."), code="approval_required")
    value = require_amount(amount)
    not_in_future(written_off_on, _("The write-off date"))
    fresh = LoanContract.objects.get(pk=loan.pk)
    loans.loan_update(actor=actor, loan=fresh, version=fresh.version, written_off=True, written_off_on=written_off_on)
    row = WriteOff.objects.create(
        case=case,
        loan=loan,
        written_off_on=written_off_on,
        currency=loan.currency,
        amount=value,
        approval_ref=approval_ref,
        note=clean_text(note, 300),
        recorded_by=actor,
    )
    EvidenceItem.objects.bulk_create(EvidenceItem(write_off=row, kind=kind) for kind in EvidenceItem.Kind.values)
    record(
        actor=actor,
        case_id=case.pk,
        action="write_off.recorded",
        target=row,
        changes={
            "loan": loan.pk,
            "contract_no": loan.contract_no,
            "written_off_on": written_off_on,
            "amount": money_str(value),
            "approval_ref": approval_ref,
        },
    )
    return row


@transaction.atomic
def evidence_update(*, actor: Any, item: EvidenceItem, version: int, status: str, reference: str = "") -> EvidenceItem:
    """Tick one line of the write-off file's checklist and say where the evidence is."""
    require_case_write(actor, item.write_off.case)
    row = lock_versioned(EvidenceItem, item.pk, version)
    if status not in EvidenceItem.Status.values:
        raise DomainError(_("Choose the status."), code="invalid_status")
    reference = clean_text(reference, 200)
    if status == EvidenceItem.Status.ON_FILE and not reference:
        raise DomainError(_("Say where the evidence is (file number, folder, system)."), code="reference_required")
    changes = {
        k: [getattr(row, k), v] for k, v in (("status", status), ("reference", reference)) if getattr(row, k) != v
    }
    if not changes:
        return row
    row.status, row.reference, row.updated_by = status, reference, actor
    bump(row, "status", "reference", "updated_by")
    record(
        actor=actor,
        case_id=row.write_off.case_id,
        action="write_off.evidence_updated",
        target=row,
        changes={"kind": row.kind, **changes},
    )
    return row


@transaction.atomic
def debt_transfer_record(
    *,
    actor: Any,
    creditor: Creditor,
    buyer: str,
    agreed_on: date,
    base_date: date,
    price: Decimal,
    cases: Sequence[Case],
    buyer_uscc: str = "",
    reference: str = "",
    note: str = "",
) -> DebtTransfer:
    """Sell the debts of ``cases`` to ``buyer``. Recoveries after ``base_date`` belong to the buyer; each case
    gets a follow-up for its handler to change the plaintiff or the applicant for enforcement."""
    from loanlit.notifications.services import notify

    require_write_off_permission(actor)
    buyer = clean_text(buyer, 200)
    if not buyer:
        raise DomainError(_("Enter the buyer."), code="buyer_required")
    uscc = "".join((buyer_uscc or "").split()).upper()
    if uscc and not validate_uscc(uscc).valid:
        raise DomainError(_("The buyer's unified social credit code is not valid."), code="invalid_uscc")
    if not cases:
        raise DomainError(_("Choose at least one case."), code="no_cases")
    not_in_future(agreed_on, _("The date of the agreement"))
    if base_date > agreed_on:
        raise DomainError(_("The base date cannot be after the agreement."), code="invalid_dates")
    value = require_amount(price)
    locked: list[Case] = []
    for case in sorted({c.pk: c for c in cases}.values(), key=lambda c: c.pk):
        row = require_case_write(actor, case)
        if row.creditor_id != creditor.pk:
            raise DomainError(
                _("Case %(case)s belongs to another creditor.") % {"case": row.internal_no}, code="case_other_creditor"
            )
        if DebtTransferItem.objects.filter(case=row).exists():
            raise DomainError(
                _("The debt of case %(case)s was already transferred.") % {"case": row.internal_no},
                code="already_transferred",
            )
        locked.append(row)
    transfer = DebtTransfer.objects.create(
        creditor=creditor,
        buyer=buyer,
        buyer_uscc=uscc,
        agreed_on=agreed_on,
        base_date=base_date,
        currency=locked[0].claim_currency,
        price=value,
        reference=clean_text(reference, 100),
        note=clean_text(note, 300),
        recorded_by=actor,
    )
    due = change_of_party_due(agreed_on)
    follow_ups = []
    for case in locked:
        item = DebtTransferItem.objects.create(
            transfer=transfer,
            case=case,
            currency=case.claim_currency,
            outstanding=case_ledger.case_outstanding(case).outstanding,
        )
        item.loans.set(list(CaseLoan.objects.filter(case=case).values_list("loan_id", flat=True)))
        follow_ups.append(
            FollowUp(
                case=case,
                kind=FollowUp.Kind.CHANGE_OF_PARTY,
                source_key=f"transfer:{transfer.pk}:c{case.pk}",
                transfer=transfer,
                due_on=due,
                assigned_to=case.handler,
            )
        )
        record(
            actor=actor,
            case_id=case.pk,
            action="debt_transfer.recorded",
            target=item,
            changes={
                "transfer": transfer.pk,
                "buyer": buyer,
                "base_date": base_date,
                "agreed_on": agreed_on,
                "outstanding": money_str(item.outstanding),
            },
        )
    FollowUp.objects.bulk_create(follow_ups)
    for follow_up in FollowUp.objects.filter(transfer=transfer).select_related("case", "assigned_to"):
        if follow_up.assigned_to is not None:
            notify(
                recipients=[follow_up.assigned_to],
                code=NOTIFY_CHANGE_OF_PARTY,
                title=_("Debt transferred: %(case)s") % {"case": follow_up.case.internal_no},
                body=_("Apply to change the plaintiff or the applicant for enforcement by %(date)s.")
                % {"date": follow_up.due_on.isoformat()},
                link=reverse("enforcement:case", args=[follow_up.case_id]) + f"#follow-up-{follow_up.pk}",
                target=follow_up,
            )
    audit.record(
        actor=actor,
        action="debt_transfer.created",
        target=transfer,
        changes={
            "buyer": buyer,
            "buyer_uscc": uscc,
            "price": money_str(value),
            "cases": [c.pk for c in locked],
        },
    )
    return transfer
