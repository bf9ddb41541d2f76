"""Reads of the exports: exactly the case list's rows for the user and filters, in chunks.

Rows come from ``case_list_for_user`` with the list's filters and order, never anything else, so an
export cannot reach beyond the user's scope. The queryset is read with ``iterator(chunk_size=…)`` (a
server-side cursor on PostgreSQL) and each chunk's related data is loaded by ``facts.load_facts`` in a
fixed number of queries, so memory stays flat and the query count grows with chunks, not rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any, Final

from django.db.models import QuerySet

from loanlit.cases.models import Case
from loanlit.cases.selectors import CaseFilters, case_count_capped, case_list_for_user
from loanlit.imports.exports import columns as cols
from loanlit.imports.exports.facts import CASE_FIELDS, Names, load_facts
from loanlit.imports.exports.ledger import case_list_row, ledger_row

CHUNK_SIZE: Final = 1000
UNMASK_CODE: Final = "personal_data.unmask"


def may_unmask(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_code(UNMASK_CODE))


def export_cases_for_user(*, user: Any, filters: CaseFilters) -> QuerySet[Case]:
    """The case list's queryset: the user's scope, the list's filters and its order."""
    return case_list_for_user(user=user, filters=filters)


def export_count_capped(*, user: Any, filters: CaseFilters, cap: int) -> tuple[int, bool]:
    """(rows, more than ``cap``): counting stops after ``cap`` + 1 rows."""
    return case_count_capped(export_cases_for_user(user=user, filters=filters), cap=cap)


def export_rows(
    *, user: Any, kind: str, filters: CaseFilters, chunk_size: int = CHUNK_SIZE, reveal: bool | None = None
) -> Iterator[list[Any]]:
    """Typed cell values per case, in the columns' order of ``kind`` (``columns.columns_for``).

    ``reveal`` defaults to the user's ``personal_data.unmask``: without it ID numbers and mobiles are
    the masks the case list shows.
    """
    columns = cols.columns_for(kind)
    build = ledger_row if kind == cols.LEDGER else case_list_row
    unmask = may_unmask(user) if reveal is None else reveal
    qs = export_cases_for_user(user=user, filters=filters).select_related(None).only(*CASE_FIELDS)
    cases = qs.iterator(chunk_size=chunk_size)
    names = Names()
    while chunk := list(islice(cases, chunk_size)):
        facts = load_facts(chunk, reveal=unmask, ledger=kind == cols.LEDGER, names=names)
        for case in chunk:
            values = build(case, facts[case.pk])
            yield [values[column.key] for column in columns]
