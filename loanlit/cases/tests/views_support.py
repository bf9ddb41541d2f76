"""A small, fully known case world for the page tests (built through the services, as a user would)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loanlit.cases import services
from loanlit.cases.models import Case, Court, Proceeding
from loanlit.cases.tests import factories
from loanlit.loans.models import LoanContract
from loanlit.parties.models import Party


@dataclass
class CaseWorld:
    personas: Any
    case: Case
    borrower: Party
    loan: LoanContract
    proceeding: Proceeding
    court: Court


def build_case_world(personas: Any, *, name: str = "Zhang San", seq: int = 1) -> CaseWorld:
    borrower, loan = factories.borrower_loan(
        personas.creditor, personas.beijing, name=name, seq=seq, principal="12000.00", days_past_due=120
    )
    case = services.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.case_handler,
        opened_on=dt.date(2026, 1, 5),
    )
    case = services.case_compute_claim(
        actor=None,
        case=case,
        as_of=dt.date(2026, 1, 5),
        override=services.ClaimOverride(
            principal=Decimal("12000.00"), interest=Decimal("345.67"), reason="bank statement"
        ),
        version=case.version,
    ).case
    court = Court.objects.get(caseno_code="京0105")
    proceeding = services.proceeding_open(
        actor=None, case=case, kind=Proceeding.Kind.FIRST_INSTANCE, court=court, filed_on=dt.date(2026, 1, 10)
    )
    services.proceeding_party_add(actor=None, proceeding=proceeding, role="plaintiff", unit=personas.beijing)
    services.proceeding_party_add(actor=None, proceeding=proceeding, role="defendant", party=borrower)
    case.refresh_from_db()
    proceeding.refresh_from_db()
    return CaseWorld(personas, case, borrower, loan, proceeding, court)


def text(response: Any) -> str:
    """A response's HTML with runs of whitespace folded, so assertions can quote markup on one line."""
    return re.sub(r"\s+", " ", response.content.decode())
