"""Readers: file bytes → ``Table`` (issue 6). To be written; interface:

    read_table(content: bytes, *, file_name: str, encoding: str | None = None, sheet: str | None = None,
               known_headers: Collection[str] = ()) -> Table
        Format from the name (.xlsx/.xlsm/.csv/.tsv; .txt sniffed as CSV/TSV) and checked against the
        bytes. ``encoding`` overrides the CSV choice; ``known_headers`` (normalised field labels and
        synonyms) helps find the header row below title rows. Raises ``FileRefused``.
"""
from __future__ import annotations

from collections.abc import Collection

from loanlit.imports.table import Table


def read_table(
    content: bytes,
    *,
    file_name: str,
    encoding: str | None = None,
    sheet: str | None = None,
    known_headers: Collection[str] = (),
) -> Table:
    raise NotImplementedError
