"""A known portfolio for the export tests, built through the case services like a user would."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from loanlit.cases import services
from loanlit.cases.models import Case, Court, Proceeding
from loanlit.cases.services.proceedings import JudgmentItemInput
from loanlit.cases.tests import factories
from loanlit.parties.models import Party
from loanlit.parties.tests.support import make_ric

SHANGHAI = ZoneInfo("Asia/Shanghai")
CARD_CONTRACT = "6222021234567890123"  # a 19-digit card number used as the contract number
FIRST_CASE_NO = "（2026）京0105民初1234号"
ENFORCEMENT_CASE_NO = "（2026）京0105执567号"


@dataclass
class Portfolio:
    personas: Any
    full: Case  # the case with every ledger column filled
    full_borrower: Party
    cases: list[Case]  # the five Beijing cases, ``full`` first
    guangdong_case: Case


def _open(personas: Any, *, name: str, seq: int, opened_on: dt.date, contract_no: str | None = None, **loan: Any):
    borrower, loan_row = factories.borrower_loan(
        personas.creditor, personas.beijing, name=name, seq=seq, contract_no=contract_no, **loan
    )
    case = services.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan_row],
        handler=personas.case_handler,
        opened_on=opened_on,
    )
    return borrower, case


def _claim(case: Case, principal: str, interest: str, penalty: str = "0.00") -> Case:
    return services.case_compute_claim(
        actor=None,
        case=case,
        as_of=case.opened_on,
        override=services.ClaimOverride(
            principal=Decimal(principal), interest=Decimal(interest), penalty=Decimal(penalty), reason="statement"
        ),
        version=case.version,
    ).case


def _fill_ledger(personas: Any, case: Case, borrower: Party) -> Case:
    actor = personas.case_handler
    court = Court.objects.get(caseno_code="京0105")
    first = services.proceeding_open(
        actor=actor,
        case=case,
        kind=Proceeding.Kind.FIRST_INSTANCE,
        court=court,
        court_case_number=FIRST_CASE_NO,
        filed_on=dt.date(2026, 1, 10),
    )
    services.proceeding_party_add(actor=actor, proceeding=first, role="plaintiff", unit=personas.beijing)
    services.proceeding_party_add(actor=actor, proceeding=first, role="defendant", party=borrower)
    services.hearing_schedule(actor=actor, proceeding=first, starts_at=dt.datetime(2026, 2, 3, 9, 30, tzinfo=SHANGHAI))
    services.hearing_schedule(
        actor=actor, proceeding=first, starts_at=dt.datetime(2026, 2, 24, 23, 30, tzinfo=SHANGHAI)
    )
    services.cost_record(
        actor=actor,
        case=case,
        kind="acceptance_fee",
        amount=Decimal("54.32"),
        paid_on=dt.date(2026, 1, 10),
        payer="creditor",
        borne_by_defendant=True,
        proceeding=first,
    )
    services.cost_record(
        actor=actor,
        case=case,
        kind="lawyer_fee",
        amount=Decimal("800.00"),
        paid_on=dt.date(2026, 1, 12),
        payer="creditor",
        borne_by_defendant=False,
    )
    first.refresh_from_db()
    services.proceeding_record_judgment(
        actor=actor,
        proceeding=first,
        judged_on=dt.date(2026, 3, 2),
        items=[
            JudgmentItemInput(kind="principal", amount=Decimal("12000.00")),
            JudgmentItemInput(kind="interest", amount=Decimal("345.67")),
        ],
        version=first.version,
    )
    first.refresh_from_db()
    services.proceeding_record_result(
        actor=actor,
        proceeding=first,
        result="judgment",
        result_on=dt.date(2026, 3, 2),
        version=first.version,
        close=True,
    )
    enforcement = services.proceeding_open(
        actor=actor,
        case=case,
        kind=Proceeding.Kind.ENFORCEMENT,
        court=court,
        court_case_number=ENFORCEMENT_CASE_NO,
        filed_on=dt.date(2026, 4, 20),
        follows=first,
    )
    services.recovery_record(
        actor=actor,
        case=case,
        received_on=dt.date(2026, 5, 6),
        amount=Decimal("1000.01"),
        source="court_enforcement",
        proceeding=enforcement,
    )
    enforcement.refresh_from_db()
    services.proceeding_record_result(
        actor=actor,
        proceeding=enforcement,
        result="terminated_for_now",
        result_on=dt.date(2026, 6, 30),
        version=enforcement.version,
    )
    case.refresh_from_db()
    firm = services.law_firm_create(actor=None, name="Panel Firm", creditors=[personas.creditor])
    services.case_place_with_firm(actor=None, case=case, law_firm=firm, version=case.version)
    case.refresh_from_db()
    return case


def build_portfolio(personas: Any) -> Portfolio:
    borrower, full = _open(
        personas, name="Zhang San", seq=1, opened_on=dt.date(2026, 1, 5), contract_no=CARD_CONTRACT, days_past_due=120
    )
    full = _fill_ledger(personas, _claim(full, "12000.00", "345.67", "12.34"), borrower)
    cases = [full]
    for seq, (name, opened) in enumerate(
        [("Li Si", dt.date(2026, 1, 20)), ("Wang Wu", dt.date(2026, 2, 1)), ("Zhao Liu", dt.date(2026, 2, 15))],
        start=2,
    ):
        _borrower, case = _open(personas, name=name, seq=seq, opened_on=opened, principal="5000.00")
        cases.append(_claim(case, "5000.00", f"{seq}.05"))
    # A name that a spreadsheet would run as a formula (CSV injection).
    hostile = factories.party(personas.creditor, '=HYPERLINK("http://evil.example","x")', ric=make_ric(9))
    loan = factories.loan(personas.creditor, personas.beijing, borrower=hostile, contract_no="-2+3")
    case = services.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.case_handler,
        opened_on=dt.date(2026, 3, 1),
    )
    cases.append(_claim(case, "100.00", "0.00"))
    _g_borrower, g_loan = factories.borrower_loan(personas.creditor, personas.guangdong, name="Chen Qi", seq=7)
    guangdong = services.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.guangdong,
        cause_of_action="金融借款合同纠纷",
        loans=[g_loan],
        handler=personas.outsider_branch,
        opened_on=dt.date(2026, 1, 8),
    )
    return Portfolio(personas, full, borrower, cases, guangdong)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM first"
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline="")))


def rows_by_key(table: list[list[str]], key: str = "Internal no.") -> dict[str, dict[str, str]]:
    header, *rows = table
    index = header.index(key)
    return {row[index]: dict(zip(header, row, strict=True)) for row in rows}
