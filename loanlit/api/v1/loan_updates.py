"""/api/v1/loan-updates/: balances and repayments from core banking, all or nothing, idempotent.

``POST`` with an ``Idempotency-Key`` header (loanlit/api/idempotency.py) and a body

    {"creditor": "BANK-A",            # optional when the caller serves one creditor only
     "items": [{"type": "balance", "contract_no": "JK-1", "as_of": "2026-11-30", "principal": "80000.00",
                "interest_on_balance": "12.34", ...},
               {"type": "repayment", "contract_no": "JK-1", "paid_on": "2026-12-01", "amount": "500.00"}]}

Each item names its loan by contract number among the creditor's loans in the caller's scope (an item may
name another ``creditor`` the caller serves); a loan out of scope is "not found" exactly like a missing one.

* ``balance`` is appended through ``loans.services.snapshots.balance_snapshots_add_batch`` with source
  "core_banking" and the snapshots import's rules: the same amounts for a day on file are ``unchanged``,
  different ones an error (a balance is never overwritten; send the correction as of a later day).
* ``repayment`` is money the borrower paid: recorded through ``cases.services.recovery_record`` on the
  loan's open case (source "borrower_payment" unless given), allocated by law like any recovery. A loan in
  no open case has nowhere to book it: the item is an error (send its balance instead). Needs ``cases.edit``.

Amounts are decimal strings with at most two places (a JSON number is refused: floats are not money). Up to
``MAX_ITEMS`` items; one bad item refuses the whole request with 400 naming it (``items.3.principal``) and
writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, routers, serializers
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.accounts.selectors import creditors_visible_to
from loanlit.api import base
from loanlit.api.errors import ErrorSerializer
from loanlit.api.idempotency import HEADER, IdempotentCreateMixin
from loanlit.cases import access as case_access
from loanlit.cases.models import CaseLoan, Recovery
from loanlit.cases.services import recovery_record
from loanlit.core.errors import DomainError
from loanlit.core.models import Creditor
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract
from loanlit.loans.selectors import loans_visible_to
from loanlit.loans.services.snapshots import AMOUNT_FIELDS, SnapshotRow, balance_snapshots_add_batch

MAX_ITEMS: Final = 1000
LOOKUP_CHUNK: Final = 500
AMOUNT_PATTERN: Final = base.MONEY_TEXT  # the API's one money format (ASCII digits, at most 2 places)
DATE_PATTERN: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TYPES: Final = ("balance", "repayment")
BALANCE_KEYS: Final = frozenset({"type", "contract_no", "creditor", "as_of", "currency", *AMOUNT_FIELDS})
REPAYMENT_KEYS: Final = frozenset({"type", "contract_no", "creditor", "paid_on", "amount", "currency", "source"})


class Invalid(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Item:
    index: int
    type: str
    contract_no: str
    creditor: Creditor | None = None
    day: date | None = None
    amounts: dict[str, Decimal] = field(default_factory=dict)
    currency: str = ""
    source: str = ""
    loan: LoanContract | None = None


class Errors:
    """Field errors keyed ``items.<n>.<field>``, as the JSON error shape lists them."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, where: str, message: str) -> None:
        self.fields.setdefault(where, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise exceptions.ValidationError(self.fields)


def parse_amount(value: Any, *, positive: bool = False) -> Decimal:
    """A decimal string with at most two places; a JSON number (a float on the wire) is refused."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise Invalid(_('Send amounts as decimal strings such as "1234.50", not as numbers.'))
    text = value.strip()
    if not AMOUNT_PATTERN.fullmatch(text):
        raise Invalid(_("Enter an amount with at most two decimal places, such as 1234.50."))
    amount = Decimal(text).quantize(Decimal("0.01"))
    if amount < 0 or (positive and amount == 0):
        raise Invalid(_("The amount must be more than zero.") if positive else _("The amount cannot be negative."))
    return amount


def parse_day(value: Any) -> date:
    if not isinstance(value, str) or not DATE_PATTERN.match(value.strip()):
        raise Invalid(_("Enter a date as YYYY-MM-DD."))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(_("Enter a date as YYYY-MM-DD.")) from None


def _text(value: Any, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(_("This field is required."))
    if len(value.strip()) > max_length:
        raise Invalid(_("At most %(count)d characters.") % {"count": max_length})
    return value.strip()


class LoanUpdates:
    """One request's items: parsed, matched to loans, then written in one transaction (or not at all)."""

    def __init__(self, actor: Any, data: Any) -> None:
        self.actor = actor
        self.data = data
        self.errors = Errors()
        self.creditors = {c.code: c for c in creditors_visible_to(actor)}

    # --- shape ---------------------------------------------------------------------------------------

    def _default_creditor(self) -> Creditor | None:
        code = self.data.get("creditor")
        if code not in (None, ""):
            creditor = self.creditors.get(str(code))
            if creditor is None:
                self.errors.add("creditor", _("Not found."))
            return creditor
        if len(self.creditors) == 1:
            return next(iter(self.creditors.values()))
        return None

    def parse(self) -> list[Item]:
        if not isinstance(self.data, dict):
            raise exceptions.ValidationError({"items": [_("Send a JSON object with an “items” list.")]})
        raw = self.data.get("items")
        if not isinstance(raw, list) or not raw:
            raise exceptions.ValidationError({"items": [_("Send at least one item.")]})
        if len(raw) > MAX_ITEMS:
            raise exceptions.ValidationError(
                {"items": [_("Send at most %(count)d items in one request.") % {"count": MAX_ITEMS}]}
            )
        default = self._default_creditor()
        items = [self._item(index, entry, default) for index, entry in enumerate(raw)]
        self.errors.raise_if_any()
        return [item for item in items if item is not None]

    def _item(self, index: int, entry: Any, default: Creditor | None) -> Item | None:
        where = f"items.{index}"
        if not isinstance(entry, dict):
            self.errors.add(where, _("Each item is a JSON object."))
            return None
        kind = entry.get("type")
        if kind not in TYPES:
            self.errors.add(f"{where}.type", _("Choose “balance” or “repayment”."))
            return None
        allowed = BALANCE_KEYS if kind == "balance" else REPAYMENT_KEYS
        for name in sorted(set(entry) - allowed):
            self.errors.add(f"{where}.{name}", _("Unknown field."))
        item = Item(index=index, type=kind, contract_no="")

        def check(name: str, parse: Any) -> Any:
            try:
                return parse(entry.get(name))
            except Invalid as exc:
                self.errors.add(f"{where}.{name}", exc.message)
                return None

        item.contract_no = check("contract_no", lambda v: _text(v, 64)) or ""
        code = entry.get("creditor")
        if code not in (None, ""):
            item.creditor = self.creditors.get(str(code))
            if item.creditor is None:
                self.errors.add(f"{where}.creditor", _("Not found."))
        else:
            item.creditor = default
            if default is None and "creditor" not in self.errors.fields:
                self.errors.add(f"{where}.creditor", _("Name the creditor: you work for more than one."))
        if entry.get("currency") not in (None, ""):
            item.currency = check("currency", lambda v: _text(v, 10).upper()) or ""
        if kind == "balance":
            item.day = check("as_of", parse_day)
            if entry.get("principal") is None:
                self.errors.add(f"{where}.principal", _("This field is required."))
            for name in AMOUNT_FIELDS:
                if entry.get(name) is not None:
                    amount = check(name, parse_amount)
                    if amount is not None:
                        item.amounts[name] = amount
        else:
            item.day = check("paid_on", parse_day)
            if entry.get("amount") is None:
                self.errors.add(f"{where}.amount", _("This field is required."))
            else:
                amount = check("amount", lambda v: parse_amount(v, positive=True))
                if amount is not None:
                    item.amounts["amount"] = amount
            source = entry.get("source") or Recovery.Source.BORROWER_PAYMENT
            if source not in (Recovery.Source.BORROWER_PAYMENT, Recovery.Source.GUARANTOR):
                self.errors.add(f"{where}.source", _("Choose “borrower_payment” or “guarantor”."))
            item.source = str(source)
        return item

    # --- loans ---------------------------------------------------------------------------------------

    def match(self, items: list[Item]) -> None:
        """Each item's loan among the creditor's loans in the caller's scope; else "not found"."""
        by_creditor: dict[int, set[str]] = {}
        for item in items:
            if item.creditor is not None:
                by_creditor.setdefault(item.creditor.pk, set()).add(item.contract_no)
        found: dict[tuple[int, str], LoanContract] = {}
        for creditor_id, numbers in by_creditor.items():
            wanted = sorted(numbers)
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                query = loans_visible_to(self.actor).filter(
                    creditor_id=creditor_id, contract_no__in=wanted[start : start + LOOKUP_CHUNK]
                )
                for loan in query:
                    found[(creditor_id, loan.contract_no)] = loan
        for item in items:
            assert item.creditor is not None
            item.loan = found.get((item.creditor.pk, item.contract_no))
            if item.loan is None:
                self.errors.add(
                    f"items.{item.index}.contract_no",
                    _("Loan %(no)s was not found.") % {"no": item.contract_no},
                )
            elif item.currency and item.currency != item.loan.currency:
                self.errors.add(
                    f"items.{item.index}.currency",
                    _("The loan is in %(loan)s, the item says %(item)s.")
                    % {"loan": item.loan.currency, "item": item.currency},
                )
        self.errors.raise_if_any()

    # --- writes --------------------------------------------------------------------------------------

    @transaction.atomic
    def write(self, items: list[Item]) -> list[dict[str, Any]]:
        results: dict[int, dict[str, Any]] = {}
        balances: dict[int, list[Item]] = {}
        for item in items:
            if item.type == "balance":
                assert item.creditor is not None
                balances.setdefault(item.creditor.pk, []).append(item)
        for group in balances.values():
            self._write_balances(group, results)
        for item in items:
            if item.type == "repayment":
                self._write_repayment(item, results)
        self.errors.raise_if_any()  # rolls back everything written above
        return [results[item.index] for item in items]

    def _write_balances(self, group: list[Item], results: dict[int, dict[str, Any]]) -> None:
        rows = [SnapshotRow(loan=item.loan, as_of=item.day, **item.amounts) for item in group]  # type: ignore[arg-type]
        outcome = balance_snapshots_add_batch(
            actor=self.actor,
            creditor=group[0].creditor,  # type: ignore[arg-type]
            rows=rows,
            source=LoanBalanceSnapshot.Source.CORE_BANKING,
            on_conflict="error",
        )
        for item, result in zip(group, outcome, strict=True):
            if result.errors or result.snapshot is None:
                for message in result.errors:
                    self.errors.add(f"items.{item.index}.as_of", message)
                continue
            results[item.index] = {
                "index": item.index,
                "type": "balance",
                "contract_no": item.contract_no,
                "loan": item.loan.pk,  # type: ignore[union-attr]
                "status": result.status,
                "snapshot": result.snapshot.pk,
            }

    def _write_repayment(self, item: Item, results: dict[int, dict[str, Any]]) -> None:
        where = f"items.{item.index}"
        link = CaseLoan.objects.filter(loan=item.loan, active=True).select_related("case").first()
        if link is None:
            self.errors.add(
                f"{where}.contract_no",
                _("Loan %(no)s is in no open case: a repayment is recorded on its case; send its balance instead.")
                % {"no": item.contract_no},
            )
            return
        if not case_access.can_edit(self.actor, link.case):
            self.errors.add(
                f"{where}.contract_no", _("You may not change the case of loan %(no)s.") % {"no": item.contract_no}
            )
            return
        try:
            with transaction.atomic():
                recovery = recovery_record(
                    actor=self.actor,
                    case=link.case,
                    received_on=item.day,  # type: ignore[arg-type]
                    amount=item.amounts["amount"],
                    source=item.source,
                    currency=item.currency or None,
                )
        except DomainError as exc:
            self.errors.add(f"{where}.amount", exc.message)
            return
        results[item.index] = {
            "index": item.index,
            "type": "repayment",
            "contract_no": item.contract_no,
            "loan": item.loan.pk,  # type: ignore[union-attr]
            "status": "created",
            "case": link.case_id,
            "recovery": recovery.pk,
            "allocation": recovery.allocation,
        }


class LoanUpdateItemSerializer(serializers.Serializer):
    """One item (for the schema; the view parses items itself, so that every error names its item)."""

    type = serializers.ChoiceField(choices=TYPES)
    contract_no = serializers.CharField(max_length=64)
    creditor = serializers.CharField(required=False, help_text=gettext_lazy("Creditor code; default: the request's."))
    as_of = serializers.DateField(required=False, help_text=gettext_lazy("balance: the day of the balance"))
    principal = base.MoneyField(required=False)
    interest_on_balance = base.MoneyField(required=False)
    interest_off_balance = base.MoneyField(required=False)
    penalty = base.MoneyField(required=False)
    compound = base.MoneyField(required=False)
    fees = base.MoneyField(required=False)
    paid_on = serializers.DateField(required=False, help_text=gettext_lazy("repayment: the day it was paid"))
    amount = base.MoneyField(required=False, help_text=gettext_lazy("repayment: the amount paid"))
    source = serializers.CharField(
        required=False, help_text=gettext_lazy("repayment: borrower_payment (default) or guarantor")
    )
    currency = serializers.CharField(required=False, max_length=10)


class LoanUpdateRequestSerializer(serializers.Serializer):
    creditor = serializers.CharField(required=False)
    items = LoanUpdateItemSerializer(many=True)


class LoanUpdateResultSerializer(serializers.Serializer):
    """The answer: one result per item, in order, and the totals."""

    items = serializers.ListField(child=serializers.DictField())
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()


IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=True,
    description=gettext_lazy("New for each new request; a repeat with the same key replays the first answer."),
)


class LoanUpdateViewSet(IdempotentCreateMixin, base.GenericViewSet):
    """POST balances and repayments (see the module docstring). Needs the ``Idempotency-Key`` header."""

    required_code = "imports.run"
    serializer_class = LoanUpdateResultSerializer
    parser_classes = [JSONParser]
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return LoanBalanceSnapshot.objects.none()

    @extend_schema(
        request=LoanUpdateRequestSerializer,
        responses={200: LoanUpdateResultSerializer, 422: ErrorSerializer, 428: ErrorSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def perform_idempotent_create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        updates = LoanUpdates(request.user, request.data)
        items = updates.parse()
        updates.match(items)
        results = updates.write(items)
        created = sum(1 for r in results if r["status"] == "created")
        return Response({"items": results, "created": created, "unchanged": len(results) - created}, status=200)


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("loan-updates", LoanUpdateViewSet, basename="loan-update")
