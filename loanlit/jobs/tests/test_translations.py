from __future__ import annotations

import re
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_the_zh_hans_catalogue_is_complete_and_has_no_fuzzy_entries() -> None:
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header
    assert entries
    assert "fuzzy" not in text
    for entry in entries:
        strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', entry, flags=re.M)
        assert strings, entry
        for first, rest in strings:
            assert (first + rest).strip('"\n '), f"untranslated: {entry}"
    assert PO.with_suffix(".mo").stat().st_mtime >= PO.stat().st_mtime - 1
