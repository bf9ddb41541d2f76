"""The definition of a report-builder report: what it groups by, what it counts, which filters apply.

Stored on ``SavedReport.definition`` as plain JSON::

    {"dimensions": ["court", "product"], "measures": ["cases", "recovery_rate"],
     "filters": {"period_from": "2026-01", "court_province": "11", "open_only": true}}

``definition_clean`` validates what a form, an API or an old row hands in and returns that JSON shape
(or raises a ``DomainError`` whose ``params["errors"]`` lists every problem, each already translated);
``definition_parse`` turns a stored definition into typed values for the selectors. Filters hold no
personal data: ids of reference rows (creditor, unit, court, handler, law firm), codes and months.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields
from typing import Any, Final

from django.utils.translation import gettext as _

from loanlit.cases.positions import POSITION_LABELS
from loanlit.core.errors import DomainError
from loanlit.reports.definitions import DIMENSIONS, MEASURES, PROVINCES
from loanlit.reports.filters import StatsFilters, key_pk
from loanlit.reports.models import OutcomeClass

MAX_DIMENSIONS: Final = 2
ID_FILTERS: Final = ("creditor", "unit", "court", "handler", "law_firm")
MONTH_FILTERS: Final = ("period_from", "period_to")
TEXT_MAX: Final = 100
MONTH_RE: Final = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
FILTER_NAMES: Final = tuple(f.name for f in fields(StatsFilters))


@dataclass(frozen=True)
class Definition:
    dimensions: tuple[str, ...]
    measures: tuple[str, ...]
    filters: StatsFilters


CURRENCY_CODE: Final = re.compile(r"[A-Z]{3}")


def _codes(raw: Any) -> list[str] | None:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple) or not all(isinstance(code, str) for code in raw):
        return None
    return [code for code in raw if code]


def _month(raw: Any) -> dt.date | None:
    """A filing month: a date, or "YYYY-MM" / "YYYY-MM-DD" text (the day is dropped). ``ValueError`` if neither."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        return raw.replace(day=1)
    if not isinstance(raw, str):
        raise ValueError(raw)
    match = MONTH_RE.match(raw.strip())
    if not match:
        raise ValueError(raw)
    return dt.date(int(match[1]), int(match[2]), int(match[3] or 1)).replace(day=1)


def _positive_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and key_pk(raw) is not None:
        value = int(raw.strip())
    else:
        raise ValueError(raw)
    if value <= 0:
        raise ValueError(raw)
    return value


