"""Reading ids from a query string or a posted form (every view that takes an id outside the URL).

An id is plain ASCII digits within the database's bigint range; anything else (``"²"``, which
``str.isdigit`` accepts but ``int`` refuses, ``"٣"``, which ``int`` reads as 3, a sign, spaces, 25 nines that
overflow SQLite) is no id at all, so a tampered value never reaches the database: the caller treats it
like a missing one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from loanlit.core.money import BIGINT_MAX

ID_MAX_DIGITS: Final = len(str(BIGINT_MAX))


def parse_id(raw: object) -> int | None:
    """The id in ``raw`` (1 … 2**63-1), or None when ``raw`` is not one."""
    if not isinstance(raw, str) or not raw or len(raw) > ID_MAX_DIGITS or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= BIGINT_MAX else None


def parse_ids(values: Iterable[object]) -> list[int]:
    """The ids among ``values``, in the order given, each once; values that are not ids are left out."""
    parsed = (parse_id(raw) for raw in values)
    return list(dict.fromkeys(value for value in parsed if value is not None))
