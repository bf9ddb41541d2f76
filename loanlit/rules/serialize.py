"""JSON shapes of the rule results, as ``manage.py law … --json`` prints them (a public interface:
dates ISO, money and rates as decimal strings, explanations as code + params + both texts)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from loanlit.core import money as m
from loanlit.law.calendar import YearSummary
from loanlit.law.caps import CapResult
from loanlit.law.caseno import CaseNumber
from loanlit.law.explain import Msg
from loanlit.law.fees import FeeResult
from loanlit.law.identifiers import IdentifierResult
from loanlit.law.interest import InterestResult
from loanlit.law.lpr import LprRow
from loanlit.law.periods import DeadlineResult, RuleSpec
from loanlit.law.words import AmountWords


def decimal_text(value: Decimal) -> str:
    """Plain decimal text without an exponent: Decimal("1E+2") → "100"."""
    return f"{value:f}"


def rate_text(value: Decimal | None) -> str | None:
    return None if value is None else m.format_rate(m.to_rate(value, rounding=True))


def day_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def messages(msgs: Iterable[Msg]) -> list[dict[str, Any]]:
    return [msg.as_json() for msg in msgs]


def rule(spec: RuleSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "label": {"zh-hans": spec.label_zh, "en": spec.label_en},
        "amount": spec.amount,
        "unit": str(spec.unit),
        "kind": str(spec.kind),
        "article": {"zh-hans": spec.article_zh, "en": spec.article_en},
    }


def deadline(result: DeadlineResult, spec: RuleSpec) -> dict[str, Any]:
    return {
        "rule": result.rule,
        "start": day_text(result.start),
        "nominal_end": day_text(result.nominal_end),
        "deadline": day_text(result.deadline),
        "rolled": result.rolled,
        "confirmed": result.confirmed,
        "reminder_date": day_text(result.reminder_date),
        "clamped": result.clamped,
        "article": {"zh-hans": spec.article_zh, "en": spec.article_en},
        "explanation": messages(result.explanation),
    }


def fee(kind: str, amount: Decimal, halved: bool, result: FeeResult) -> dict[str, Any]:
    return {
        "kind": kind,
        "amount": decimal_text(amount),
        "halved": halved,
        "fee": decimal_text(result.fee),
        "exact": decimal_text(result.exact),
        "explanation": messages(result.explanation),
    }


def interest(principal: Decimal, rate: Decimal, start: date, end: date, basis: str, result: InterestResult) -> dict:
    return {
        "principal": decimal_text(principal),
        "rate_pct": rate_text(rate),
        "start": day_text(start),
        "end": day_text(end),
        "basis": basis,
        "days": result.days,
        "interest": decimal_text(result.interest),
        "exact": decimal_text(result.exact),
        "explanation": messages(result.explanation),
    }


def cap(formed: date, rate: Decimal, lender: str, filed: date | None, result: CapResult) -> dict[str, Any]:
    return {
        "formed": day_text(formed),
        "rate_pct": rate_text(rate),
        "lender": lender,
        "filed": day_text(filed),
        "lpr_1y": rate_text(result.lpr_1y),
        "lpr_published": day_text(result.lpr_published),
        "cap_pct": rate_text(result.cap_pct),
        "supported_rate_pct": rate_text(result.supported_rate_pct),
        "applies": result.applies,
        "warnings": messages(result.warnings),
        "explanation": messages(result.explanation),
    }


def lpr(on: date, row: LprRow) -> dict[str, Any]:
    return {
        "on": day_text(on),
        "lpr_1y": rate_text(row.lpr_1y),
        "lpr_5y": rate_text(row.lpr_5y),
        "published": day_text(row.published),
        "explanation": messages([row.explanation()]),
    }


def case_number(result: CaseNumber) -> dict[str, Any]:
    label = result.type_label
    return {
        "year": result.year,
        "court": result.court,
        "court_level": result.court_level,
        "region_code": result.region_code,
        "special": result.special,
        "special_meaning": result.special_meaning,
        "type": result.type,
        "type_meaning": result.type_meaning,
        "type_label": {"zh-hans": label.text("zh-hans"), "en": label.text("en")},
        "seq": result.seq,
        "legacy": result.legacy,
        "normalized": result.normalized,
    }


def words(result: AmountWords) -> dict[str, Any]:
    return {
        "amount": decimal_text(result.amount),
        "words": result.words,
        "with_currency": result.with_currency,
        "explanation": messages(result.explanation),
    }


def identifier(kind: str, result: IdentifierResult) -> dict[str, Any]:
    error = result.message
    return {
        "kind": kind,
        "valid": result.valid,
        "normalized": result.normalized,
        "id_kind": result.kind,
        "birth_date": day_text(result.birth_date),
        "sex": result.sex,
        "warnings": messages(result.warnings),
        "error": error.as_json() if error is not None else None,
    }


def calendar_year(summary: YearSummary) -> dict[str, Any]:
    return {
        "year": summary.year,
        "source": str(summary.source),
        "package_covers": summary.package_covers,
        "notice": summary.notice,
        "confirmed": summary.source != "none",
        "rest_days": [d.isoformat() for d in summary.rest_days],
        "working_days": [d.isoformat() for d in summary.working_days],
        "provisional_rest_days": [d.isoformat() for d in summary.provisional_rest_days],
    }