def _flag(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw in (None, "", 0, "0", "false", "False", "off"):
        return False
    if raw in (1, "1", "true", "True", "on"):
        return True
    raise ValueError(raw)


def _filter_values(raw: Any, errors: list[str]) -> dict[str, Any]:
    """Typed filter values (only the ones set) from ``raw``; problems are appended to ``errors``."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        errors.append(_("The filters of the report are not valid."))
        return {}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in FILTER_NAMES:
            errors.append(_("“%(name)s” is not a filter of the statistics.") % {"name": name})
            continue
        if value in (None, ""):
            continue
        try:
            if name in ID_FILTERS:
                values[name] = _positive_int(value)
            elif name in MONTH_FILTERS:
                values[name] = _month(value)
            elif name == "open_only":
                if _flag(value):
                    values[name] = True
            else:
                if not isinstance(value, str) or len(value) > TEXT_MAX:
                    raise ValueError(value)
                values[name] = value.strip()
        except ValueError:
            errors.append(_("The filter “%(name)s” has a value that is not valid.") % {"name": filter_label(name)})
    for name in ("court_province", "borrower_province"):
        if values.get(name) and values[name] not in PROVINCES:
            errors.append(_("Choose a province from the list."))
            values.pop(name)
    if values.get("outcome") and values["outcome"] not in OutcomeClass.values:
        errors.append(_("Choose an outcome from the list."))
        values.pop("outcome")
    if values.get("position") and values["position"] not in POSITION_LABELS:
        errors.append(_("Choose a procedural position from the list."))
        values.pop("position")
    if values.get("currency") and not CURRENCY_CODE.fullmatch(values["currency"]):
        errors.append(_("Choose a currency from the list."))
        values.pop("currency")
    start, end = values.get("period_from"), values.get("period_to")
    if start and end and start > end:
        errors.append(_("The first filing month is after the last one."))
    return values


def filter_label(name: str) -> str:
    labels = {
        "creditor": _("Creditor"),
        "unit": _("Unit"),
        "period_from": _("Filed from"),
        "period_to": _("Filed to"),
        "court": _("Court"),
        "court_province": _("Court's province"),
        "borrower_province": _("Borrower's registered province"),
        "product": _("Product"),
        "cause": _("Cause of action"),
        "handler": _("Handler"),
        "law_firm": _("Law firm"),
        "stage": _("Stage"),
        "position": _("Procedural position"),
        "outcome": _("Outcome"),
        "open_only": _("Open cases only"),
        "currency": _("Amounts in"),
    }
    return str(labels.get(name, name))


def _check_references(values: dict[str, Any], errors: list[str], actor: Any) -> None:
    """Ids must name existing rows; a creditor must be one the author serves (scope is applied per viewer
    anyway, so this only catches mistakes early)."""
    from loanlit.accounts.models import User
    from loanlit.accounts.selectors import creditor_ids_for
    from loanlit.cases.models import CaseStage, Court, LawFirm
    from loanlit.core.models import Creditor, OrgUnit

    models: dict[str, Any] = {
        "creditor": Creditor,
        "unit": OrgUnit,
        "court": Court,
        "handler": User,
        "law_firm": LawFirm,
    }
    for name, model in models.items():
        if name in values and not model._default_manager.filter(pk=values[name]).exists():
            errors.append(_("The filter “%(name)s” names a record that does not exist.") % {"name": filter_label(name)})
    creditor = values.get("creditor")
    if creditor and getattr(actor, "is_authenticated", False) and creditor not in creditor_ids_for(actor):
        errors.append(_("You do not work for the creditor chosen in the filters."))
    if values.get("stage") and not CaseStage.objects.filter(code=values["stage"]).exists():
        errors.append(_("Choose a stage from the list."))


def definition_clean(raw: Any, *, actor: Any = None) -> dict[str, Any]:
    """The stored JSON form of a valid definition, or a ``DomainError`` (code ``invalid_definition``) listing
    every problem in ``params["errors"]`` (its message is the first one)."""
    errors: list[str] = []
    if not isinstance(raw, dict):
        raise DomainError(
            _("The report definition is not valid."),
            code="invalid_definition",
            params={"errors": [_("The report definition is not valid.")]},
        )
    unknown = sorted(set(raw) - {"dimensions", "measures", "filters"})
    if unknown:
        errors.append(_("The report definition has unknown parts: %(parts)s.") % {"parts": ", ".join(unknown)})
    dimensions = _codes(raw.get("dimensions"))
    if dimensions is None:
        errors.append(_("Choose one or two dimensions."))
        dimensions = []
    if not dimensions or len(dimensions) > MAX_DIMENSIONS:
        errors.append(_("Choose one or two dimensions."))
    for code in dimensions:
        if code not in DIMENSIONS:
            errors.append(_("“%(code)s” is not a dimension of the statistics.") % {"code": code})
    if len(dimensions) == MAX_DIMENSIONS and dimensions[0] == dimensions[1]:
        errors.append(_("Choose two different dimensions."))
    measures = _codes(raw.get("measures"))
    if not measures:
        errors.append(_("Choose at least one measure."))
        measures = []
    for code in measures:
        if code not in MEASURES:
            errors.append(_("“%(code)s” is not a measure of the statistics.") % {"code": code})
    values = _filter_values(raw.get("filters"), errors)
    if not errors:
        _check_references(values, errors, actor)
    if errors:
        unique = list(dict.fromkeys(str(e) for e in errors))
        raise DomainError(unique[0], code="invalid_definition", params={"errors": unique})
    return {
        "dimensions": list(dimensions),
        "measures": list(dict.fromkeys(measures)),
        "filters": filters_to_json(StatsFilters(**values)),
    }


def filters_to_json(filters: StatsFilters) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in filters.active().items():
        out[name] = value.strftime("%Y-%m") if isinstance(value, dt.date) else value
    return out


def definition_parse(stored: Any) -> Definition:
    """Typed values of a stored definition. Lenient: codes that no longer exist are dropped, so an old
    report still opens (the edit form then asks for what is missing)."""
    stored = stored if isinstance(stored, dict) else {}
    dimensions = tuple(c for c in (_codes(stored.get("dimensions")) or []) if c in DIMENSIONS)[:MAX_DIMENSIONS]
    measures = tuple(c for c in (_codes(stored.get("measures")) or []) if c in MEASURES)
    errors: list[str] = []
    values = _filter_values(stored.get("filters"), errors)
    return Definition(dimensions=dimensions, measures=measures, filters=StatsFilters(**values))
