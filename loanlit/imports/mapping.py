"""Suggested column mappings and presets that fit a file.

``suggest`` matches the file's normalised headers against each field, strongest evidence first: the
chosen preset's own columns (it was written for exactly this file), then the zh-Hans label, the English
label and the field's synonyms. A header is used for one field at most, and a field takes the first
header (left to right) that matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import translation

from loanlit.imports import headers as header_rules
from loanlit.imports.kinds import presets_for
from loanlit.imports.kinds.base import FieldSpec, ImportKind, Preset

LANGUAGES = ("zh-hans", "en")


def label_in(spec: FieldSpec, language: str) -> str:
    with translation.override(language):
        return str(spec.label)


def _norm(text: str) -> str:
    return header_rules.normalise_header(text)


def field_candidates(spec: FieldSpec) -> list[list[str]]:
    """Normalised header texts that suggest ``spec``, in tiers of falling strength."""
    return [
        [_norm(label_in(spec, "zh-hans"))],
        [_norm(label_in(spec, "en"))],
        [_norm(text) for text in spec.synonyms],
    ]


def known_headers(kind: ImportKind, preset: Preset | None = None) -> set[str]:
    """Every normalised header that names a field of ``kind`` (helps the reader find the header row)."""
    found: set[str] = set()
    for spec in kind.fields:
        for tier in field_candidates(spec):
            found.update(text for text in tier if text)
    presets = [preset] if preset is not None else presets_for(kind.code)
    for item in presets:
        for columns in item.columns.values():
            found.update(_norm(text) for text in columns)
        found.update(_norm(text) for text in item.required_headers)
    found.discard("")
    return found


def suggest(kind: ImportKind, headers: Sequence[str], preset: Preset | None = None) -> dict[str, int]:
    """Field key → 0-based column for the headers (already normalised) of a file."""
    normalised = [_norm(text) if text else "" for text in headers]
    used: set[int] = set()
    mapping: dict[str, int] = {}

    def take(key: str, texts: Iterable[str]) -> None:
        if key in mapping:
            return
        wanted = {text for text in texts if text}
        for index, header in enumerate(normalised):
            if index not in used and header and header in wanted:
                mapping[key] = index
                used.add(index)
                return

    if preset is not None:
        for key, columns in preset.columns.items():
            if any(spec.key == key for spec in kind.fields):
                take(key, (_norm(text) for text in columns))
    tiers = {spec.key: field_candidates(spec) for spec in kind.fields}
    for level in range(3):
        for spec in kind.fields:
            take(spec.key, tiers[spec.key][level])
    return mapping


def matching_presets(kind: ImportKind, headers: Sequence[str]) -> list[Preset]:
    """Presets of ``kind`` whose required headers all appear in the file (best candidates first)."""
    present = {_norm(text) for text in headers if text}
    found = []
    for preset in presets_for(kind.code):
        needed = {_norm(text) for text in preset.required_headers}
        if needed and needed <= present:
            found.append((len(needed), preset))
    found.sort(key=lambda item: -item[0])
    return [preset for _, preset in found]
