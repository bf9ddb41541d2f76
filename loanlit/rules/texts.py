"""Rendering law/ explanations (message codes + parameters) in the active Django language."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation

from loanlit.law.explain import Msg, render
from loanlit.law.money import LawInputError

LAW_LANGUAGES = ("zh-hans", "en")


def law_language(language: str | None = None) -> str:
    """The law/ text language for a Django language code: zh-Hans unless English is active."""
    code = (language or translation.get_language() or "zh-hans").lower()
    return "en" if code.startswith("en") else "zh-hans"


def msg_text(msg: Msg, language: str | None = None) -> str:
    return msg.text(law_language(language))


def msg_texts(msgs: Iterable[Msg], language: str | None = None) -> list[str]:
    lang = law_language(language)
    return [msg.text(lang) for msg in msgs]


def law_message(error: LawInputError, language: str | None = None) -> str:
    """The user-facing text of a refused input, in the active language."""
    return render(error.code, law_language(language), **error.params)
