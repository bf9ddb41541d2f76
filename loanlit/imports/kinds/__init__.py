"""Registries of import kinds and presets. Kinds register in ``register_builtin_kinds`` (app ready);
other apps (the demo) register presets for their source files with ``register_preset``."""

from __future__ import annotations

import importlib

from loanlit.imports.kinds.base import ImportKind, Preset

_KINDS: dict[str, ImportKind] = {}
_PRESETS: dict[str, Preset] = {}

BUILTIN_KIND_MODULES = ("loans", "snapshots", "progress")


def register_kind(kind: ImportKind) -> ImportKind:
    _KINDS[kind.code] = kind
    return kind


def get_kind(code: str) -> ImportKind:
    return _KINDS[code]


def all_kinds() -> list[ImportKind]:
    return list(_KINDS.values())


def register_preset(preset: Preset) -> Preset:
    _PRESETS[preset.code] = preset
    return preset


def get_preset(code: str) -> Preset:
    return _PRESETS[code]


def presets_for(kind: str) -> list[Preset]:
    return [p for p in _PRESETS.values() if p.kind == kind]


def register_builtin_kinds() -> None:
    """Each module in BUILTIN_KIND_MODULES defines ``register()`` that registers its kind and presets."""
    for name in BUILTIN_KIND_MODULES:
        try:
            module = importlib.import_module(f"loanlit.imports.kinds.{name}")
        except ModuleNotFoundError as exc:  # a kind not written yet
            if exc.name == f"loanlit.imports.kinds.{name}":
                continue
            raise
        module.register()
