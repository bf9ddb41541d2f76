"""Explanations as message codes + parameters, with zh-Hans and English texts (DESIGN rule 9).

law/ imports nothing from Django, so its texts live here rather than in gettext catalogues. Each
rule module registers its own codes with ``register``; ``render`` formats one for a language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_TEXTS: dict[str, dict[str, str]] = {}


def register(texts: dict[str, tuple[str, str]]) -> None:
    """Register codes as ``{code: (zh_hans, english)}``; a code may be registered once."""
    for code, (zh, en) in texts.items():
        if code in _TEXTS and _TEXTS[code] != {"zh-hans": zh, "en": en}:
            raise ValueError(f"message code {code!r} registered twice with different texts")
        _TEXTS[code] = {"zh-hans": zh, "en": en}


def render(code: str, language: str = "zh-hans", **params: Any) -> str:
    texts = _TEXTS.get(code)
    if texts is None:
        return code
    template = texts.get(language.lower(), texts["en"])
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def known_codes() -> dict[str, dict[str, str]]:
    return dict(_TEXTS)


@dataclass(frozen=True)
class Msg:
    """One explanation line: a stable code and its parameters; rendered per language on display."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str = "zh-hans") -> str:
        return render(self.code, language, **self.params)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "params": {k: str(v) for k, v in self.params.items()},
            "zh-hans": self.text("zh-hans"),
            "en": self.text("en"),
        }


register(
    {
        "input.not_decimal": (
            "{name} 必须是十进制数额（Decimal），不接受 {value}",
            "{name} must be a Decimal amount, not {value}",
        ),
        "input.not_finite": ("{name} 必须是有限数额，不接受 {value}", "{name} must be a finite amount, not {value}"),
        "input.negative": ("{name} 不得为负数：{value}", "{name} must not be negative: {value}"),
    }
)
