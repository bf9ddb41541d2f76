"""A case world for the docgen tests: a Beijing-branch loan case with a person borrower, a company
guarantor and a balance snapshot on the cut-off date, so every amount of the claim is known exactly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loanlit.cases import services as cases
from loanlit.cases.models import Case, Court, Proceeding
from loanlit.cases.tests import factories
from loanlit.core.models import OrgUnit
from loanlit.loans.models import GuaranteeContract, LoanBalanceSnapshot, LoanContract
from loanlit.parties.models import Party, PartyContact
from loanlit.parties.services import normalize_name
from loanlit.parties.tests.support import make_ric

CUT_OFF = dt.date(2026, 12, 3)
BORROWER = "王<某>"
GUARANTOR = "A&B融资担保有限公司"
BANK = "演示银行股份有限公司北京分行"


@dataclass
class World:
    case: Case
    loan: LoanContract
    borrower: Party
    guarantor: Party
    court: Court
    proceeding: Proceeding
    ric: str


def build_world(personas: Any, *, seq: int = 1, borrower_name: str = BORROWER) -> World:
    OrgUnit.objects.filter(pk=personas.beijing.pk).update(
        legal_name=BANK,
        uscc="91110000100000001X",
        responsible_person="李行长",
        responsible_title="行长",
        address="北京市西城区金融大街1号",
    )
    ric = make_ric(seq)
    borrower = factories.party(personas.creditor, borrower_name, ric=ric, mobile=f"1380013{seq:04d}")
    Party.objects.filter(pk=borrower.pk).update(gender="male", birth_date=dt.date(1990, 3, 7))
    borrower.refresh_from_db()
    PartyContact.objects.create(
        party=borrower,
        kind=PartyContact.Kind.ADDRESS,
        address_kind=PartyContact.AddressKind.DOMICILE,
        address="北京市朝阳区建国路8号",
    )
    guarantor = Party.objects.create(
        creditor=personas.creditor,
        kind=Party.Kind.COMPANY,
        name=GUARANTOR,
        name_normalized=normalize_name(GUARANTOR),
        id_type=Party.IdType.USCC,
        uscc="91110105MA01ABCD2X",
        legal_representative="赵&钱",
    )
    loan = factories.loan(
        personas.creditor,
        personas.beijing,
        borrower=borrower,
        contract_no=f"JK-2023-{seq:04d}",
        principal="100000.00",
        rate="4.35",
        penalty_rate=Decimal("6.525"),
        start=dt.date(2023, 1, 10),
        maturity=dt.date(2024, 1, 10),
        days_past_due=1058,
        overdue_since=dt.date(2024, 1, 11),
    )
    LoanBalanceSnapshot.objects.create(
        loan=loan,
        as_of=CUT_OFF,
        currency="CNY",
        principal=Decimal("100000.00"),
        interest_on_balance=Decimal("3000.00"),
        penalty=Decimal("1234.56"),
        compound=Decimal("12.34"),
    )
    guarantee = GuaranteeContract.objects.create(
        creditor=personas.creditor,
        contract_no=f"BZ-2023-{seq:04d}",
        guarantor=guarantor,
        guarantee_type=GuaranteeContract.GuaranteeType.JOINT,
        signed_on=dt.date(2023, 1, 10),
    )
    guarantee.loans.add(loan)
    case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.case_handler,
        opened_on=dt.date(2026, 11, 20),
    )
    court = Court.objects.get(caseno_code="京0105")
    proceeding = cases.proceeding_open(
        actor=None, case=case, kind=Proceeding.Kind.FIRST_INSTANCE, court=court, filed_on=None
    )
    case.refresh_from_db()
    return World(case, loan, borrower, guarantor, court, proceeding, ric)
