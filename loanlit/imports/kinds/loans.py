"""The loans import kind: loans with their borrowers, a co-borrower, up to two guarantors, one mortgage
or pledge with its collateral, the balance as of a day, and the case each defaulted loan is sued in.

Headers: the standard template's (zh-Hans) and the synonyms real bank files use are data in
``loans.json`` next to this module. Identity is (creditor, contract no.):

* a contract no. not on file is NEW: ``loans_import_batch`` writes the loan, its parties (borrowers
  matched by ID within the file and the creditor by the parties services), guarantees and security
  (the same guarantee contract on several rows is one contract), the balance snapshot, and stores
  ``import_baseline`` (field → the text written); then cases are opened with ``cases_open_batch``, one
  per contract or one per borrower (``options["grouping"]``);
* a contract no. on file is compared field by field: equal everywhere (and the balance of that day
  already on file) is UNCHANGED; otherwise UPDATE through ``loans_update_batch``. A field whose value
  on file differs from what the last import wrote (or that no import wrote) was set by a user: it is a
  conflict, kept unless ``options["overwrite"]``. A new balance is appended as a snapshot, never
  written over one on file.

Committing again what was committed (a resumed commit) finds the loans on file and changes nothing;
a loan that has a case never gets a second one.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Final

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from loanlit.accounts.models import User
from loanlit.cases import access as case_access
from loanlit.cases.models import Case, CaseLoan
from loanlit.cases.services.cases import CaseOpenInput, cases_open_batch
from loanlit.core import money as m
from loanlit.core.errors import DomainError
from loanlit.core.models import OrgUnit
from loanlit.imports import cells
from loanlit.imports.errors import RowError
from loanlit.imports.kinds import register_kind, register_preset
from loanlit.imports.kinds.base import (
    CommitResult,
    FieldSpec,
    FieldType,
    ImportKind,
    KindContext,
    ParsedRow,
    Preset,
    RowStatus,
)
from loanlit.law import identifiers
from loanlit.law.causes import CAUSES_BY_KEY
from loanlit.loans import services as loan_services
from loanlit.loans.models import (
    Collateral,
    GuaranteeContract,
    LoanBalanceSnapshot,
    LoanContract,
    LoanParty,
    SecurityContract,
)
from loanlit.loans.services.updates import LoanUpdate, loans_update_batch
from loanlit.parties import services as party_services
from loanlit.parties.models import Party
from loanlit.parties.services import PartyInput

DATA_FILE: Final = Path(__file__).with_name("loans.json")
CONTRACT_NO_MAX: Final = 64
GUARANTORS: Final = (1, 2)
CASE_CAUSE_CARD: Final = "credit_card"
CASE_CAUSE_LOAN: Final = "financial_loan"
ZERO: Final = Decimal("0.00")


@cache
def data() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def template_header(key: str) -> str:
    """The standard template's header of a field (zh-Hans, from loans.json)."""
    return str(data()["fields"][key]["header"])


def _choice_synonyms(name: str) -> dict[str, str]:
    return {str(k).casefold(): str(v) for k, v in data()["choice_synonyms"].get(name, {}).items()}


def _spec(key: str, label: Any, type_: FieldType, **kwargs: Any) -> FieldSpec:
    entry = data()["fields"][key]
    synonyms = (entry["header"], *entry.get("synonyms", ()), key)
    return FieldSpec(
        key=key, label=label, type=type_, synonyms=tuple(synonyms), example=entry.get("example", ""), **kwargs
    )


def _choice(key: str, label: Any, choices: Any, synonyms: str, **kwargs: Any) -> FieldSpec:
    return _spec(
        key,
        label,
        FieldType.CHOICE,
        choices=tuple(choices.choices),
        choice_synonyms=_choice_synonyms(synonyms),
        **kwargs,
    )


def _amount(key: str, label: Any, **kwargs: Any) -> FieldSpec:
    return _spec(key, label, FieldType.AMOUNT, places=2, **kwargs)


def _guarantor_fields(n: int, labels: dict[str, Any]) -> tuple[FieldSpec, ...]:
    group = f"guarantor_{n}"
    return (
        _spec(f"guarantor_{n}_name", labels["name"], FieldType.TEXT, max_length=200, personal=True, group=group),
        _spec(f"guarantor_{n}_id", labels["id"], FieldType.ID_NUMBER, max_length=64, group=group),
        _spec(f"guarantor_{n}_contract_no", labels["contract_no"], FieldType.IDENTIFIER, max_length=64, group=group),
        _choice(f"guarantor_{n}_type", labels["type"], GuaranteeContract.GuaranteeType, "guarantee_type", group=group),
        _amount(f"guarantor_{n}_max_amount", labels["max_amount"], group=group),
    )


