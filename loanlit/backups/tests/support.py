"""Helpers for the backup tests: a world with a document file, table counts and file hashes."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.db import connection

from loanlit.backups.tables import backed_up_tables


def world_with_document(personas: Any) -> Any:
    from loanlit.cases.tests.views_support import build_case_world
    from loanlit.documents.tests.support import add_pdf

    world = build_case_world(personas)
    world.document = add_pdf(world.case, personas.case_handler, title="Loan contract 001")
    return world


def table_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in backed_up_tables(connection):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table.name)}")
            counts[table.name] = cursor.fetchone()[0]
    return counts


def media_hashes(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def key(kid: str, byte: int) -> str:
    import base64

    return f"{kid}:" + base64.b64encode(bytes([byte]) * 32).decode()
