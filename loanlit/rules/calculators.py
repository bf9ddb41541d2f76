"""The 计算器 page's computations: cleaned form data → the rule → rows and explanation lines in the
active language. Raises ``LawInputError`` for what the rule refuses; the view turns it into a form error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit.core import money as m
from loanlit.core.watermark import xlsx_watermark_openpyxl
from loanlit.law import allocation as alloc
from loanlit.law.caps import interest_cap
from loanlit.law.caseno import parse_case_number
from loanlit.law.claims import ClaimStatement, Instalment, LoanTerms, Payment, loan_claim
from loanlit.law.explain import Msg
from loanlit.law.fees import court_fee
from loanlit.law.identifiers import validate_mobile, validate_resident_id, validate_uscc
from loanlit.law.interest import RateSegment, simple_interest
from loanlit.law.periods import compute_deadline, resolve_rule
from loanlit.law.words import amount_in_words
from loanlit.rules import forms, selectors
from loanlit.rules.texts import law_language, msg_texts

CLAIM_LINE_LABELS: Final[dict[str, Promise]] = {
    alloc.PRINCIPAL: gettext_lazy("Principal"),
    alloc.CONTRACT_INTEREST: gettext_lazy("Contract interest"),
    alloc.PENALTY_INTEREST: gettext_lazy("Penalty interest"),
    alloc.COMPOUND_INTEREST: gettext_lazy("Compound interest"),
    alloc.COSTS: gettext_lazy("Costs of realising the claim"),
}
CLAIM_SOURCE: Final = gettext_lazy(
    "Civil Code arts. 561, 674–676; PBoC Yinfa [2003] No. 251 item 3 (penalty and compound interest)"
)


@dataclass
class Result:
    rows: list[tuple[str, str]]
    explanation: list[str] = field(default_factory=list)
    source: str = ""
    warnings: list[str] = field(default_factory=list)
    ok: bool = True  # False: the answer is negative (an invalid identifier), shown as a warning
    claim: ClaimStatement | None = None


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


def _texts(msgs: Iterable[Msg]) -> list[str]:
    return msg_texts(msgs)


def money_text(value: Decimal) -> str:
    return m.format_money(m.round_half_up(value))


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{m.format_rate(m.to_rate(value, rounding=True))} %"


def deadline(data: dict[str, Any]) -> Result:
    spec = resolve_rule(data["rule"])
    result = compute_deadline(spec.name, data["start"], calendar=selectors.law_calendar())
    english = law_language() == "en"
    rows = [
        (_("Nominal end"), result.nominal_end.isoformat()),
        (_("Deadline"), result.deadline.isoformat()),
        (_("Rolled over"), _yes(result.rolled)),
        (_("Confirmed"), _yes(result.confirmed)),
        (_("Reminder date"), result.reminder_date.isoformat()),
    ]
    warnings = [] if result.confirmed else [_("Provisional: holiday data for that year is missing.")]
    return Result(
        rows=rows,
        explanation=_texts(result.explanation),
        source=spec.article_en if english else spec.article_zh,
        warnings=warnings,
    )


def fee(data: dict[str, Any]) -> Result:
    result = court_fee(data["kind"], data["amount"], halved=data["halved"])
    return Result(
        rows=[(_("Fee (CNY)"), money_text(result.fee)), (_("Exact"), f"{result.exact:f}")],
        explanation=_texts(result.explanation),
        source=_("Measures on the Payment of Litigation Costs (State Council Decree No. 481)"),
    )


def interest(data: dict[str, Any]) -> Result:
    result = simple_interest(data["principal"], data["rate"], data["start"], data["end"], data["basis"])
    return Result(
        rows=[(_("Days"), str(result.days)), (_("Interest (CNY)"), money_text(result.interest))],
        explanation=_texts(result.explanation),
        source=_("Civil Code arts. 674–676"),
    )


def claim_statement(data: dict[str, Any]) -> ClaimStatement:
    terms = LoanTerms(
        principal=data["principal"],
        value_date=data["value_date"],
        contract_rates=(RateSegment(data["value_date"], data["rate"]),),
        instalments=tuple(Instalment(due, amount) for due, amount in data["instalments"]),
        basis=data["basis"],
        penalty_markup_pct=data["penalty_markup"],
        compound=bool(data["compound"]),
        acceleration_date=data.get("acceleration_date"),
    )
    payments = [Payment(day, amount) for day, amount in data.get("payments") or ()]
    return loan_claim(terms, data["cutoff"], payments=payments)


def claim(data: dict[str, Any]) -> Result:
    statement = claim_statement(data)
    rows = [(str(CLAIM_LINE_LABELS.get(line.kind, line.kind)), money_text(line.amount)) for line in statement.lines]
    rows.append((_("Total"), money_text(statement.total)))
    return Result(rows=rows, explanation=_texts(statement.explanation), source=str(CLAIM_SOURCE), claim=statement)


def caseno(data: dict[str, Any]) -> Result:
    result = parse_case_number(data["text"])
    levels = {
        "supreme": _("Supreme People's Court"),
        "high": _("High court"),
        "intermediate": _("Intermediate court"),
        "basic": _("Basic court"),
        "unknown": _("Unknown (old-style number)"),
    }
    rows = [
        (_("Normalized"), result.normalized),
        (_("Year"), str(result.year)),
        (_("Court code"), result.court),
        (_("Court level"), str(levels.get(result.court_level, result.court_level))),
        (_("Special code"), result.special or "—"),
        (_("Case type"), f"{result.type} — {result.type_label.text(law_language())}"),
        (_("Sequence"), str(result.seq)),
    ]
    return Result(rows=rows, source=_("SPC Provisions on Case Numbers (Fa [2018] No. 335)"))


def words(data: dict[str, Any]) -> Result:
    result = amount_in_words(data["amount"])
    return Result(
        rows=[(_("In capitals"), result.with_currency)],
        explanation=_texts(result.explanation),
        source=_("PBoC Payment and Settlement Measures (1997), annex"),
    )


VALIDATORS: Final[dict[str, Callable[[str], Any]]] = {
    "ric": validate_resident_id,
    "uscc": validate_uscc,
    "mobile": validate_mobile,
}
IDENTIFIER_SOURCES: Final = {
    "ric": gettext_lazy("GB 11643-1999"),
    "uscc": gettext_lazy("GB 32100-2015; GB 11714-1997"),
    "mobile": gettext_lazy("Mainland mobile numbering (practice)"),
}


def identifier(data: dict[str, Any]) -> Result:
    result = VALIDATORS[data["kind"]](data["value"])
    rows = [(_("Valid"), _yes(result.valid)), (_("Normalized"), result.normalized)]
    if result.birth_date:
        rows.append((_("Birth date"), result.birth_date.isoformat()))
    explanation = _texts([result.message]) if result.message is not None else []
    return Result(
        rows=rows,
        explanation=explanation,
        warnings=_texts(result.warnings),
        source=str(IDENTIFIER_SOURCES[data["kind"]]),
        ok=result.valid,
    )


def cap(data: dict[str, Any]) -> Result:
    result = interest_cap(data["formed"], data["rate"], data["lender"], data.get("filed"), table=selectors.lpr_table())
    rows = [
        (_("One-year LPR"), rate_text(result.lpr_1y)),
        (_("Cap"), rate_text(result.cap_pct)),
        (_("Supported rate"), rate_text(result.supported_rate_pct)),
        (_("Private-lending cap applies"), _yes(result.applies)),
    ]
    return Result(
        rows=rows,
        explanation=_texts(result.explanation),
        warnings=_texts(result.warnings),
        source=_("SPC Private Lending Provisions (2020 rev.) arts. 25, 28, 29, 31"),
    )


@dataclass(frozen=True)
class Calculator:
    kind: str
    title: Promise
    form: type
    compute: Callable[[dict[str, Any]], Result]


CALCULATORS: Final[dict[str, Calculator]] = {
    c.kind: c
    for c in (
        Calculator("deadline", gettext_lazy("Deadline"), forms.DeadlineForm, deadline),
        Calculator("fee", gettext_lazy("Court fee"), forms.FeeForm, fee),
        Calculator("interest", gettext_lazy("Interest"), forms.InterestForm, interest),
        Calculator("claim", gettext_lazy("Claim statement"), forms.ClaimForm, claim),
        Calculator("cap", gettext_lazy("Interest cap"), forms.CapForm, cap),
        Calculator("caseno", gettext_lazy("Case number"), forms.CaseNumberForm, caseno),
        Calculator("words", gettext_lazy("Amount in words"), forms.WordsForm, words),
        Calculator("identifier", gettext_lazy("Identifier check"), forms.IdentifierForm, identifier),
    )
}


def claim_workbook(statement: ClaimStatement, data: dict[str, Any], *, watermark: str = "") -> bytes:
    """The claim statement as .xlsx: amounts are numbers (exact Decimals) shown with two decimals;
    ``watermark`` (loanlit.core.watermark) in every sheet's page header and the properties."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    money_format = "#,##0.00"
    book = Workbook()
    sheet = book.active
    sheet.title = _("Claim statement")[:31]
    sheet.append([_("Claim statement")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Loan principal (CNY)"), data["principal"]])
    sheet.append([_("Contract annual rate (%)"), m.format_rate(data["rate"])])
    sheet.append([_("Value date"), data["value_date"].isoformat()])
    sheet.append([_("Computed to (cut-off)"), statement.cutoff.isoformat()])
    sheet.append([_("Day-count basis"), data["basis"]])
    sheet["B2"].number_format = money_format
    sheet.append([])
    header = [_("Item"), _("Amount (CNY)"), _("Arisen in the period"), _("Paid"), _("Explanation")]
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    language = law_language()
    for line in statement.lines:
        sheet.append(
            [
                str(CLAIM_LINE_LABELS.get(line.kind, line.kind)),
                line.amount,
                m.round_half_up(line.accrued),
                m.round_half_up(line.paid),
                line.explanation[0].text(language) if line.explanation else "",
            ]
        )
        for column in "BCD":
            sheet[f"{column}{sheet.max_row}"].number_format = money_format
    sheet.append([_("Total"), statement.total])
    sheet[f"A{sheet.max_row}"].font = Font(bold=True)
    sheet[f"B{sheet.max_row}"].number_format = money_format
    sheet.column_dimensions["A"].width = 28
    for column in "BCD":
        sheet.column_dimensions[column].width = 16
    sheet.column_dimensions["E"].width = 80

    details = book.create_sheet(_("Accrual details")[:31])
    details.append([_("Item"), _("From"), _("To"), _("Base (CNY)"), _("Rate (%)"), _("Days"), _("Amount (CNY)")])
    for line in statement.lines:
        for step in line.details:
            details.append(
                [
                    str(CLAIM_LINE_LABELS.get(line.kind, line.kind)),
                    step.from_day.isoformat(),
                    step.to_day.isoformat(),
                    m.round_half_up(step.base),
                    m.format_rate(m.to_rate(step.rate_pct, rounding=True)),
                    step.days,
                    m.round_half_up(step.exact),
                ]
            )
            for column in "DG":
                details[f"{column}{details.max_row}"].number_format = money_format
    if watermark:
        xlsx_watermark_openpyxl(book, watermark)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