FIELDS: Final[tuple[FieldSpec, ...]] = (
    # the loan
    _spec(
        "contract_no",
        _("Contract number"),
        FieldType.IDENTIFIER,
        required=True,
        key_column=True,
        max_length=CONTRACT_NO_MAX,
        group="loan",
        help=_("The loan contract, card or account number: the loan's identity within the creditor."),
    ),
    _choice("product", _("Product"), LoanContract.Product, "product", required=True, group="loan"),
    _spec("currency", _("Currency"), FieldType.TEXT, max_length=10, group="loan", help=_("ISO code; CNY when blank.")),
    _amount(
        "principal",
        pgettext_lazy("loans import", "Principal"),
        required=True,
        group="loan",
        help=_("The contract amount or credit line."),
    ),
    _spec("annual_rate", _("Annual interest rate (%)"), FieldType.RATE, required=True, group="loan"),
    _spec("penalty_rate", _("Penalty interest rate (%)"), FieldType.RATE, group="loan"),
    _spec("compound_rate", _("Compound interest rate (%)"), FieldType.RATE, group="loan"),
    _spec("start_date", pgettext_lazy("loans import", "Start date"), FieldType.DATE, required=True, group="loan"),
    _spec("maturity_date", _("Maturity date"), FieldType.DATE, group="loan"),
    _spec("term_months", _("Term (months)"), FieldType.INTEGER, group="loan"),
    _choice("repayment_method", _("Repayment method"), LoanContract.RepaymentMethod, "repayment_method", group="loan"),
    _spec(
        "overdue_since",
        _("Overdue since"),
        FieldType.DATE,
        group="loan",
        help=_("The first day overdue (day 1 of the days past due)."),
    ),
    _spec(
        "days_past_due",
        _("Days past due"),
        FieldType.INTEGER,
        group="loan",
        help=_("Used when the overdue date is blank: counted back from the balance date."),
    ),
    _choice("risk_class", _("Risk class"), LoanContract.RiskClass, "risk_class", group="loan"),
    _spec("accelerated_on", _("Accelerated on"), FieldType.DATE, group="loan"),
    _spec("written_off", pgettext_lazy("loans import", "Written off"), FieldType.BOOL, group="loan"),
    _spec("written_off_on", _("Written off on"), FieldType.DATE, group="loan"),
    _spec(
        "unit_code",
        pgettext_lazy("loans import", "Handling unit"),
        FieldType.TEXT,
        max_length=30,
        group="loan",
        help=_("The code of the branch or sub-branch; the import's default unit when blank."),
    ),
    _spec(
        "external_ref",
        pgettext_lazy("loans import", "Source-system reference"),
        FieldType.TEXT,
        max_length=100,
        group="loan",
    ),
    # the borrower and a co-borrower
    _spec(
        "borrower_name",
        _("Borrower's name"),
        FieldType.TEXT,
        required=True,
        max_length=200,
        personal=True,
        group="borrower",
    ),
    _spec(
        "borrower_id",
        _("Borrower's ID number"),
        FieldType.ID_NUMBER,
        max_length=64,
        group="borrower",
        help=_("Resident ID, residence permit or unified social credit code; enter it as text."),
    ),
    _spec("borrower_mobile", _("Borrower's mobile"), FieldType.PHONE, max_length=20, group="borrower"),
    _spec("borrower_address", _("Borrower's address"), FieldType.TEXT, max_length=300, personal=True, group="borrower"),
    _spec(
        "co_borrower_name", _("Co-borrower's name"), FieldType.TEXT, max_length=200, personal=True, group="co_borrower"
    ),
    _spec("co_borrower_id", _("Co-borrower's ID number"), FieldType.ID_NUMBER, max_length=64, group="co_borrower"),
    _spec("co_borrower_mobile", _("Co-borrower's mobile"), FieldType.PHONE, max_length=20, group="co_borrower"),
    _spec(
        "co_borrower_address",
        _("Co-borrower's address"),
        FieldType.TEXT,
        max_length=300,
        personal=True,
        group="co_borrower",
    ),
    # guarantors
    *_guarantor_fields(
        1,
        {
            "name": _("Guarantor's name"),
            "id": _("Guarantor's ID number"),
            "contract_no": _("Guarantee contract number"),
            "type": _("Guarantee type"),
            "max_amount": _("Maximum guaranteed amount"),
        },
    ),
    *_guarantor_fields(
        2,
        {
            "name": _("Guarantor 2: name"),
            "id": _("Guarantor 2: ID number"),
            "contract_no": _("Guarantor 2: guarantee contract number"),
            "type": _("Guarantor 2: guarantee type"),
            "max_amount": _("Guarantor 2: maximum guaranteed amount"),
        },
    ),
    # a mortgage or pledge and its collateral
    _spec(
        "security_contract_no",
        _("Mortgage or pledge contract number"),
        FieldType.IDENTIFIER,
        max_length=64,
        group="security",
    ),
    _choice("security_kind", _("Mortgage or pledge"), SecurityContract.Kind, "security_kind", group="security"),
    _spec(
        "security_provider_name",
        _("Mortgagor or pledgor"),
        FieldType.TEXT,
        max_length=200,
        personal=True,
        group="security",
    ),
    _spec(
        "security_provider_id",
        _("Mortgagor or pledgor: ID number"),
        FieldType.ID_NUMBER,
        max_length=64,
        group="security",
        help=_("Blank: the borrower provides the security."),
    ),
    _amount("security_max_amount", _("Maximum secured amount"), group="security"),
    _choice("collateral_kind", _("Collateral kind"), Collateral.Kind, "collateral_kind", group="security"),
    _spec("collateral_description", _("Collateral"), FieldType.TEXT, max_length=500, group="security"),
    _spec(
        "collateral_registration_no",
        pgettext_lazy("loans import", "Registration number"),
        FieldType.IDENTIFIER,
        max_length=100,
        group="security",
    ),
    _amount("collateral_value", _("Appraised value"), group="security"),
    # the balance as of a day
    _spec("balance_date", _("Balance as of"), FieldType.DATE, group="balance"),
    _amount("principal_balance", _("Outstanding principal"), group="balance"),
    _amount("interest", _("Interest"), group="balance"),
    _amount("interest_off_balance", _("Off-balance-sheet interest"), group="balance"),
    _amount("penalty", _("Penalty interest"), group="balance"),
    _amount("compound", _("Compound interest"), group="balance"),
    _amount("fees", _("Fees"), group="balance"),
    # the case
    _spec("case_opened_on", _("Case opened on"), FieldType.DATE, group="case", help=_("Blank: the import day.")),
    _spec(
        "case_handler",
        _("Case handler (user name)"),
        FieldType.TEXT,
        max_length=150,
        group="case",
        help=_("The user name of the handler; blank leaves the case unassigned."),
    ),
    _choice("case_priority", _("Priority"), Case.Priority, "priority", group="case"),
    _spec("case_tags", _("Tags"), FieldType.TEXT, max_length=300, group="case"),
)


