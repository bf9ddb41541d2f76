"""A small crafted portfolio for the dashboard tests (real cases through the case services, then facts).

* BJ-1 — Beijing branch, 京0105 court (Beijing, 11), opened 2026-01-05, claim 12,345.67, judgment for
  the whole claim (won), recovered 5,000.00 on 2026-03-02.
* BJ-2 — Chaoyang sub-branch (under Beijing), 沪0101 court (Shanghai, 31), opened 2026-02-10,
  claim 8,000.00, no judgment.
* GD-1 — Guangdong branch, 粤0104 court (Guangdong, 44), opened 2026-02-20, claim 31,000.00.

The legal manager (head office) sees all three; the Beijing case handler sees BJ-1 and BJ-2; the
Guangdong handler (outsider_branch) sees GD-1 only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loanlit.cases import services
from loanlit.cases.models import Case, Court, Proceeding
from loanlit.cases.services.proceedings import JudgmentItemInput
from loanlit.cases.tests import factories
from loanlit.reports.services.facts import facts_refresh


@dataclass
class Portfolio:
    bj1: Case
    bj2: Case
    gd1: Case

    @property
    def cases(self) -> list[Case]:
        return [self.bj1, self.bj2, self.gd1]


def open_case(
    personas: Any,
    *,
    unit: Any,
    handler: Any,
    court_code: str,
    opened_on: dt.date,
    principal: str,
    interest: str,
    name: str,
    seq: int,
) -> tuple[Case, Proceeding]:
    _borrower, loan = factories.borrower_loan(
        personas.creditor, unit, name=name, seq=seq, principal=principal, days_past_due=120
    )
    case = services.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=unit,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=handler,
        opened_on=opened_on,
    )
    case = services.case_compute_claim(
        actor=None,
        case=case,
        as_of=opened_on,
        override=services.ClaimOverride(principal=Decimal(principal), interest=Decimal(interest), reason="statement"),
        version=case.version,
    ).case
    proceeding = services.proceeding_open(
        actor=None,
        case=case,
        kind=Proceeding.Kind.FIRST_INSTANCE,
        court=Court.objects.get(caseno_code=court_code),
        filed_on=opened_on + dt.timedelta(days=5),
    )
    return case, proceeding


def build_portfolio(personas: Any, *, extra: int = 0) -> Portfolio:
    """The three cases (plus ``extra`` more Guangdong cases for the query-count guard), facts refreshed."""
    bj1, p1 = open_case(
        personas,
        unit=personas.beijing,
        handler=personas.case_handler,
        court_code="京0105",
        opened_on=dt.date(2026, 1, 5),
        principal="12000.00",
        interest="345.67",
        name="Zhang San",
        seq=1,
    )
    p1.refresh_from_db()
    services.proceeding_record_judgment(
        actor=None,
        proceeding=p1,
        judged_on=dt.date(2026, 2, 4),
        items=[
            JudgmentItemInput(kind="principal", amount=Decimal("12000.00")),
            JudgmentItemInput(kind="interest", amount=Decimal("345.67")),
        ],
        version=p1.version,
    )
    bj1.refresh_from_db()
    services.recovery_record(
        actor=None, case=bj1, received_on=dt.date(2026, 3, 2), amount=Decimal("5000.00"), source="borrower_payment"
    )
    bj2, _p2 = open_case(
        personas,
        unit=personas.beijing_chaoyang,
        handler=personas.case_handler,
        court_code="沪0101",
        opened_on=dt.date(2026, 2, 10),
        principal="8000.00",
        interest="0.00",
        name="Li Si",
        seq=2,
    )
    gd1, _p3 = open_case(
        personas,
        unit=personas.guangdong,
        handler=personas.outsider_branch,
        court_code="粤0104",
        opened_on=dt.date(2026, 2, 20),
        principal="30000.00",
        interest="1000.00",
        name="Wang Wu",
        seq=3,
    )
    ids = [bj1.pk, bj2.pk, gd1.pk]
    for n in range(extra):
        case, _p = open_case(
            personas,
            unit=personas.guangdong,
            handler=personas.outsider_branch,
            court_code="粤0105",
            opened_on=dt.date(2025, 6 + n % 6, 1 + n),
            principal="1000.00",
            interest="10.00",
            name=f"Extra {n}",
            seq=10 + n,
        )
        ids.append(case.pk)
    facts_refresh(case_ids=ids)
    for case in (bj1, bj2, gd1):
        case.refresh_from_db()
    return Portfolio(bj1, bj2, gd1)
