"""Writes of a version's derived data: its preview pages and its search text (DESIGN rule 1).

Both are caches computed from the stored file by the preview job (``loanlit.documents.tasks``): they
change nothing a user decided, so they are not audited; rendering and reading happen before, outside
the transaction, and only the recording is atomic. Recording is idempotent: a version already done
(the job and a lazy render on first view raced) is left alone unless ``force`` is given.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from loanlit.documents.models import DocumentText, DocumentVersion, PreviewPage
from loanlit.documents.previews import RenderResult

__all__ = ["preview_storage_name", "version_preview_record", "version_text_record"]


def preview_storage_name(version_id: int, page: int) -> str:
    return f"previews/{version_id}/{page}.png"


def _lock_version(version_id: int) -> DocumentVersion | None:
    return DocumentVersion.objects.select_for_update().filter(pk=version_id).first()


def version_preview_record(*, version_id: int, result: RenderResult, force: bool = False) -> DocumentVersion | None:
    """Store the rendered pages (``previews/<version id>/<page>.png``) and the outcome on the version.

    A failed or unsupported render keeps no page (a blank render is never cached as a success)."""
    with transaction.atomic():
        version = _lock_version(version_id)
        if version is None:
            return None
        if version.preview_status != DocumentVersion.Preview.PENDING and not force:
            return version
        old_names = list(PreviewPage.objects.filter(version=version).values_list("storage_name", flat=True))
        PreviewPage.objects.filter(version=version).delete()
        written: list[str] = []
        try:
            for name in old_names:
                default_storage.delete(name)
            rows = []
            for page in result.pages if result.status == DocumentVersion.Preview.READY else []:
                name = preview_storage_name(version.pk, page.number)
                if default_storage.exists(name):
                    default_storage.delete(name)  # a leftover of an interrupted run
                saved = default_storage.save(name, ContentFile(page.png))
                written.append(saved)
                rows.append(
                    PreviewPage(
                        version=version, page=page.number, storage_name=saved, width=page.width, height=page.height
                    )
                )
            PreviewPage.objects.bulk_create(rows)
        except BaseException:
            for name in written:
                default_storage.delete(name)
            raise
        status = result.status if rows or result.status != DocumentVersion.Preview.READY else "failed"
        DocumentVersion.objects.filter(pk=version.pk).update(
            preview_status=status,
            preview_pages=len(rows),
            preview_error=result.error[:500],
            updated_at=timezone.now(),
        )
        version.refresh_from_db()
        return version


def version_text_record(*, version_id: int, index_text: str, force: bool = False) -> DocumentVersion | None:
    """Keep the version's index text (already tokenised, personal numbers replaced) and mark it extracted.

    On SQLite the FTS5 table follows ``DocumentText`` through triggers (migration 0003); on PostgreSQL a
    GIN expression index covers ``to_tsvector('simple', index_text)``."""
    with transaction.atomic():
        version = _lock_version(version_id)
        if version is None:
            return None
        if version.text_extracted and not force:
            return version
        DocumentText.objects.update_or_create(
            version=version, defaults={"document_id": version.document_id, "index_text": index_text}
        )
        DocumentVersion.objects.filter(pk=version.pk).update(text_extracted=True, updated_at=timezone.now())
        version.refresh_from_db()
        return version