FIELD_KEYS: Final = frozenset(spec.key for spec in FIELDS)

# Loan fields an import writes and compares: model field → how it is rendered as text.
COMPARED: Final[dict[str, str]] = {
    "product": "text",
    "currency": "text",
    "principal": "money",
    "annual_rate": "rate",
    "penalty_rate": "rate",
    "compound_rate": "rate",
    "start_date": "date",
    "maturity_date": "date",
    "term_months": "int",
    "repayment_method": "text",
    "overdue_since": "date",
    "risk_class": "text",
    "accelerated_on": "date",
    "written_off": "bool",
    "written_off_on": "date",
    "external_ref": "text",
    "unit": "unit",
}
# On file, these are the loan's identity or cannot follow an import (snapshots are in its currency).
NOT_UPDATABLE: Final = frozenset({"currency"})
BALANCE_FIELDS: Final = ("principal_balance", "interest", "interest_off_balance", "penalty", "compound", "fees")


def as_text(value: Any) -> str:
    """A value as ``import_baseline`` and the preview show it: exact, the same for the file and the database."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, OrgUnit):
        return value.code
    return str(value)


def _error(msgid: str, field_key: str | None = None, /, **params: Any) -> RowError:
    if field_key is not None:
        params.setdefault("field", field_key)
    return RowError(message=msgid, params=params, field=field_key)


def _currency(text: Any) -> str:
    raw = str(text or "").strip()
    if not raw:
        return m.DEFAULT_CURRENCY
    mapped = {str(k).casefold(): str(v) for k, v in data()["currencies"].items()}
    return mapped.get(raw.casefold(), raw.upper())


@cache
def _tag_split() -> re.Pattern[str]:
    # Commas, semicolons, white space, and the full-width separators listed in loans.json.
    return re.compile("[,;\\s" + re.escape(str(data().get("tag_separators", ""))) + "]+")


def _tags(text: Any) -> list[str]:
    return [tag for tag in _tag_split().split(str(text or "")) if tag]


def _party_input(name: Any, id_number: Any, mobile: Any = "", address: Any = "") -> PartyInput:
    number = str(id_number or "")
    kind = Party.Kind.PERSON
    if number and not identifiers.validate_resident_id(number).valid:
        # A company only for a code that is wholly a USCC, its embedded organisation code included: about
        # one resident ID in 31 with a wrong check digit also passes the USCC's own check character.
        uscc = identifiers.validate_uscc(number)
        if uscc.valid and not uscc.warnings:
            kind = Party.Kind.COMPANY
    return PartyInput(
        name=str(name or ""),
        kind=kind,
        id_number=number,
        mobile=str(mobile or ""),
        address=str(address or ""),
    )


@dataclass
class _Row:
    """What one parsed row means for the loan: the values ``LoanInput`` takes, its parties and balance."""

    loan: dict[str, Any]  # model field → value (only what the row gives, plus derived fields)
    borrower: PartyInput
    co_borrower: PartyInput | None
    guarantees: list[loan_services.GuaranteeInput]
    security: list[loan_services.SecurityInput]
    snapshot: loan_services.SnapshotInput | None
    as_of: date
    unit: OrgUnit | None = None


def _as_of(values: dict[str, Any], ctx: KindContext) -> date:
    option = ctx.options.get("as_of")
    if isinstance(option, str) and option:
        option = date.fromisoformat(option)
    return values.get("balance_date") or option or ctx.today  # type: ignore[no-any-return]


def _interpret(row: ParsedRow, ctx: KindContext, units: dict[str, OrgUnit]) -> _Row:
    v = row.values
    as_of = _as_of(v, ctx)
    loan: dict[str, Any] = {}
    for key in (
        "product",
        "principal",
        "annual_rate",
        "penalty_rate",
        "compound_rate",
        "start_date",
        "maturity_date",
        "term_months",
        "repayment_method",
        "overdue_since",
        "risk_class",
        "accelerated_on",
        "written_off",
        "written_off_on",
        "external_ref",
    ):
        if key in v:
            loan[key] = v[key]
    if "currency" in v:
        loan["currency"] = _currency(v["currency"])
    if "written_off_on" in v and "written_off" not in v:
        loan["written_off"] = True
    if "overdue_since" not in v and v.get("days_past_due") is not None:
        dpd = int(v["days_past_due"])
        loan["overdue_since"] = as_of - timedelta(days=dpd - 1) if dpd > 0 else None
    code = str(v.get("unit_code") or "").strip()
    unit = units.get(code) if code else ctx.unit
    if code and unit is not None:
        loan["unit"] = unit  # compared with the loan on file only when the row names a unit
    contract_no = str(v.get("contract_no") or "")
    borrower = _party_input(
        v.get("borrower_name"), v.get("borrower_id"), v.get("borrower_mobile"), v.get("borrower_address")
    )
    co_borrower = None
    if v.get("co_borrower_name") or v.get("co_borrower_id"):
        co_borrower = _party_input(
            v.get("co_borrower_name"),
            v.get("co_borrower_id"),
            v.get("co_borrower_mobile"),
            v.get("co_borrower_address"),
        )
    guarantees = []
    for n in GUARANTORS:
        if not any(v.get(f"guarantor_{n}_{part}") for part in ("name", "id", "contract_no", "max_amount")):
            continue
        cap = v.get(f"guarantor_{n}_max_amount")
        guarantees.append(
            loan_services.GuaranteeInput(
                contract_no=str(v.get(f"guarantor_{n}_contract_no") or f"{contract_no}-G{n}"),
                guarantor=_party_input(v.get(f"guarantor_{n}_name"), v.get(f"guarantor_{n}_id")),
                guarantee_type=str(v.get(f"guarantor_{n}_type") or ""),
                is_maximum=cap is not None,
                cap_amount=cap,
            )
        )
    security = []
    security_keys = (
        "security_contract_no",
        "security_provider_name",
        "security_provider_id",
        "security_max_amount",
        "collateral_description",
    )
    if any(v.get(key) for key in security_keys):
        provider = borrower
        if v.get("security_provider_name") or v.get("security_provider_id"):
            provider = _party_input(v.get("security_provider_name"), v.get("security_provider_id"))
        collateral = []
        if v.get("collateral_description"):
            collateral.append(
                loan_services.CollateralInput(
                    kind=str(v.get("collateral_kind") or Collateral.Kind.OTHER),
                    description=str(v["collateral_description"]),
                    registration_no=str(v.get("collateral_registration_no") or ""),
                    appraised_value=v.get("collateral_value"),
                )
            )
        cap = v.get("security_max_amount")
        security.append(
            loan_services.SecurityInput(
                contract_no=str(v.get("security_contract_no") or f"{contract_no}-S1"),
                kind=str(v.get("security_kind") or SecurityContract.Kind.MORTGAGE),
                provider=provider,
                is_maximum=cap is not None,
                cap_amount=cap,
                collateral=tuple(collateral),
            )
        )
    snapshot = None
    if "balance_date" in v or any(key in v for key in BALANCE_FIELDS):
        snapshot = loan_services.SnapshotInput(
            as_of=as_of,
            principal=v.get("principal_balance") or ZERO,
            interest_on_balance=v.get("interest") or ZERO,
            interest_off_balance=v.get("interest_off_balance") or ZERO,
            penalty=v.get("penalty") or ZERO,
            compound=v.get("compound") or ZERO,
            fees=v.get("fees") or ZERO,
        )
    return _Row(
        loan=loan,
        borrower=borrower,
        co_borrower=co_borrower,
        guarantees=guarantees,
        security=security,
        snapshot=snapshot,
        as_of=as_of,
        unit=unit,
    )


def _loan_input(row: ParsedRow, meaning: _Row) -> loan_services.LoanInput:
    values = dict(meaning.loan)
    values.pop("unit", None)
    unit = meaning.unit
    assert unit is not None  # validate refused rows without a unit
    values.setdefault("currency", m.DEFAULT_CURRENCY)
    values["external_ref"] = values.get("external_ref") or ""
    values["written_off"] = bool(values.get("written_off", False))
    loan_input = loan_services.LoanInput(
        contract_no=str(row.values["contract_no"]),
        unit=unit,
        borrowers=[meaning.borrower],
        co_borrowers=[meaning.co_borrower] if meaning.co_borrower else [],
        guarantees=meaning.guarantees,
        security=meaning.security,
        snapshot=meaning.snapshot,
        **values,
    )
    baseline = {name: as_text(getattr(loan_input, name, None)) for name in COMPARED if name != "unit"}
    baseline["unit"] = unit.code
    return replace(loan_input, import_baseline=baseline)


def _snapshot_amounts(snapshot: Any) -> tuple[Decimal, ...]:
    return (
        snapshot.principal,
        snapshot.interest_on_balance,
        snapshot.interest_off_balance,
        snapshot.penalty,
        snapshot.compound,
        snapshot.fees,
    )


@dataclass
class _Comparison:
    changes: dict[str, Any] = field(default_factory=dict)  # field → value to write
    baseline: dict[str, str] = field(default_factory=dict)
    diff: dict[str, list[str]] = field(default_factory=dict)
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    snapshot: loan_services.SnapshotInput | None = None
    error: RowError | None = None

    @property
    def writes(self) -> bool:
        return bool(self.changes or self.snapshot or self.baseline)


def _compare(
    meaning: _Row,
    loan: LoanContract,
    day_snapshots: list[LoanBalanceSnapshot],
    *,
    overwrite: bool,
) -> _Comparison:
    result = _Comparison()
    baseline = loan.import_baseline or {}
    for name, incoming in meaning.loan.items():
        on_file_text, in_file_text = as_text(getattr(loan, name)), as_text(incoming)
        if on_file_text == in_file_text:
            continue
        if name in NOT_UPDATABLE:
            result.error = _error(
                gettext_noop(
                    "%(field)s: a loan on file keeps its currency (on file %(on_file)s, in the file %(in_file)s)."
                ),
                name if name in FIELD_KEYS else None,
                on_file=on_file_text,
                in_file=in_file_text,
            )
            return result
        user_set = baseline.get(name) != on_file_text
        if user_set:
            result.conflicts[name] = [on_file_text, in_file_text]
            if not overwrite:
                continue
        result.diff[name] = [on_file_text, in_file_text]
        result.changes[name] = incoming
        result.baseline[name] = in_file_text
    if meaning.snapshot is not None:
        incoming_amounts = _snapshot_amounts(meaning.snapshot)
        if not any(_snapshot_amounts(s) == incoming_amounts for s in day_snapshots):
            if any(s.source == LoanBalanceSnapshot.Source.IMPORT for s in day_snapshots):
                result.error = _error(
                    gettext_noop(
                        "A balance of this loan as of %(day)s is already on file with other amounts; "
                        "a balance is never overwritten."
                    ),
                    "balance_date",
                    day=meaning.snapshot.as_of.isoformat(),
                )
                return result
            result.snapshot = meaning.snapshot
            on_file = day_snapshots[0] if day_snapshots else None
            result.diff["balance"] = [
                as_text(on_file.total) if on_file else "",
                as_text(sum(incoming_amounts, Decimal(0))),
            ]
    return result


def _units(rows: Sequence[ParsedRow]) -> dict[str, OrgUnit]:
    codes = sorted({str(r.values.get("unit_code") or "").strip() for r in rows} - {""})
    return {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)} if codes else {}


def _handlers(rows: Sequence[ParsedRow], ctx: KindContext) -> dict[str, User]:
    names = sorted({str(r.values.get("case_handler") or "").strip() for r in rows} - {""})
    if not names:
        return {}
    users = User.objects.filter(username__in=names, is_active=True, creditors=ctx.creditor).select_related("unit")
    return {user.username: user for user in users}


def _workable(row: ParsedRow) -> bool:
    return not row.errors and row.status not in (RowStatus.ERROR, RowStatus.DUPLICATE, RowStatus.SKIPPED)


def _cause(product: str) -> str:
    return CAUSES_BY_KEY[CASE_CAUSE_CARD if product == LoanContract.Product.CREDIT_CARD else CASE_CAUSE_LOAN].name


def _day_snapshots(pairs: set[tuple[int, date]]) -> dict[tuple[int, date], list[LoanBalanceSnapshot]]:
    found: dict[tuple[int, date], list[LoanBalanceSnapshot]] = defaultdict(list)
    if not pairs:
        return found
    loan_ids = sorted({loan_id for loan_id, _day in pairs})
    days = sorted({day for _loan_id, day in pairs})
    for start in range(0, len(loan_ids), 1000):
        query = LoanBalanceSnapshot.objects.filter(loan_id__in=loan_ids[start : start + 1000], as_of__in=days)
        for snapshot in query.order_by("-pk"):
            if (snapshot.loan_id, snapshot.as_of) in pairs:
                found[(snapshot.loan_id, snapshot.as_of)].append(snapshot)
    return found


def _on_file(ctx: KindContext, numbers: Sequence[str]) -> dict[str, LoanContract]:
    wanted = sorted(set(numbers))
    found: dict[str, LoanContract] = {}
    for start in range(0, len(wanted), 1000):
        query = LoanContract.objects.filter(creditor=ctx.creditor, contract_no__in=wanted[start : start + 1000])
        for loan in query.select_related("unit"):
            found[loan.contract_no] = loan
    return found


# The people of a row: (name field, ID field). The ID is the identity; a name is how the file writes it.
PEOPLE: Final = (
    ("borrower_name", "borrower_id"),
    ("co_borrower_name", "co_borrower_id"),
    *((f"guarantor_{n}_name", f"guarantor_{n}_id") for n in GUARANTORS),
    ("security_provider_name", "security_provider_id"),
)
MSG_LOAN_NOT_FOUND: Final = gettext_noop("Loan %(no)s was not found.")
MSG_OWN_GUARANTOR: Final = gettext_noop("%(field)s: a borrower of this loan cannot also guarantee it.")
MSG_CO_BORROWER_IS_BORROWER: Final = gettext_noop("%(field)s: the co-borrower is the borrower.")
MSG_ONE_ID_TWO_NAMES: Final = gettext_noop(
    "%(field)s: the same ID number appears with different names on rows %(rows)s; correct the names so "
    "that one person has one name."
)


def _identity_errors(rows: Sequence[ParsedRow]) -> None:
    """Within the rows validated together: one ID number, one name (a later row never silently renames
    or joins another person); a borrower is not also the loan's guarantor or co-borrower. Messages name
    rows and fields, never an ID number."""
    names: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for row in rows:
        v = row.values
        borrowers = {v.get("borrower_id"), v.get("co_borrower_id")} - {None, ""}
        if v.get("co_borrower_id") and v.get("co_borrower_id") == v.get("borrower_id"):
            row.errors.append(_error(MSG_CO_BORROWER_IS_BORROWER, "co_borrower_id"))
        for n in GUARANTORS:
            if v.get(f"guarantor_{n}_id") in borrowers:
                row.errors.append(_error(MSG_OWN_GUARANTOR, f"guarantor_{n}_id"))
        for name_key, id_key in PEOPLE:
            if v.get(name_key) and v.get(id_key):
                name = party_services.normalize_name(party_services.display_name(str(v[name_key])))
                names[str(v[id_key])][name].add(row.number)
    conflicting = {number: by_name for number, by_name in names.items() if len(by_name) > 1}
    if not conflicting:
        return
    listed = {
        number: ", ".join(map(str, sorted(set().union(*by_name.values())))) for number, by_name in conflicting.items()
    }
    for row in rows:
        for name_key, id_key in PEOPLE:
            number = str(row.values.get(id_key) or "")
            if row.values.get(name_key) and number in conflicting:
                row.errors.append(_error(MSG_ONE_ID_TWO_NAMES, name_key, rows=listed[number]))


VERIFIABLE_ID_TYPES: Final = frozenset({Party.IdType.RIC, Party.IdType.USCC})
ID_FIELDS: Final = dict(PEOPLE)
MSG_INVALID_ID: Final = gettext_noop(
    "%(field)s is not a valid resident ID number or unified social credit code (its check character, birth "
    "date or length is wrong): compare it with the document."
)


def _row_error_from_text(text: str) -> RowError:
    # Errors the services found are already translated: shown as they are.
    return RowError(message="%(message)s", params={"message": text})


class LoansKind(ImportKind):
    code = "loans"
    label = _("Loans and parties")
    fields = FIELDS
    default_options = {"grouping": "contract", "overwrite": False, "open_cases": True}

    # --- identity ------------------------------------------------------------------------------------

    key_fields = ("contract_no", "borrower_id")

    def row_key(self, values: dict[str, Any]) -> str:
        number = values.get("contract_no")
        return cells.normalise_key(str(number)) if number else ""

    def chunk_key(self, row: ParsedRow, ctx: KindContext) -> str:
        if ctx.options.get("grouping") == "borrower" and row.values.get("borrower_id"):
            return "borrower:" + cells.normalise_key(str(row.values["borrower_id"]))
        return str(row.number)

    # --- validate ------------------------------------------------------------------------------------

    def validate(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        rows = [r for r in rows if r.status not in (RowStatus.DUPLICATE, RowStatus.SKIPPED)]
        units = _units(rows)
        handlers = _handlers(rows, ctx)
        open_cases = bool(ctx.options.get("open_cases", True))
        may_open = ctx.actor is None or case_access.may_open_cases(ctx.actor)
        for row in rows:
            row.errors.extend(self._row_errors(row, ctx, units, handlers, open_cases=open_cases, may_open=may_open))
        _identity_errors(rows)

    def _row_errors(
        self,
        row: ParsedRow,
        ctx: KindContext,
        units: dict[str, OrgUnit],
        handlers: dict[str, User],
        *,
        open_cases: bool,
        may_open: bool,
    ) -> list[RowError]:
        v = row.values
        errors: list[RowError] = []
        flagged = {error.field for error in row.errors}
        for spec in FIELDS:
            if spec.required and v.get(spec.key) in (None, "") and spec.key not in flagged:
                errors.append(_error(gettext_noop("%(field)s is missing."), spec.key))
        number = str(v.get("contract_no") or "")
        if len(" ".join(number.split())) > CONTRACT_NO_MAX:
            errors.append(_error(gettext_noop("%(field)s: longer than %(limit)d characters."), "contract_no", limit=64))
        code = str(v.get("unit_code") or "").strip()
        unit = units.get(code) if code else ctx.unit
        if code and unit is None:
            errors.append(
                _error(gettext_noop("%(field)s: there is no unit with the code %(code)s."), "unit_code", code=code)
            )
        elif unit is None:
            errors.append(_error(gettext_noop("%(field)s is missing and the import has no default unit."), "unit_code"))
        elif not loan_services._unit_in_scope(ctx.actor, unit):  # the rule loans_import_batch applies
            errors.append(
                _error(gettext_noop("%(field)s: the unit %(code)s is outside your scope."), "unit_code", code=unit.code)
            )
        elif open_cases and (
            not may_open or (ctx.actor is not None and not case_access.unit_in_scope(ctx.actor, unit, ctx.creditor))
        ):
            errors.append(
                _error(
                    gettext_noop("%(field)s: you may not open cases for the unit %(code)s."),
                    "unit_code",
                    code=unit.code,
                )
            )
        start, maturity = v.get("start_date"), v.get("maturity_date")
        if start and maturity and maturity < start:
            errors.append(_error(gettext_noop("%(field)s is before the start date."), "maturity_date"))
        if start and v.get("overdue_since") and v["overdue_since"] < start:
            errors.append(_error(gettext_noop("%(field)s is before the start date."), "overdue_since"))
        if start and v.get("accelerated_on") and v["accelerated_on"] < start:
            errors.append(_error(gettext_noop("%(field)s is before the start date."), "accelerated_on"))
        if v.get("written_off_on") and v.get("written_off") is False:
            errors.append(_error(gettext_noop("%(field)s is given but the loan is not written off."), "written_off_on"))
        if v.get("principal") is not None and v["principal"] <= 0:
            errors.append(_error(gettext_noop("%(field)s must be greater than zero."), "principal"))
        for key in ("annual_rate", "penalty_rate", "compound_rate", *BALANCE_FIELDS, "collateral_value"):
            if v.get(key) is not None and v[key] < 0:
                errors.append(_error(gettext_noop("%(field)s cannot be negative."), key))
        if v.get("term_months") is not None and not 0 < v["term_months"] <= 1200:
            errors.append(_error(gettext_noop("%(field)s must be between 1 and 1200 months."), "term_months"))
        if v.get("days_past_due") is not None and v["days_past_due"] < 0:
            errors.append(_error(gettext_noop("%(field)s cannot be negative."), "days_past_due"))
        if "currency" in v:
            try:
                m.validate_currency(_currency(v["currency"]))
            except m.MoneyError:
                errors.append(
                    _error(gettext_noop("%(field)s: unknown currency %(value)s."), "currency", value=v["currency"])
                )
        has_balance = any(key in v for key in BALANCE_FIELDS)
        if has_balance and "balance_date" not in v and not ctx.options.get("as_of"):
            errors.append(_error(gettext_noop("%(field)s is missing: a balance needs its date."), "balance_date"))
        if (
            v.get("days_past_due")
            and "overdue_since" not in v
            and "balance_date" not in v
            and not ctx.options.get("as_of")
        ):
            errors.append(
                _error(
                    gettext_noop("%(field)s needs the balance date to count the overdue days from."), "days_past_due"
                )
            )
        for n in GUARANTORS:
            given = [
                part for part in ("name", "id", "contract_no", "type", "max_amount") if v.get(f"guarantor_{n}_{part}")
            ]
            if given:
                for part in ("name", "id"):
                    if not v.get(f"guarantor_{n}_{part}"):
                        errors.append(
                            _error(gettext_noop("%(field)s is missing for this guarantor."), f"guarantor_{n}_{part}")
                        )
        if (v.get("collateral_kind") or v.get("collateral_registration_no") or v.get("collateral_value")) and not v.get(
            "collateral_description"
        ):
            errors.append(
                _error(gettext_noop("%(field)s is missing: describe the collateral."), "collateral_description")
            )
        if v.get("security_provider_id") and not v.get("security_provider_name"):
            errors.append(_error(gettext_noop("%(field)s is missing."), "security_provider_name"))
        handler = str(v.get("case_handler") or "").strip()
        if handler and handler not in handlers:
            errors.append(
                _error(
                    gettext_noop("%(field)s: no active user %(user)s works for this creditor."),
                    "case_handler",
                    user=handler,
                )
            )
        errors.extend(self._party_errors(row))
        return errors

    def _party_errors(self, row: ParsedRow) -> list[RowError]:
        v = row.values
        errors = []
        parties: list[tuple[str, Any, Any, Any, Any]] = [
            (
                "borrower_name",
                v.get("borrower_name"),
                v.get("borrower_id"),
                v.get("borrower_mobile"),
                v.get("borrower_address"),
            )
        ]
        if v.get("co_borrower_name") or v.get("co_borrower_id"):
            parties.append(
                (
                    "co_borrower_name",
                    v.get("co_borrower_name"),
                    v.get("co_borrower_id"),
                    v.get("co_borrower_mobile"),
                    v.get("co_borrower_address"),
                )
            )
        for n in GUARANTORS:
            if v.get(f"guarantor_{n}_name") and v.get(f"guarantor_{n}_id"):
                parties.append((f"guarantor_{n}_name", v[f"guarantor_{n}_name"], v[f"guarantor_{n}_id"], "", ""))
        if v.get("security_provider_name"):
            parties.append(
                ("security_provider_name", v["security_provider_name"], v.get("security_provider_id"), "", "")
            )
        for key, name, number, mobile, address in parties:
            if not name:
                continue  # a missing required name is the pipeline's "required" error
            party_input = _party_input(name, number, mobile, address)
            try:
                prepared = party_services.prepare_party(party_input)
            except DomainError as exc:
                errors.append(_error(gettext_noop("%(field)s: %(message)s"), key, message=exc.message))
                continue
            if number and not prepared.id_valid and prepared.id_type in VERIFIABLE_ID_TYPES:
                # A resident ID or credit code that fails its check is a typo in the file, not a person
                # to store "without a verified ID": the row waits until the number is corrected.
                errors.append(_error(MSG_INVALID_ID, ID_FIELDS[key]))
            # The commit in the same process (the CLI) hands these to loans_import_batch: prepared once.
            row.memo.setdefault("loans.parties", {})[party_input] = prepared
        return errors

    # --- classify ------------------------------------------------------------------------------------

    def _meanings(self, rows: Sequence[ParsedRow], ctx: KindContext) -> dict[int, _Row]:
        """Each row's meaning; kept on the row, so the commit after a check in the same process (the
        CLI) reuses it. Only the values decide it, and they do not change between the steps."""
        todo = [row for row in rows if row.memo.get("loans.meaning", (None,))[0] is not ctx]
        if todo:
            units = _units(todo)
            for row in todo:
                row.memo["loans.meaning"] = (ctx, _interpret(row, ctx, units))
        return {row.number: row.memo["loans.meaning"][1] for row in rows}

    def _comparisons(
        self, rows: Sequence[ParsedRow], meanings: dict[int, _Row], loans: dict[str, LoanContract], ctx: KindContext
    ) -> dict[int, _Comparison]:
        pairs = {
            (loans[str(r.values["contract_no"])].pk, meanings[r.number].as_of)
            for r in rows
            if str(r.values["contract_no"]) in loans and meanings[r.number].snapshot is not None
        }
        snapshots = _day_snapshots(pairs)
        overwrite = bool(ctx.options.get("overwrite"))
        out = {}
        for row in rows:
            loan = loans.get(str(row.values["contract_no"]))
            if loan is None:
                continue
            meaning = meanings[row.number]
            out[row.number] = _compare(meaning, loan, snapshots.get((loan.pk, meaning.as_of), []), overwrite=overwrite)
        return out

    def classify(self, rows: Sequence[ParsedRow], ctx: KindContext) -> None:
        rows = [r for r in rows if _workable(r) and r.values.get("contract_no")]
        meanings = self._meanings(rows, ctx)
        loans = _on_file(ctx, [str(r.values["contract_no"]) for r in rows])
        comparisons = self._comparisons(rows, meanings, loans, ctx)
        for row in rows:
            loan = loans.get(str(row.values["contract_no"]))
            if loan is None:
                row.status, row.target_id, row.diff, row.conflicts = RowStatus.NEW, None, {}, {}
                continue
            if not loan_services._unit_in_scope(ctx.actor, loan.unit):
                # Someone else's loan: shown like a missing one (no values on file), and not written.
                row.target_id, row.diff, row.conflicts = None, {}, {}
                row.errors.append(_error(MSG_LOAN_NOT_FOUND, "contract_no", no=row.values["contract_no"]))
                row.status = RowStatus.ERROR
                continue
            comparison = comparisons[row.number]
            row.target_id = loan.pk
            row.conflicts = comparison.conflicts
            row.diff = comparison.diff
            if comparison.error is not None:
                row.errors.append(comparison.error)
                row.status = RowStatus.ERROR
            elif comparison.writes:
                row.status = RowStatus.UPDATE
            else:
                row.status = RowStatus.UNCHANGED

    # --- commit --------------------------------------------------------------------------------------

    def commit(self, rows: Sequence[ParsedRow], ctx: KindContext) -> CommitResult:
        result = CommitResult()
        rows = [r for r in rows if r.status in (RowStatus.NEW, RowStatus.UPDATE) and not r.errors]
        if not rows:
            return result
        meanings = self._meanings(rows, ctx)
        loans = _on_file(ctx, [str(r.values["contract_no"]) for r in rows])
        fresh = [r for r in rows if str(r.values["contract_no"]) not in loans]
        # Rows whose loan is on file (an UPDATE, or a NEW row of a commit that is resumed) are compared again
        # now, inside the chunk's transaction: what was written before is found equal and left alone.
        known = [r for r in rows if str(r.values["contract_no"]) in loans]
        self._create(fresh, meanings, ctx, result, loans)
        self._update(known, meanings, loans, ctx, result)
        if ctx.options.get("open_cases", True):
            wanted = [r for r in rows if r.status == RowStatus.NEW and str(r.values["contract_no"]) in loans]
            self._open_cases(wanted, loans, ctx, result)
        return result

    def _create(
        self,
        rows: list[ParsedRow],
        meanings: dict[int, _Row],
        ctx: KindContext,
        result: CommitResult,
        loans: dict[str, LoanContract],
    ) -> None:
        by_day: dict[date, list[ParsedRow]] = defaultdict(list)
        for row in rows:
            by_day[meanings[row.number].as_of].append(row)
        for as_of, day_rows in sorted(by_day.items()):
            known: dict[Any, Any] = {}
            for row in day_rows:
                known.update(row.memo.get("loans.parties", {}))
            batch = loan_services.loans_import_batch(
                actor=ctx.actor,
                creditor=ctx.creditor,
                rows=[_loan_input(row, meanings[row.number]) for row in day_rows],
                on_duplicate="skip",
                as_of=as_of,
                prepared_parties=known,
            )
            for row, outcome in zip(day_rows, batch.rows, strict=True):
                if outcome.errors or outcome.loan is None:
                    result.errors.extend((row.number, _row_error_from_text(text)) for text in outcome.errors)
                    continue
                loans[outcome.loan.contract_no] = outcome.loan
                row.result["loan"] = outcome.loan.pk
                if outcome.status == "created":
                    result.created += 1
                else:
                    result.unchanged += 1

    def _update(
        self,
        rows: list[ParsedRow],
        meanings: dict[int, _Row],
        loans: dict[str, LoanContract],
        ctx: KindContext,
        result: CommitResult,
    ) -> None:
        if not rows:
            return
        comparisons = self._comparisons(rows, meanings, loans, ctx)
        updates: list[LoanUpdate] = []
        updated_rows: list[ParsedRow] = []
        for row in rows:
            loan = loans[str(row.values["contract_no"])]
            row.result["loan"] = loan.pk
            comparison = comparisons[row.number]
            if comparison.error is not None:
                result.errors.append((row.number, comparison.error))
                continue
            if not comparison.writes:
                result.unchanged += 1
                continue
            meaning = meanings[row.number]
            dpd_day = meaning.as_of if ("overdue_since" in comparison.changes or comparison.snapshot) else None
            updates.append(
                LoanUpdate(
                    loan=loan,
                    version=loan.version,
                    changes=comparison.changes,
                    baseline=comparison.baseline,
                    snapshot=comparison.snapshot,
                    as_of=dpd_day,
                )
            )
            updated_rows.append(row)
        outcomes = loans_update_batch(actor=ctx.actor, creditor=ctx.creditor, updates=updates)
        for row, outcome in zip(updated_rows, outcomes, strict=True):
            if outcome.errors:
                result.errors.extend((row.number, _row_error_from_text(text)) for text in outcome.errors)
            elif outcome.status == "updated":
                result.updated += 1
            else:
                result.unchanged += 1

    def _open_cases(
        self, rows: list[ParsedRow], loans: dict[str, LoanContract], ctx: KindContext, result: CommitResult
    ) -> None:
        row_loans = [(row, loans[str(row.values["contract_no"])]) for row in rows]
        loan_ids = [loan.pk for _row, loan in row_loans]
        with_case = set(CaseLoan.objects.filter(loan_id__in=loan_ids).values_list("loan_id", flat=True))
        borrowers = dict(
            LoanParty.objects.filter(loan_id__in=loan_ids, role=LoanParty.Role.BORROWER)
            .order_by("-position", "-pk")
            .values_list("loan_id", "party_id")
        )  # the first borrower of each loan wins (ordered last)
        by_borrower = ctx.options.get("grouping") == "borrower"
        groups: dict[Any, list[tuple[ParsedRow, LoanContract]]] = {}
        for row, loan in row_loans:
            if loan.pk in with_case:
                continue
            with_case.add(loan.pk)
            key: Any = (borrowers.get(loan.pk), loan.currency, _cause(loan.product)) if by_borrower else loan.pk
            groups.setdefault(key, []).append((row, loan))
        if not groups:
            return
        handlers = _handlers(rows, ctx)
        inputs = []
        members = []
        for group in groups.values():
            first_row, first_loan = group[0]
            v = first_row.values
            inputs.append(
                CaseOpenInput(
                    creditor=ctx.creditor,
                    handling_unit=first_loan.unit,
                    cause_of_action=_cause(first_loan.product),
                    loans=[loan for _row, loan in group],
                    handler=handlers.get(str(v.get("case_handler") or "").strip()),
                    opened_on=v.get("case_opened_on") or ctx.today,
                    priority=str(v.get("case_priority") or Case.Priority.NORMAL),
                    tags=_tags(v.get("case_tags")),
                )
            )
            members.append(group)
        cases = cases_open_batch(actor=ctx.actor, rows=inputs)
        for case, group in zip(cases, members, strict=True):
            for row, _loan in group:
                row.result["case"] = case.pk
        result.cases_opened += len(cases)


KIND: Final = LoansKind()


def _standard_preset() -> Preset:
    return Preset(
        code="loanlit",
        label=_("Loanlit standard template"),
        kind=KIND.code,
        columns={spec.key: (template_header(spec.key),) for spec in FIELDS},
        required_headers=(template_header("contract_no"), template_header("borrower_name")),
        description=_("The downloadable template: one row per loan, the headers as in the template."),
    )


def register() -> None:
    register_kind(KIND)
    register_preset(_standard_preset())
