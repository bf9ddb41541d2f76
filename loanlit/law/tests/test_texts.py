"""Every explanation and error code of the date, number and identifier rules has both texts."""

from __future__ import annotations

import re

import pytest

import loanlit.law.calendar
import loanlit.law.caseno
import loanlit.law.causes
import loanlit.law.deadline_events
import loanlit.law.identifiers
import loanlit.law.periods
import loanlit.law.words  # noqa: F401  (the imports register the codes)
from loanlit.law.explain import known_codes

PREFIXES = ("calendar.", "period.", "evidence.", "caseno.", "cause.", "event.", "ric.", "uscc.", "mobile.", "words.")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _codes() -> list[str]:
    return sorted(code for code in known_codes() if code.startswith(PREFIXES))


def test_the_rule_modules_register_their_codes():
    assert len(_codes()) > 100


# English texts may quote Chinese only where the Chinese term is the subject (case numbers, causes).
QUOTES_CHINESE = ("caseno.", "cause.", "calendar.override_notice_missing")


def _placeholders(text: str) -> set[str]:
    return {re.sub(r"_(zh|en)$", "", name) for name in re.findall(r"{(\w+)}", text)}


@pytest.mark.parametrize("code", _codes())
def test_code_has_a_chinese_and_an_english_text(code):
    texts = known_codes()[code]
    assert CJK.search(texts["zh-hans"]), texts["zh-hans"]
    assert texts["en"].strip()
    if not code.startswith(QUOTES_CHINESE):
        assert not CJK.search(texts["en"]), texts["en"]
    assert _placeholders(texts["zh-hans"]) == _placeholders(texts["en"])
