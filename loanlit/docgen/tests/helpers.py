"""Small helpers: build .docx files in tests and read generated ones back."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.files.storage import default_storage
from docx import Document as open_docx

from loanlit.accounts import services as accounts
from loanlit.accounts.models import Role
from loanlit.docgen.models import GeneratedDocument
from loanlit.documents.models import Document


def docx_with_runs(*paragraphs: list[str]) -> bytes:
    """A .docx whose paragraphs are made of the given runs (each string one Word run)."""
    document = open_docx()
    for runs in paragraphs:
        paragraph = document.add_paragraph()
        for text in runs:
            paragraph.add_run(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def stored_bytes(document: Document) -> bytes:
    document.refresh_from_db()
    with default_storage.open(document.current_version.storage_name, "rb") as handle:
        return handle.read()


def table_rows(content: bytes) -> list[tuple[str, str]]:
    """(label, value) of every two-cell table row of a .docx."""
    document = open_docx(io.BytesIO(content))
    return [(row.cells[0].text, row.cells[1].text) for table in document.tables for row in table.rows]


def paragraphs(content: bytes) -> list[str]:
    return [p.text for p in open_docx(io.BytesIO(content)).paragraphs if p.text]


def value_of(rows: list[tuple[str, str]], label: str, nth: int = 0) -> str:
    return [value for lab, value in rows if lab == label][nth]


def editor_without_unmask(personas):  # type: ignore[no-untyped-def]
    Role.objects.get_or_create(
        code="editor_no_unmask", defaults={"name": "Editor without unmask", "permissions": ["cases.view", "cases.edit"]}
    )
    return accounts.user_create(
        actor=None,
        username="editor_no_unmask",
        password=None,
        role_code="editor_no_unmask",
        unit=personas.beijing,
        creditors=[personas.creditor],
    )


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def generation_of(document: Document) -> GeneratedDocument:
    return GeneratedDocument.objects.select_related("template_version").get(document=document)
