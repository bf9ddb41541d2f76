"""Built-in template specifications (builtin/specs/*.json): one source for the .docx that
``builtin/build.py`` writes and for the structured elements stored with each generated document.

A spec is a list of blocks: ``title``, ``subtitle``, ``heading``, ``para`` (text with placeholders),
``list`` (one paragraph per item of a context list) and ``table`` (labelled rows, optionally repeated
per item of a context list, e.g. one block per natural-person defendant). A row shows ``label`` and the
value of the Jinja expression ``expr``; a row with ``choices`` prints a tick box per choice. ``include``
pulls a named fragment from ``_common.json`` (blocks, or rows inside a table).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

from loanlit.docgen.render import jinja_env

SPEC_DIR: Final = Path(__file__).resolve().parent / "builtin" / "specs"
BUILTIN_DIR: Final = SPEC_DIR.parent


@cache
def _common() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads((SPEC_DIR / "_common.json").read_text(encoding="utf-8"))
    return data


def _expand(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if "include" in item:
            out.extend(_expand(_common()[item["include"]]))
        elif item.get("type") == "table":
            out.append(item | {"rows": _expand(item["rows"])})
        else:
            out.append(item)
    return out


@cache
def builtin_specs() -> tuple[dict[str, Any], ...]:
    """Every built-in spec with its includes expanded, in display order."""
    specs = []
    for path in sorted(SPEC_DIR.glob("*.json")):
        if path.name.startswith("_"):
            continue
        spec = json.loads(path.read_text(encoding="utf-8"))
        spec["blocks"] = _expand(spec["blocks"])
        specs.append(spec)
    return tuple(sorted(specs, key=lambda s: (s["order"], s["code"])))


def spec_for(code: str) -> dict[str, Any] | None:
    return next((s for s in builtin_specs() if s["code"] == code), None)


def docx_path(spec: dict[str, Any]) -> Path:
    return BUILTIN_DIR / f"{spec['code']}.docx"


@cache
def _expression(source: str) -> Any:
    return jinja_env().compile_expression(source, undefined_to_none=True)


def _value(expression: Any, scope: dict[str, Any]) -> Any:
    value = expression(**scope)
    return "" if value is None else value


def elements(spec: dict[str, Any], context: dict[str, Any]) -> list[dict[str, Any]]:
    """Every labelled field of the spec's tables with its value in ``context`` (for online filing).

    ``[{"section", "block", "key", "repeat", "items": [[{"key", "label", "value"}, …], …]}, …]`` — a block
    that is not repeated has exactly one item.
    """
    section = ""
    found: list[dict[str, Any]] = []
    for block in spec["blocks"]:
        if block["type"] == "heading":
            section = block["text"]
        if block["type"] != "table":
            continue
        compiled = [(row, _expression(row["expr"])) for row in block["rows"]]
        if "repeat" in block:
            var, source = block["repeat"]
            scopes = [context | {var: item} for item in _expression(source)(**context) or []]
        else:
            scopes = [context]
        items = [
            [{"key": row["key"], "label": row["label"], "value": _value(fn, scope)} for row, fn in compiled]
            for scope in scopes
        ]
        found.append(
            {
                "section": section,
                "block": block["label"],
                "key": block["key"],
                "repeat": "repeat" in block,
                "items": items,
            }
        )
    return found
