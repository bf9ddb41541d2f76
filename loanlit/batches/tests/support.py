"""A batch world: four Beijing-branch cases built through the services, as a user would.

* ``a`` — 王<某> in 朝阳区 (court 京0105), claim 103,456.78, full evidence, a joint guarantor whose
  guarantee period (six months from the 2025-06-01 maturity) ended on 2025-12-01: included, guarantor
  not sued.
* ``d`` — 李四 in 朝阳区, claim 88,000.12, full evidence: included.
* ``c`` — 赵六 in 海淀区 (court 京0108), claim 60,000.00, full evidence but no ID number: included, and
  its filing pack fails.
* ``b`` — 钱五, claim 20,000.00, no evidence: excluded (below the 50,000.00 threshold, evidence missing).
* ``gd`` — a Guangdong-branch case nobody in Beijing may select.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loanlit.batches import services
from loanlit.batches.models import Batch
from loanlit.cases import services as cases
from loanlit.cases.models import Case
from loanlit.cases.tests import factories
from loanlit.core.models import OrgUnit
from loanlit.documents.tests.support import add_pdf
from loanlit.loans.models import GuaranteeContract, LoanBalanceSnapshot, LoanContract
from loanlit.parties.models import Party, PartyContact
from loanlit.parties.services import normalize_name
from loanlit.parties.tests.support import make_ric

D = Decimal
MATURITY = dt.date(2025, 6, 1)
FILING_ON = dt.date(2025, 12, 15)
CAUSE = "金融借款合同纠纷"


@dataclass
class BatchWorld:
    personas: Any
    a: Case
    b: Case
    c: Case
    d: Case
    gd: Case
    guarantor: Party
    batch: Batch


def _address(party: Party, text: str) -> None:
    PartyContact.objects.create(
        party=party, kind=PartyContact.Kind.ADDRESS, address_kind=PartyContact.AddressKind.DOMICILE, address=text
    )


def _case(
    personas: Any,
    *,
    seq: int,
    name: str,
    address: str,
    amount: str,
    evidence: bool,
    unit: OrgUnit | None = None,
    ric: bool = True,
) -> tuple[Case, LoanContract]:
    unit = unit or personas.beijing
    borrower = factories.party(personas.creditor, name, ric=make_ric(seq) if ric else None)
    _address(borrower, address)
    loan = factories.loan(
        personas.creditor,
        unit,
        borrower=borrower,
        contract_no=f"JK-2024-{seq:04d}",
        principal=amount,
        start=dt.date(2024, 6, 1),
        maturity=MATURITY,
        days_past_due=180,
        overdue_since=dt.date(2025, 6, 2),
    )
    LoanBalanceSnapshot.objects.create(loan=loan, as_of=dt.date(2025, 12, 1), currency="CNY", principal=D(amount))
    case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=unit,
        cause_of_action=CAUSE,
        loans=[loan],
        handler=personas.case_handler if unit == personas.beijing else None,
        opened_on=dt.date(2025, 11, 1),
    )
    if evidence:
        for category, filename in (
            ("loan_contract", "借款合同 JK.pdf"),
            ("iou", "借据.pdf"),
            ("repayment_record", "还款记录 (2025).pdf"),
        ):
            add_pdf(case, None, title=category, filename=filename, category=category)
    return case, loan


def build_batch_world(personas: Any, *, min_claim: str = "50000.00") -> BatchWorld:
    OrgUnit.objects.filter(pk=personas.beijing.pk).update(
        legal_name="演示银行股份有限公司北京分行",
        uscc="91110000100000001X",
        responsible_person="李行长",
        responsible_title="行长",
        address="北京市西城区金融大街1号",
    )
    personas.beijing.refresh_from_db()
    a, loan_a = _case(
        personas, seq=1, name="王<某>", address="北京市朝阳区建国路8号", amount="103456.78", evidence=True
    )
    guarantor = Party.objects.create(
        creditor=personas.creditor,
        kind=Party.Kind.COMPANY,
        name="A&B融资担保有限公司",
        name_normalized=normalize_name("A&B融资担保有限公司"),
        id_type=Party.IdType.USCC,
        uscc="91110105MA01ABCD2X",
    )
    guarantee = GuaranteeContract.objects.create(
        creditor=personas.creditor,
        contract_no="BZ-2024-0001",
        guarantor=guarantor,
        guarantee_type=GuaranteeContract.GuaranteeType.JOINT,
        signed_on=dt.date(2024, 6, 1),
    )
    guarantee.loans.add(loan_a)
    b, _ = _case(personas, seq=2, name="钱五", address="北京市朝阳区光华路1号", amount="20000.00", evidence=False)
    c, _ = _case(
        personas, seq=3, name="赵六", address="北京市海淀区中关村大街1号", amount="60000.00", evidence=True, ric=False
    )
    d, _ = _case(personas, seq=4, name="李四", address="北京朝阳区东三环中路5号", amount="88000.12", evidence=True)
    gd, _ = _case(
        personas,
        seq=5,
        name="孙七",
        address="广州市天河区体育西路1号",
        amount="70000.00",
        evidence=False,
        unit=personas.guangdong,
    )
    batch = services.batch_create(
        actor=personas.case_handler,
        name="2025年第4批",
        creditor=personas.creditor,
        filing_on=FILING_ON,
        min_claim=D(min_claim),
    )
    return BatchWorld(personas, a, b, c, d, gd, guarantor, batch)
