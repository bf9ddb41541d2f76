"""The evidence manifest of a case (证据清单): every document and version with its hash, uploader and time,
as JSON and as an xlsx workbook. Documents in the recycle bin are listed too, marked as such: the
manifest shows everything the case file holds."""

from __future__ import annotations

import io
import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from loanlit.cases.models import Case
from loanlit.core.watermark import xlsx_watermark_openpyxl
from loanlit.documents.models import Document, DocumentVersion

MANIFEST_FORMAT = "loanlit.documents.manifest/1"


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "tzinfo") and getattr(value, "hour", None) is not None:
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def manifest_data(*, case: Case, user: Any = None) -> dict[str, Any]:
    """The manifest as plain data. With ``user``, only what that user may see (404 out of scope; internal
    documents hidden from an external lawyer); without, everything (the caller has checked the scope)."""
    from loanlit.documents import selectors

    listed = Document.objects.filter(case=case) if user is None else selectors.manifest_documents(user=user, case=case)
    documents = listed.select_related("category", "proceeding", "created_by").order_by(
        "category__order", "category__code", "created_at", "pk"
    )
    versions: dict[int, list[DocumentVersion]] = {}
    for version in (
        DocumentVersion.objects.filter(document__in=listed).select_related("uploaded_by").order_by("document", "number")
    ):
        versions.setdefault(version.document_id, []).append(version)
    return {
        "format": MANIFEST_FORMAT,
        "case": {"id": case.pk, "internal_no": case.internal_no},
        "generated_at": _iso(timezone.now()),
        "documents": [
            {
                "id": document.pk,
                "title": document.title,
                "category": document.category_id,
                "category_label": str(document.category),
                "source": document.source,
                "proceeding": document.proceeding_id,
                "doc_date": _iso(document.doc_date),
                "tags": list(document.tags),
                "in_recycle_bin": document.deleted_at is not None,
                "current_version": next(
                    (v.number for v in versions.get(document.pk, []) if v.pk == document.current_version_id), None
                ),
                "versions": [
                    {
                        "number": version.number,
                        "file_name": version.original_name,
                        "size": version.size,
                        "sha256": version.sha256,
                        "content_type": version.content_type,
                        "uploaded_by": version.uploaded_by.username if version.uploaded_by else None,
                        "uploaded_at": _iso(version.created_at),
                        "note": version.note,
                    }
                    for version in versions.get(document.pk, [])
                ],
            }
            for document in documents
        ],
    }


def manifest_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def manifest_columns() -> list[str]:
    return [
        _("Document ID"),
        _("Title"),
        _("Category"),
        pgettext("document", "Source"),
        _("Document date"),
        _("Tags"),
        _("In the recycle bin"),
        _("Version"),
        _("Current"),
        _("File name"),
        _("Size in bytes"),
        _("SHA-256"),
        _("Content type"),
        _("Uploaded by"),
        _("Uploaded at"),
    ]


def manifest_rows(data: dict[str, Any]) -> list[list[Any]]:
    source_labels = dict(Document.Source.choices)
    rows: list[list[Any]] = []
    for document in data["documents"]:
        for version in document["versions"]:
            rows.append(
                [
                    document["id"],
                    document["title"],
                    document["category_label"],
                    str(source_labels.get(document["source"], document["source"])),
                    document["doc_date"] or "",
                    ", ".join(document["tags"]),
                    _("Yes") if document["in_recycle_bin"] else _("No"),
                    version["number"],
                    _("Yes") if version["number"] == document["current_version"] else _("No"),
                    version["file_name"],
                    version["size"],
                    version["sha256"],
                    version["content_type"],
                    version["uploaded_by"] or "",
                    version["uploaded_at"],
                ]
            )
    return rows


def manifest_xlsx(data: dict[str, Any], *, watermark: str = "") -> bytes:
    """The manifest as a sheet; ``watermark`` (loanlit.core.watermark) in the page header and properties."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Evidence manifest")[:31]
    sheet.append([_("Case"), data["case"]["internal_no"]])
    sheet.append([_("Generated at"), data["generated_at"]])
    sheet.append([])
    sheet.append(manifest_columns())
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in manifest_rows(data):
        sheet.append(row)
        # Text cells stay text: a file name starting with "=" must never become a formula.
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"
    sheet.freeze_panes = "A5"
    for column, width in zip("ABCDEFGHIJKLMNO", (10, 30, 14, 12, 12, 16, 8, 8, 8, 36, 14, 66, 28, 16, 26), strict=True):
        sheet.column_dimensions[column].width = width
    if watermark:
        xlsx_watermark_openpyxl(workbook, watermark)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
