"""The columns of each export kind: key, translated header, cell type.

Cell types decide how a value is written: ``CODE`` cells (ID numbers, mobiles, contract and case
numbers) are text in both formats and never become numbers (a 19-digit card contract number would lose
digits in Excel); ``MONEY`` is a number with two decimals in xlsx and "1234.56" in CSV; ``DATE`` is a
date cell in xlsx and ISO text in CSV.

Left out because the data does not exist yet (issue 6): enforcement measures (seizures, 失信/限高),
the lawyer in charge at the firm, the borrower's bank accounts and card numbers (no model holds them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TEXT: Final = "text"
CODE: Final = "code"
MONEY: Final = "money"
DATE: Final = "date"

CASES: Final = "cases"
LEDGER: Final = "ledger"


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    type: str = TEXT
    width: int = 14


_INTERNAL_NO = Column("internal_no", _("Internal no."), CODE, 18)
_BORROWERS = Column("borrowers", _("Borrower"), TEXT, 18)
_BORROWER_IDS = Column("borrower_ids", _("ID number"), CODE, 21)
_CREDITOR = Column("creditor", _("Creditor"), TEXT, 18)
_UNIT = Column("handling_unit", _("Handling unit"), TEXT, 18)
_STAGE = Column("stage", _("Stage"), TEXT, 14)
_CAUSE = Column("cause", _("Cause of action"), TEXT, 20)
_CURRENCY = Column("currency", _("Currency"), TEXT, 8)
_CLAIM_TOTAL = Column("claim_total", _("Claim total"), MONEY, 14)
_RECOVERED = Column("recovered", _("Recovered"), MONEY, 14)
_HANDLER = Column("handler", _("Handler"), TEXT, 14)
_LAW_FIRM = Column("law_firm", _("Law firm"), TEXT, 20)
_OPENED_ON = Column("opened_on", _("Opened on"), DATE, 12)

CASE_COLUMNS: Final[tuple[Column, ...]] = (
    _INTERNAL_NO,
    _BORROWERS,
    _BORROWER_IDS,
    _CREDITOR,
    _UNIT,
    _STAGE,
    _CAUSE,
    Column("court", _("Court"), TEXT, 24),
    Column("court_case_number", _("Court case number"), CODE, 26),
    _CURRENCY,
    _CLAIM_TOTAL,
    _RECOVERED,
    _HANDLER,
    _LAW_FIRM,
    _OPENED_ON,
    Column("next_deadline_on", _("Next deadline"), DATE, 12),
    Column("next_deadline_kind", _("Next deadline type"), TEXT, 20),
)

# 诉讼台账: the litigation ledger a legal department keeps, one row per case.
LEDGER_COLUMNS: Final[tuple[Column, ...]] = (
    _INTERNAL_NO,
    Column("contract_nos", _("Contract numbers"), CODE, 22),
    _BORROWERS,
    _BORROWER_IDS,
    Column("borrower_phones", _("Mobile number"), CODE, 14),
    _CREDITOR,
    _UNIT,
    _CAUSE,
    _CURRENCY,
    Column("claim_principal", _("Claimed principal"), MONEY),
    Column("claim_interest", _("Claimed interest"), MONEY),
    Column("claim_penalty", _("Claimed penalty interest"), MONEY),
    Column("claim_compound", _("Claimed compound interest"), MONEY),
    Column("claim_fees", _("Claimed fees"), MONEY),
    _CLAIM_TOTAL,
    Column("acceptance_fee", _("Acceptance fee on the claim (CNY)"), MONEY),
    Column("acceptance_fee_paid", _("Acceptance fee paid"), MONEY),
    Column("filed_on", _("Filed on"), DATE, 12),
    Column("court", _("Court"), TEXT, 24),
    Column("caseno_first_instance", _("Case no. (first instance)"), CODE, 26),
    Column("caseno_second_instance", _("Case no. (second instance)"), CODE, 26),
    Column("caseno_retrial", _("Case no. (retrial)"), CODE, 26),
    Column("hearing_dates", _("Hearing dates"), TEXT, 24),
    Column("judged_on", _("Judgment date"), DATE, 12),
    Column("adjudicated_amount", _("Adjudicated amount"), MONEY),
    Column("judgment_effective_on", _("Judgment effective on"), DATE, 12),
    Column("caseno_enforcement", _("Case no. (enforcement)"), CODE, 26),
    Column("caseno_resumed_enforcement", _("Case no. (resumed enforcement)"), CODE, 26),
    Column("terminated_for_now_on", _("Enforcement terminated for now on"), DATE, 12),
    Column("written_off_on", _("Written off on"), DATE, 12),
    _RECOVERED,
    Column("recovered_after_write_off", _("Recovered after write-off"), MONEY),
    Column("costs_paid", _("Costs paid (net of refunds)"), MONEY),
    Column("outstanding", _("Outstanding"), MONEY),
    _STAGE,
    Column("position", _("Procedural position"), TEXT, 16),
    Column("outcome", _("Outcome"), TEXT, 12),
    _HANDLER,
    _LAW_FIRM,
    _OPENED_ON,
    Column("closed_on", _("Closed on"), DATE, 12),
)

KIND_COLUMNS: Final[dict[str, tuple[Column, ...]]] = {CASES: CASE_COLUMNS, LEDGER: LEDGER_COLUMNS}
KIND_LABELS: Final[dict[str, Promise]] = {CASES: _("Case list"), LEDGER: _("Litigation ledger")}


def columns_for(kind: str) -> tuple[Column, ...]:
    """The columns of ``kind``; KeyError for an unknown kind (views answer 404)."""
    return KIND_COLUMNS[kind]
