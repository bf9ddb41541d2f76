"""``manage.py law …``: the legal rules from the command line (issue 3, a public interface).

``--json`` prints one JSON object (dates ISO, money and rates as decimal strings, explanations as
code + params + zh-Hans and English texts); without it a readable text form in ``--lang`` (default:
LOANLIT_LANGUAGE_CODE). Errors go to stderr with exit status 1, never a traceback. Deadlines and the
calendar use the administrator's holiday overrides; lpr, cap and interest use the extended LPR table.
"""

from __future__ import annotations

import argparse
import json
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _

from loanlit.law.caps import LENDER_KINDS, interest_cap
from loanlit.law.caseno import parse_case_number
from loanlit.law.explain import Msg
from loanlit.law.fees import FEE_KINDS, court_fee
from loanlit.law.identifiers import validate_mobile, validate_resident_id, validate_uscc
from loanlit.law.interest import DAY_COUNT_BASES, simple_interest
from loanlit.law.lpr import lpr_on
from loanlit.law.money import LawInputError
from loanlit.law.periods import RULES, compute_deadline, resolve_rule
from loanlit.law.words import amount_in_words
from loanlit.rules import selectors, serialize
from loanlit.rules.texts import law_language, law_message

_NUMBER: Final = re.compile(r"\d+(?:\.\d+)?")
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_MAX_INPUT: Final = 40
VALIDATORS: Final[dict[str, Callable[[str], Any]]] = {
    "ric": validate_resident_id,
    "uscc": validate_uscc,
    "mobile": validate_mobile,
}
# The contract basis banks use by default (rules.md decisions table); always echoed in the output.
DEFAULT_BASIS: Final = "actual/360"


class InputError(Exception):
    """A command-line value the rules cannot take; the message is already translated."""


def parse_decimal(text: str, *, name: str, percent: bool = False) -> Decimal:
    """A non-negative decimal typed in digits ("1234.56"); exponents, words and signs are refused."""
    value = unicodedata.normalize("NFKC", text).strip()
    if percent and value.endswith("%"):
        value = value[:-1].strip()
    if value.startswith("-") and _NUMBER.fullmatch(value[1:]):
        raise InputError(_("%(name)s must not be negative: %(value)s") % {"name": name, "value": text})
    if len(value) > _MAX_INPUT or not _NUMBER.fullmatch(value):
        raise InputError(
            _("%(name)s must be a decimal number written in digits, such as 1234.56, not %(value)r")
            % {"name": name, "value": text[:_MAX_INPUT]}
        )
    return Decimal(value)


def parse_day(text: str, *, name: str) -> date:
    try:
        if not _ISO_DATE.fullmatch(text.strip()):
            raise ValueError(text)
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            _("%(name)s must be a real date written YYYY-MM-DD, not %(value)r") % {"name": name, "value": text[:40]}
        ) from None


def parse_year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise InputError(_("The year must be four digits, such as 2027, not %(value)r") % {"value": text[:40]})
    return int(text)


