#!/usr/bin/env python
"""`make lint`: no model is written outside services (DESIGN rule 1).

Flags ORM write calls — save(), delete(), and create/update/bulk_*/get_or_create/update_or_create on a
manager or queryset — in any module under loanlit/ that is not a service module, a migration, a test
or a management command that calls services. A line may be exempted with a trailing
``# write-ok: <reason>`` when the write is infrastructure (a worker claiming its own row, say).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITE_METHODS = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
MANAGER_ONLY = {"create", "update", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "delete"}
QUERYSET_HINTS = {"objects", "filter", "exclude", "all", "select_for_update", "using"}


def is_exempt(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    name = path.name
    return (
        "migrations" in parts
        or "tests" in parts
        or name == "services.py"
        or "services" in parts
        or name.startswith("test_")
        or name == "conftest.py"
    )


def receiver_chain(node: ast.AST) -> list[str]:
    names: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names
        else:
            return names


def violations(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method not in WRITE_METHODS:
            continue
        chain = receiver_chain(node.func.value)
        on_queryset = any(name in QUERYSET_HINTS for name in chain)
        if method in MANAGER_ONLY and not on_queryset:
            continue
        if method == "save" and (node.args or (chain and chain[-1] in {"form", "super", "session", "storage"})):
            # Model.save() takes no positional arguments; save(stream) is a workbook or a file.
            continue
        line = lines[node.lineno - 1]
        if "# write-ok:" in line:
            continue
        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {method}() outside a service: {line.strip()}")
    return found


def main() -> int:
    problems: list[str] = []
    for path in sorted((ROOT / "loanlit").rglob("*.py")):
        if not is_exempt(path):
            problems.extend(violations(path))
    if problems:
        print("Model writes outside services (DESIGN rule 1):")
        print("\n".join(problems))
        return 1
    print("domain writes: only in services")
    return 0


if __name__ == "__main__":
    sys.exit(main())
