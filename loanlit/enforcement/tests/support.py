"""A judged case world for the enforcement tests, built through the cases services as a user would."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loanlit.cases import services as cases
from loanlit.cases.models import Case, Court, Judgment, Proceeding, ProceedingParty
from loanlit.cases.tests import factories
from loanlit.loans.models import LoanContract
from loanlit.parties.models import Party

D = Decimal


@dataclass
class World:
    personas: Any
    case: Case
    loan: LoanContract
    borrower: Party
    court: Court
    first: Proceeding
    plaintiff: ProceedingParty
    defendant: ProceedingParty
    judgment: Judgment


def build_world(
    personas: Any,
    *,
    seq: int = 1,
    name: str = "Zhang San",
    judged_on: dt.date = dt.date(2025, 3, 3),
    served_on: dt.date = dt.date(2025, 3, 5),
    unit: Any = None,
    handler: Any = None,
    costs: str = "2300.00",
) -> World:
    """Principal 100,000.00 and interest 5,000.00 adjudged, an acceptance fee of 2,300.00 borne by the
    defendant. With the default dates: served 2025-03-05 → effective 2025-03-21, performance ends 2025-03-31."""
    unit = unit or personas.beijing
    borrower, loan = factories.borrower_loan(
        personas.creditor, unit, name=name, seq=seq, principal="100000.00", days_past_due=200
    )
    case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=unit,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=handler or personas.case_handler,
        opened_on=judged_on - dt.timedelta(days=60),
    )
    court = Court.objects.get(caseno_code="京0105")
    first = cases.proceeding_open(
        actor=None,
        case=case,
        kind=Proceeding.Kind.FIRST_INSTANCE,
        court=court,
        filed_on=judged_on - dt.timedelta(days=50),
    )
    plaintiff = cases.proceeding_party_add(actor=None, proceeding=first, role="plaintiff", unit=unit)
    defendant = cases.proceeding_party_add(actor=None, proceeding=first, role="defendant", party=borrower)
    for stage in ("filed", "in_trial", "judged"):
        case.refresh_from_db()
        cases.case_change_stage(actor=None, case=case, to_stage=stage, version=case.version)
    if D(costs):
        cases.cost_record(
            actor=None,
            case=case,
            kind="acceptance_fee",
            amount=D(costs),
            paid_on=judged_on - dt.timedelta(days=50),
            payer="creditor",
            borne_by_defendant=True,
            proceeding=first,
        )
    first.refresh_from_db()
    judgment = cases.proceeding_record_judgment(
        actor=None,
        proceeding=first,
        judged_on=judged_on,
        items=[
            cases.JudgmentItemInput(kind="principal", amount=D("100000.00")),
            cases.JudgmentItemInput(kind="interest", amount=D("5000.00")),
        ],
        version=first.version,
    )
    for participant in (plaintiff, defendant):
        cases.service_record_add(
            actor=None, proceeding_party=participant, document="judgment", served_on=served_on, method="direct"
        )
    judgment.refresh_from_db()
    case.refresh_from_db()
    first.refresh_from_db()
    return World(personas, case, loan, borrower, court, first, plaintiff, defendant, judgment)


def apply(world: World, applied_on: dt.date = dt.date(2025, 4, 15), **kwargs: Any):
    from loanlit.enforcement import services

    return services.enforcement_apply(actor=None, case=world.case, court=world.court, applied_on=applied_on, **kwargs)


def deposit(world: World, found_on: dt.date = dt.date(2025, 4, 1)):
    from loanlit.enforcement import services

    return services.asset_add(
        actor=None,
        case=world.case,
        kind="deposit",
        description="Current account",
        source="asset_search",
        found_on=found_on,
        owner=world.borrower,
        registration_no="6222 0202 0000 1234",
        estimated_value=D("8000.00"),
    )
