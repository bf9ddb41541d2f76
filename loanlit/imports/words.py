"""Words the parser recognises in cells and headers, from ``data/parsing.json`` (Python code holds no
Chinese literals: DESIGN rule 12). Every word is NFKC-normalised and case-folded on loading, so callers
compare against text normalised the same way."""

from __future__ import annotations

import functools
import json
import unicodedata
from pathlib import Path
from typing import Any, Final

DATA_FILE: Final = Path(__file__).with_name("data") / "parsing.json"


def fold(text: str) -> str:
    """NFKC and case-folded: the form every word list is compared in."""
    return unicodedata.normalize("NFKC", text).casefold()


@functools.cache
def _raw() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@functools.cache
def words(name: str) -> tuple[str, ...]:
    """A word list, folded, longest first (so alternations try "人民币元" before "元")."""
    entry = _raw()[name]
    return tuple(sorted({fold(word) for word in entry}, key=lambda word: (-len(word), word)))


@functools.cache
def marks(name: str, part: str) -> tuple[str, ...]:
    """One part of a mark table (``date_marks``/``time_marks``), folded, longest first."""
    entry = _raw()[name][part]
    return tuple(sorted({fold(word) for word in entry}, key=lambda word: (-len(word), word)))
