"""The case list's query string → ``CaseFilters``, exactly as the list reads it, and back to JSON.

The list (``cases.views.pages``) validates its GET parameters with ``CaseSearchForm`` against the user's
own choices (``case_search_choices``) and drops a bad value instead of failing; the export does the same
with the same form and the same mapping (``case_filters_from_search``), so the exported rows are the rows
the list shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from typing import Any

from loanlit.cases import selectors as case_selectors
from loanlit.cases.forms import CaseSearchForm
from loanlit.cases.selectors import CaseFilters
from loanlit.core import crypto
from loanlit.core.fields.kinds import KINDS

_DATE_FIELDS = frozenset({"opened_from", "opened_to"})
_DEFAULTS = CaseFilters()
# The search text may be an ID number or a mobile: a job keeps it encrypted in its parameters.
SEARCH_CONTEXT = "exports:q"


def filters_from_query(user: Any, query: Mapping[str, Any]) -> CaseFilters:
    """The filters the case list applies for ``query`` (its GET parameters) and ``user``."""
    form = CaseSearchForm(query or None, **case_selectors.case_search_choices(user=user))
    return case_selectors.case_filters_from_search(form.cleaned_or_empty() if form.is_bound else {})


def filters_to_json(filters: CaseFilters) -> dict[str, Any]:
    """Plain JSON for a job's parameters (dates as ISO strings)."""
    data = dataclasses.asdict(filters)
    for name in _DATE_FIELDS:
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def filters_from_json(data: Mapping[str, Any]) -> CaseFilters:
    known = {f.name for f in dataclasses.fields(CaseFilters)}
    values = {name: value for name, value in data.items() if name in known}
    for name in _DATE_FIELDS:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    return CaseFilters(**values)


def filters_to_job_params(filters: CaseFilters) -> dict[str, Any]:
    """The filters as a job's JSON parameters, the search text encrypted (never personal data in clear)."""
    data = filters_to_json(filters)
    params: dict[str, Any] = {"filters": {**data, "q": ""}}
    if filters.q:
        params["q_cipher"] = crypto.encrypt(filters.q, context=SEARCH_CONTEXT)
    return params


def filters_from_job_params(params: Mapping[str, Any]) -> CaseFilters:
    filters = filters_from_json(params.get("filters") or {})
    if params.get("q_cipher"):
        filters = dataclasses.replace(filters, q=crypto.decrypt(params["q_cipher"], context=SEARCH_CONTEXT))
    return filters


def _masked_search(q: str) -> str:
    """The search text as the access log keeps it: an ID number or mobile typed in is masked."""
    text = q.strip()
    if case_selectors.RIC_FULL.match(text):
        return KINDS["ric"].mask(text.upper())
    if case_selectors.MOBILE_FULL.match(text):
        return KINDS["mobile"].mask(text)
    return text


def filters_for_log(filters: CaseFilters) -> dict[str, Any]:
    """The filters that differ from the defaults, personal data in the search text masked."""
    data = filters_to_json(filters)
    defaults = filters_to_json(_DEFAULTS)
    logged = {name: value for name, value in data.items() if value != defaults[name]}
    if "q" in logged:
        logged["q"] = _masked_search(logged["q"])
    return logged
