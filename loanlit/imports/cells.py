"""Cell rules: one converter per field type (issue 6). To be written; interface:

    convert(cell: Cell, spec: FieldSpec, *, date1904: bool = False) -> Any
        The field's value (str / Decimal / date / datetime / int / bool), or None for a blank cell.
        Raises ``CellError`` (errors.py) with a gettext_noop msgid and params for anything it refuses.
    normalise_key(text: str) -> str
        Identity of a contract/account number for duplicate detection: NFKC, trimmed (ASCII and
        ideographic spaces), inner whitespace removed, upper-cased.
"""

from __future__ import annotations

from typing import Any

from loanlit.imports.kinds.base import FieldSpec
from loanlit.imports.table import Cell


def convert(cell: Cell, spec: FieldSpec, *, date1904: bool = False) -> Any:
    raise NotImplementedError


def normalise_key(text: str) -> str:
    raise NotImplementedError
