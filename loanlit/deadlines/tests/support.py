"""A case world for the deadline tests, built through the cases services as a user would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from loanlit.cases import services as cases
from loanlit.cases.models import Case, Court, Proceeding, ProceedingParty
from loanlit.cases.tests import factories
from loanlit.deadlines.models import Deadline
from loanlit.loans.models import LoanContract
from loanlit.parties.models import Party


@dataclass
class World:
    personas: Any
    case: Case
    loan: LoanContract
    borrower: Party
    guarantor: Party
    proceeding: Proceeding
    plaintiff: ProceedingParty
    defendant: ProceedingParty
    guarantor_defendant: ProceedingParty


def build_world(personas: Any, *, filed_on: dt.date = dt.date(2025, 8, 1), seq: int = 1) -> World:
    borrower, loan = factories.borrower_loan(
        personas.creditor, personas.beijing, name="Zhang San", seq=seq, principal="12000.00", days_past_due=120
    )
    guarantor = factories.party(personas.creditor, "Li Si")
    case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.case_handler,
        opened_on=filed_on,
    )
    court = Court.objects.get(caseno_code="京0105")
    proceeding = cases.proceeding_open(
        actor=None, case=case, kind=Proceeding.Kind.FIRST_INSTANCE, court=court, filed_on=filed_on
    )
    plaintiff = cases.proceeding_party_add(actor=None, proceeding=proceeding, role="plaintiff", unit=personas.beijing)
    defendant = cases.proceeding_party_add(actor=None, proceeding=proceeding, role="defendant", party=borrower)
    guarantor_defendant = cases.proceeding_party_add(
        actor=None, proceeding=proceeding, role="guarantor_defendant", party=guarantor
    )
    case.refresh_from_db()
    proceeding.refresh_from_db()
    return World(personas, case, loan, borrower, guarantor, proceeding, plaintiff, defendant, guarantor_defendant)


def serve(participant: ProceedingParty, document: str, served_on: dt.date, method: str = "direct") -> None:
    cases.service_record_add(
        actor=None, proceeding_party=participant, document=document, served_on=served_on, method=method
    )


def one(case: Case, kind: str, participant: ProceedingParty | None = None) -> Deadline:
    qs = Deadline.objects.filter(case=case, kind=kind)
    if participant is not None:
        qs = qs.filter(proceeding_party=participant)
    return qs.get()
