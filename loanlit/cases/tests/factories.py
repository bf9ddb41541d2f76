"""Test data for the cases app, written with the ORM directly (tests may write models)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from loanlit.core.models import Creditor, OrgUnit
from loanlit.loans.models import LoanContract, LoanParty
from loanlit.parties.models import Party, PartyContact
from loanlit.parties.services import normalize_name
from loanlit.parties.tests.support import make_ric

_seq = count(1)


def party(creditor: Creditor, name: str, *, ric: str | None = None, mobile: str | None = None) -> Party:
    row = Party(
        creditor=creditor,
        kind=Party.Kind.PERSON,
        name=name,
        name_normalized=normalize_name(name),
        id_type=Party.IdType.RIC if ric else Party.IdType.NONE,
        id_valid=bool(ric),
    )
    if ric:
        row.id_number = ric
    row.save()
    if mobile:
        contact = PartyContact(party=row, kind=PartyContact.Kind.PHONE, source=PartyContact.Source.MANUAL)
        contact.phone = mobile
        contact.save()
    return row


def loan(
    creditor: Creditor,
    unit: OrgUnit,
    *,
    borrower: Party | None = None,
    contract_no: str | None = None,
    principal: str = "100000.00",
    rate: str = "4.35",
    start: dt.date = dt.date(2023, 1, 10),
    maturity: dt.date = dt.date(2024, 1, 10),
    days_past_due: int = 0,
    product: str = "consumer",
    currency: str = "CNY",
    **extra: object,
) -> LoanContract:
    n = next(_seq)
    row = LoanContract.objects.create(
        creditor=creditor,
        unit=unit,
        unit_path=unit.path,
        contract_no=contract_no or f"LN-{n:05d}",
        product=product,
        currency=currency,
        principal=Decimal(principal),
        annual_rate=Decimal(rate),
        day_count_basis="actual/360",
        start_date=start,
        maturity_date=maturity,
        repayment_method="bullet",
        days_past_due=days_past_due,
        **extra,
    )
    if borrower is not None:
        LoanParty.objects.create(loan=row, party=borrower, role=LoanParty.Role.BORROWER)
    return row


def borrower_loan(creditor: Creditor, unit: OrgUnit, name: str = "Zhang San", seq: int = 1, **kwargs: object):
    person = party(creditor, name, ric=make_ric(seq), mobile=f"1380013{seq:04d}")
    return person, loan(creditor, unit, borrower=person, **kwargs)