class Command(BaseCommand):
    help = (
        "Legal rules: deadlines, court fees, interest, caps, LPR, case numbers, amounts in words, "
        "identifiers and the holiday calendar. Add --json for machine-readable output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        common: Any = argparse.ArgumentParser(add_help=False)
        common.add_argument("--json", action="store_true", help="print JSON instead of text")
        common.add_argument("--lang", choices=["zh-hans", "en"], help="text language (default: LANGUAGE_CODE)")
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        p = sub.add_parser("deadline", parents=[common], help="compute a named period")
        p.add_argument("--rule", required=True, help="rule name (see `law rules`)")
        p.add_argument("--start", required=True, help="YYYY-MM-DD the period runs from")
        sub.add_parser("rules", parents=[common], help="list the period rules")

        p = sub.add_parser("fee", parents=[common], help="court fee")
        p.add_argument("--kind", required=True, choices=FEE_KINDS)
        p.add_argument("--amount", required=True, help="amount in CNY, e.g. 1234567.89")
        p.add_argument("--halved", action="store_true", help="halved once (summary, mediation, withdrawal)")

        p = sub.add_parser("interest", parents=[common], help="simple interest over (start, end]")
        p.add_argument("--principal", required=True)
        p.add_argument("--rate", required=True, help="annual rate in percent, e.g. 4.35")
        p.add_argument("--start", required=True, help="last day not charged")
        p.add_argument("--end", required=True, help="last day charged")
        p.add_argument("--basis", choices=DAY_COUNT_BASES, default=DEFAULT_BASIS)

        p = sub.add_parser("cap", parents=[common], help="private-lending interest cap")
        p.add_argument("--formed", required=True, help="day the contract was formed")
        p.add_argument("--rate", required=True, help="agreed annual rate in percent")
        p.add_argument("--lender", choices=LENDER_KINDS, default="private")
        p.add_argument("--filed", help="filing date (contracts formed before 2020-08-20)")

        p = sub.add_parser("lpr", parents=[common], help="LPR in force on a day")
        p.add_argument("--on", required=True, help="YYYY-MM-DD")

        p = sub.add_parser("caseno", parents=[common], help="decode a court case number")
        p.add_argument("text")

        p = sub.add_parser("words", parents=[common], help="amount in Chinese capitals")
        p.add_argument("amount")

        p = sub.add_parser("validate", parents=[common], help="check an identifier")
        p.add_argument("kind", choices=sorted(VALIDATORS))
        p.add_argument("value")

        p = sub.add_parser("calendar", parents=[common], help="rest days and make-up working days of a year")
        p.add_argument("--year", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        language = options.get("lang") or settings.LANGUAGE_CODE
        with translation.override(language):
            try:
                data, text = getattr(self, "_" + options["subcommand"])(options)
            except InputError as error:
                raise CommandError(str(error)) from None
            except LawInputError as error:
                raise CommandError(law_message(error, language)) from None
            except DatabaseError as error:
                # Holiday overrides and LPR rows live in the database; say what to do, not a traceback.
                raise CommandError(
                    _("The database is not ready (%(error)s); run `manage.py migrate` first.") % {"error": error}
                ) from None
            if options.get("json"):
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                self.stdout.write("\n".join(text))

    # --- one method per subcommand: (JSON data, text lines) -----------------------------------

    def _deadline(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        spec = resolve_rule(o["rule"])
        start = parse_day(o["start"], name="--start")
        result = compute_deadline(spec.name, start, calendar=selectors.law_calendar())
        lines = [
            self._kv(_("Rule"), f"{spec.name} ({self._label(spec.label_zh, spec.label_en)})"),
            self._kv(_("Start"), f"{start.isoformat()}"),
            self._kv(_("Nominal end"), f"{result.nominal_end.isoformat()}"),
            self._kv(_("Deadline"), f"{result.deadline.isoformat()}"),
            self._kv(_("Rolled over"), f"{self._yes(result.rolled)}"),
            self._kv(_("Confirmed"), f"{self._yes(result.confirmed)}"),
            self._kv(_("Reminder date"), f"{result.reminder_date.isoformat()}"),
            self._kv(_("Source"), f"{self._label(spec.article_zh, spec.article_en)}"),
            *self._explanation(result.explanation),
        ]
        return serialize.deadline(result, spec), lines

    def _rules(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        specs = list(RULES.values())
        lines = [f"{s.name}: {self._label(s.label_zh, s.label_en)} — {self._length(s)}" for s in specs]
        return {"rules": [serialize.rule(s) for s in specs]}, lines

    def _fee(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        amount = parse_decimal(o["amount"], name="--amount")
        result = court_fee(o["kind"], amount, halved=o["halved"])
        lines = [
            self._kv(_("Fee"), f"{serialize.decimal_text(result.fee)}"),
            self._kv(_("Exact"), f"{serialize.decimal_text(result.exact)}"),
            *self._explanation(result.explanation),
        ]
        return serialize.fee(o["kind"], amount, o["halved"], result), lines

    def _interest(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        principal = parse_decimal(o["principal"], name="--principal")
        rate = parse_decimal(o["rate"], name="--rate", percent=True)
        start, end = parse_day(o["start"], name="--start"), parse_day(o["end"], name="--end")
        result = simple_interest(principal, rate, start, end, o["basis"])
        lines = [
            self._kv(_("Days"), f"{result.days} ({o['basis']})"),
            self._kv(_("Interest"), f"{serialize.decimal_text(result.interest)}"),
            *self._explanation(result.explanation),
        ]
        return serialize.interest(principal, rate, start, end, o["basis"], result), lines

    def _cap(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        formed = parse_day(o["formed"], name="--formed")
        rate = parse_decimal(o["rate"], name="--rate", percent=True)
        filed = parse_day(o["filed"], name="--filed") if o.get("filed") else None
        result = interest_cap(formed, rate, o["lender"], filed, table=selectors.lpr_table())
        data = serialize.cap(formed, rate, o["lender"], filed, result)
        lines = [
            self._kv(_("One-year LPR"), f"{data['lpr_1y'] or '—'}"),
            self._kv(_("Cap"), f"{data['cap_pct'] or '—'}"),
            self._kv(_("Supported rate"), f"{data['supported_rate_pct']}"),
            self._kv(_("Private-lending cap applies"), f"{self._yes(result.applies)}"),
            *self._explanation(result.explanation),
            *(f"! {self._msg(m)}" for m in result.warnings),
        ]
        return data, lines

    def _lpr(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        on = parse_day(o["on"], name="--on")
        row = lpr_on(on, table=selectors.lpr_table())
        data = serialize.lpr(on, row)
        lines = [
            self._kv(_("One-year LPR"), f"{data['lpr_1y']}"),
            self._kv(_("Five-year-plus LPR"), f"{data['lpr_5y']}"),
            self._kv(_("Published"), f"{data['published']}"),
        ]
        return data, lines

    def _caseno(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        result = parse_case_number(o["text"])
        data = serialize.case_number(result)
        lines = [
            self._kv(_("Normalized"), f"{result.normalized}"),
            self._kv(_("Year"), f"{result.year}"),
            self._kv(_("Court"), f"{result.court} ({result.court_level})"),
            self._kv(_("Special code"), f"{result.special or '—'}"),
            self._kv(_("Case type"), f"{result.type} ({self._msg(result.type_label)})"),
            self._kv(_("Sequence"), f"{result.seq}"),
        ]
        return data, lines

    def _words(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        result = amount_in_words(parse_decimal(o["amount"], name=_("The amount")))
        return serialize.words(result), [result.with_currency, *self._explanation(result.explanation)]

    def _validate(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        result = VALIDATORS[o["kind"]](o["value"])
        lines = [self._kv(_("Valid"), f"{self._yes(result.valid)}"), self._kv(_("Normalized"), f"{result.normalized}")]
        if result.message is not None:
            lines.append(self._kv(_("Error"), f"{self._msg(result.message)}"))
        lines += [f"! {self._msg(m)}" for m in result.warnings]
        return serialize.identifier(o["kind"], result), lines

    def _calendar(self, o: dict[str, Any]) -> tuple[Any, list[str]]:
        year = parse_year(o["year"])
        summary = selectors.law_calendar().year_summary(year)
        sources = {
            "package": _("the chinesecalendar package"),
            "override": _("an administrator override"),
            "none": _("no data: provisional (weekends and fixed-date holidays only)"),
        }
        lines = [self._kv(_("Year"), f"{year}"), self._kv(_("Data source"), f"{sources[str(summary.source)]}")]
        if summary.notice:
            lines.append(self._kv(_("Notice"), f"{summary.notice}"))
        lines.append(self._kv(_("Rest days"), f"{', '.join(d.isoformat() for d in summary.rest_days) or '—'}"))
        working = ", ".join(d.isoformat() for d in summary.working_days) or "—"
        lines.append(self._kv(_("Make-up working days"), working))
        if summary.provisional_rest_days:
            days = ", ".join(d.isoformat() for d in summary.provisional_rest_days)
            lines.append(self._kv(_("Provisional rest days"), f"{days}"))
        return serialize.calendar_year(summary), lines

    # --- text helpers ---------------------------------------------------------------------------

    @staticmethod
    def _label(zh: str, en: str) -> str:
        return en if law_language() == "en" else zh

    @staticmethod
    def _msg(msg: Msg) -> str:
        return msg.text(law_language())

    def _explanation(self, msgs: Any) -> list[str]:
        return [f"  · {self._msg(m)}" for m in msgs]

    @staticmethod
    def _kv(label: str, value: str) -> str:
        # The label is a separate gettext call so makemessages extracts it (it cannot look inside f-strings).
        return f"{label}: {value}"

    @staticmethod
    def _yes(value: bool) -> str:
        return _("yes") if value else _("no")

    @staticmethod
    def _length(spec: Any) -> str:
        if str(spec.unit) == "days":
            return _("%(n)d days") % {"n": spec.amount}
        return _("%(n)d months") % {"n": spec.amount}
