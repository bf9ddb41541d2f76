"""The document store: documents and versions of a case, the recycle bin, purge, categories.

Every write is atomic, audited on the case's stream in the same transaction and, for documents, leaves a
``CaseEvent`` on the timeline. A file is streamed into storage before the rows are written; if anything
then fails, the file is removed again (``transaction.on_commit`` is not enough: a rollback must clean up
too), so a refusal leaves no row and no file behind.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.events import case_event_record
from loanlit.cases.models import Case, CaseEvent, Proceeding
from loanlit.cases.services._common import lock_case
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.documents import storage
from loanlit.documents.models import Document, DocumentCategory, DocumentText, DocumentVersion, PreviewPage

__all__ = [
    "MANAGE_CODE",
    "PURGE_CODE",
    "category_create",
    "category_set_active",
    "document_add",
    "document_move_to_bin",
    "document_purge",
    "document_restore",
    "document_update",
    "may_manage",
    "may_purge",
    "version_add",
]

PURGE_CODE = "documents.purge"
MANAGE_CODE = "documents.manage"
MAX_TAGS = 20
MAX_TAG_LENGTH = 40


def _has(actor: Any, code: str) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.has_code(code))


def may_purge(actor: Any) -> bool:
    return _has(actor, PURGE_CODE)


def may_manage(actor: Any) -> bool:
    return _has(actor, MANAGE_CODE)


# --- checks ------------------------------------------------------------------------------------------------


def too_large_message(limit: int) -> str:
    limit_mb = max(1, limit // (1024 * 1024))
    return _("The file is larger than the %(limit)d MB limit. Nothing was saved.") % {"limit": limit_mb}


def _clean_filename(filename: str) -> str:
    # The user's name is kept exactly (Chinese characters, spaces, brackets); only a path is cut off.
    name = os.path.basename((filename or "").replace("\\", "/"))
    if not name.strip():
        raise DomainError(_("The file has no name."), code="no_filename")
    if len(name) > 255:
        raise DomainError(_("The file name is longer than 255 characters."), code="filename_too_long")
    return name


def _clean_title(title: str, filename: str) -> str:
    text = " ".join((title or "").split()) or os.path.splitext(filename)[0] or filename
    if len(text) > 200:
        raise DomainError(
            _("Enter at most %(max)d characters (you entered %(count)d).") % {"max": 200, "count": len(text)},
            code="too_long",
        )
    return text


def _clean_tags(tags: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for raw in tags:
        tag = " ".join(str(raw).split())
        if not tag or tag in seen:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise DomainError(
                _("A tag may have at most %(max)d characters.") % {"max": MAX_TAG_LENGTH}, code="tag_too_long"
            )
        seen.append(tag)
    if len(seen) > MAX_TAGS:
        raise DomainError(_("At most %(max)d tags.") % {"max": MAX_TAGS}, code="too_many_tags")
    return seen


def _check_category(category: DocumentCategory | str) -> DocumentCategory:
    code = category.pk if isinstance(category, DocumentCategory) else category
    row = DocumentCategory.objects.filter(pk=code, is_active=True).first()
    if row is None:
        raise DomainError(_("Choose a document category."), code="category")
    return row


def _check_proceeding(case: Case, proceeding: Proceeding | None) -> None:
    if proceeding is not None and proceeding.case_id != case.pk:
        raise DomainError(_("The proceeding belongs to another case."), code="proceeding_other_case")


def _check_note(note: str) -> str:
    text = " ".join((note or "").split())
    if len(text) > 500:
        raise DomainError(
            _("Enter at most %(max)d characters (you entered %(count)d).") % {"max": 500, "count": len(text)},
            code="too_long",
        )
    return text


def _store(content: Any) -> storage.StoredFile:
    limit = settings.MAX_UPLOAD_BYTES
    try:
        stored = storage.store(content, limit=limit)
    except storage.TooLarge:
        raise DomainError(too_large_message(limit), code="too_large") from None
    if stored.size == 0:
        storage.delete_quietly(stored.name)
        raise DomainError(_("The file is empty."), code="empty_file")
    return stored


def _lock_document(pk: int, version: int | None) -> Document:
    row = Document.objects.select_for_update().get(pk=pk)
    if version is not None and row.version != version:
        raise StaleVersionError(
            _("This document was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return row


def _bump(document: Document, *fields: str) -> None:
    document.version += 1
    document.save(update_fields=[*fields, "version", "updated_at"])


def _event(*, actor: Any, document: Document, kind: str, action: str, params: dict, changes: dict) -> None:
    case_event_record(
        actor=actor,
        case_id=document.case_id,
        kind=kind,
        action=action,
        target=document,
        params=params,
        changes=changes,
    )


def _version_audit(version: DocumentVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "original_name": version.original_name,
        "size": version.size,
        "sha256": version.sha256,
        "content_type": version.content_type,
        "storage_name": version.storage_name,
    }


class _CleanUp:
    """Removes a stored file unless the transaction that records it commits."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> _CleanUp:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            storage.delete_quietly(self.name)


# --- documents and versions --------------------------------------------------------------------------------


def document_add(
    *,
    actor: Any,
    case: Case,
    category: DocumentCategory | str,
    title: str,
    filename: str,
    content: Any,
    source: str = Document.Source.UPLOADED,
    proceeding: Proceeding | None = None,
    doc_date: dt.date | None = None,
    tags: Sequence[str] = (),
    note: str = "",
    internal: bool = False,
) -> Document:
    """A new document with its first version (see the contract in ``loanlit.documents.services``).
    ``internal``: for bank staff only, hidden from external lawyers (who may never create one)."""
    access.require_edit(actor, case)
    if internal and access.is_external_lawyer(actor):
        raise PermissionDeniedError(_("External lawyers may not add internal documents."), code="permission_denied")
    original_name = _clean_filename(filename)
    clean_title = _clean_title(title, original_name)
    clean_tags = _clean_tags(tags)
    clean_note = _check_note(note)
    if source not in Document.Source.values:
        raise DomainError(_("Choose where the document comes from."), code="source")
    category_row = _check_category(category)
    _check_proceeding(case, proceeding)
    stored = _store(content)
    with _CleanUp(stored.name), transaction.atomic():
        locked = lock_case(case.pk)
        document = Document.objects.create(
            creditor_id=locked.creditor_id,
            case=locked,
            proceeding=proceeding,
            category=category_row,
            title=clean_title,
            tags=clean_tags,
            doc_date=doc_date,
            source=source,
            internal=bool(internal),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        version = _version_row(document, 1, stored, original_name, uploaded_by=document.created_by, note=clean_note)
        document.current_version = version
        document.save(update_fields=["current_version", "updated_at"])
        _schedule_preview(version, actor)
        _event(
            actor=actor,
            document=document,
            kind=CaseEvent.Kind.DOCUMENT_ADDED,
            action="document.add",
            params={"category": category_row.pk, "category_label": category_row.label, "number": 1},
            changes={
                "title": clean_title,
                "category": category_row.pk,
                "source": source,
                "proceeding": proceeding.pk if proceeding else None,
                "doc_date": doc_date.isoformat() if doc_date else None,
                "tags": clean_tags,
                "internal": bool(internal),
                **_version_audit(version),
            },
        )
    return document


def _version_row(
    document: Document, number: int, stored: Any, original_name: str, *, uploaded_by: Any, note: str
) -> DocumentVersion:
    """The version row of a file just streamed to storage (``stored``: name, size, hash, detected type)."""
    return DocumentVersion.objects.create(
        document=document,
        number=number,
        storage_name=stored.name,
        original_name=original_name,
        size=stored.size,
        sha256=stored.sha256,
        content_type=stored.content_type,
        inline_safe=stored.inline_safe,
        uploaded_by=uploaded_by,
        note=note,
    )


def _schedule_preview(version: DocumentVersion, actor: Any) -> None:
    """The preview and text job, queued in the upload's transaction (a rolled-back upload queues none)."""
    from loanlit.documents import tasks

    tasks.schedule_preview(version, actor=actor if getattr(actor, "is_authenticated", False) else None)


def _check_version_add(deleted_at: dt.datetime | None, approval: str) -> None:
    if deleted_at is not None:
        raise DomainError(_("Restore the document from the recycle bin first."), code="in_bin")
    if approval == Document.Approval.PENDING:
        raise DomainError(
            _("This document is awaiting approval; a new version can be uploaded after the decision."),
            code="approval_pending",
        )


def version_add(
    *, actor: Any, document: Document, filename: str, content: Any, version: int, note: str = ""
) -> DocumentVersion:
    """A new version of ``document`` (``version`` is the document's optimistic version)."""
    access.require_edit(actor, document.case)
    original_name = _clean_filename(filename)
    clean_note = _check_note(note)
    # Checked before the file is streamed (cheap refusals first), and again under the lock below.
    current = Document.objects.filter(pk=document.pk).values("version", "approval", "deleted_at").first()
    if current is None:
        raise DomainError(_("This document no longer exists."), code="not_found")
    _check_version_add(current["deleted_at"], current["approval"])
    if current["version"] != version:
        raise StaleVersionError(
            _("This document was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    stored = _store(content)
    with _CleanUp(stored.name), transaction.atomic():
        lock_case(document.case_id)
        locked = _lock_document(document.pk, version)
        _check_version_add(locked.deleted_at, locked.approval)
        last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
        row = _version_row(
            locked,
            last + 1,
            stored,
            original_name,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            note=clean_note,
        )
        _schedule_preview(row, actor)
        was = {"approval": locked.approval, "locked": locked.locked}
        locked.current_version = row
        # A new file needs approval again: an approved (locked) document is unlocked, its state reset.
        locked.approval = Document.Approval.NONE
        locked.locked = False
        _bump(locked, "current_version", "approval", "locked")
        _event(
            actor=actor,
            document=locked,
            kind=CaseEvent.Kind.DOCUMENT_VERSION_ADDED,
            action="document.version_add",
            params={"category": locked.category_id, "category_label": locked.category.label, "number": row.number},
            changes={**_version_audit(row), "approval_was": was["approval"], "locked_was": was["locked"]},
        )
    document.refresh_from_db()
    return row


def document_update(
    *,
    actor: Any,
    document: Document,
    version: int,
    title: str,
    category: DocumentCategory | str,
    tags: Sequence[str] = (),
    doc_date: dt.date | None = None,
    proceeding: Proceeding | None = None,
) -> Document:
    """Edit the metadata (title, category, tags, date, proceeding); the files are untouched."""
    access.require_edit(actor, document.case)
    category_row = _check_category(category)
    _check_proceeding(document.case, proceeding)
    clean_title = _clean_title(title, document.title)
    clean_tags = _clean_tags(tags)
    with transaction.atomic():
        lock_case(document.case_id)
        locked = _lock_document(document.pk, version)
        if locked.deleted_at is not None:
            raise DomainError(_("Restore the document from the recycle bin first."), code="in_bin")
        wanted = {
            "title": clean_title,
            "category_id": category_row.pk,
            "tags": clean_tags,
            "doc_date": doc_date,
            "proceeding_id": proceeding.pk if proceeding else None,
        }
        changes: dict[str, list[Any]] = {}
        for name, value in wanted.items():
            before = getattr(locked, name)
            if before != value:
                changes[name] = [_plain(before), _plain(value)]
                setattr(locked, name, value)
        if changes:
            _bump(locked, *(name for name in wanted if name in changes))
            audit.record(
                actor=actor,
                action="document.update",
                target=locked,
                stream=audit.stream_key("case", locked.case_id),
                changes=changes,
            )
    return locked


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def document_move_to_bin(*, actor: Any, document: Document, version: int) -> Document:
    """Into the case's recycle bin: hidden from lists, files and rows kept, restorable."""
    access.require_edit(actor, document.case)
    with transaction.atomic():
        lock_case(document.case_id)
        locked = _lock_document(document.pk, version)
        if locked.deleted_at is not None:
            raise DomainError(_("This document is already in the recycle bin."), code="in_bin")
        if locked.approval == Document.Approval.PENDING:
            raise DomainError(
                _("This document is awaiting approval; withdraw the request before deleting it."),
                code="approval_pending",
            )
        locked.deleted_at = timezone.now()
        locked.deleted_by = actor if getattr(actor, "is_authenticated", False) else None
        _bump(locked, "deleted_at", "deleted_by")
        _event(
            actor=actor,
            document=locked,
            kind=CaseEvent.Kind.DOCUMENT_BINNED,
            action="document.bin",
            params={"category": locked.category_id, "category_label": locked.category.label},
            changes={"title": locked.title},
        )
    return locked


def document_restore(*, actor: Any, document: Document, version: int) -> Document:
    access.require_edit(actor, document.case)
    with transaction.atomic():
        lock_case(document.case_id)
        locked = _lock_document(document.pk, version)
        if locked.deleted_at is None:
            raise DomainError(_("This document is not in the recycle bin."), code="not_in_bin")
        binned_at = locked.deleted_at
        locked.deleted_at = None
        locked.deleted_by = None
        _bump(locked, "deleted_at", "deleted_by")
        _event(
            actor=actor,
            document=locked,
            kind=CaseEvent.Kind.DOCUMENT_RESTORED,
            action="document.restore",
            params={"category": locked.category_id, "category_label": locked.category.label},
            changes={"title": locked.title, "binned_at": binned_at.isoformat()},
        )
    return locked


def document_purge(*, actor: Any, document: Document) -> None:
    """Deletes a document in the recycle bin for good: its files and rows. Administrators only.

    The audit entry (with every version's name, size and hash) stays on the case's stream; the files are
    deleted only after the transaction commits, so a rollback loses nothing."""
    if actor is not None and not may_purge(actor):
        raise PermissionDeniedError(_("Only administrators may delete documents for good."), code="permission_denied")
    access.require_edit(actor, document.case)
    from loanlit.documents.models import ApprovalRequest, ApprovalStep

    with transaction.atomic():
        lock_case(document.case_id)
        locked = _lock_document(document.pk, None)
        if locked.deleted_at is None:
            raise DomainError(_("Only a document in the recycle bin can be deleted for good."), code="not_in_bin")
        versions = list(locked.versions.order_by("number"))
        pages = list(PreviewPage.objects.filter(version__document=locked).values_list("storage_name", flat=True))
        names = [v.storage_name for v in versions] + pages
        requests = ApprovalRequest.objects.filter(document=locked)
        approval_count = requests.count()
        audit.record(
            actor=actor,
            action="document.purge",
            target=audit.TargetRef(type="documents.document", id=str(locked.pk), repr=locked.title),
            stream=audit.stream_key("case", locked.case_id),
            changes={
                "title": locked.title,
                "category": locked.category_id,
                "binned_at": locked.deleted_at.isoformat(),
                "versions": [_version_audit(v) for v in versions],
                "preview_pages": len(pages),
                "approval_requests": approval_count,
            },
        )
        Document.objects.filter(pk=locked.pk).update(current_version=None)
        ApprovalStep.objects.filter(request__document=locked).delete()
        requests.delete()
        DocumentText.objects.filter(document=locked).delete()
        PreviewPage.objects.filter(version__document=locked).delete()
        DocumentVersion.objects.filter(document=locked).delete()
        Document.objects.filter(pk=locked.pk).delete()

        def delete_files() -> None:
            for name in names:
                storage.delete_quietly(name)

        transaction.on_commit(delete_files)


# --- categories ---------------------------------------------------------------------------------------------


def _require_manage(actor: Any) -> None:
    if actor is not None and not may_manage(actor):
        raise PermissionDeniedError(_("You may not manage document categories."), code="permission_denied")


@transaction.atomic
def category_create(*, actor: Any, code: str, label: str, order: int = 100) -> DocumentCategory:
    _require_manage(actor)
    from django.utils.text import slugify

    clean_code = slugify(code or "").replace("-", "_")[:40]
    clean_label = " ".join((label or "").split())
    if not clean_code:
        raise DomainError(_("Enter a code of letters, digits and underscores."), code="code")
    if not clean_label or len(clean_label) > 100:
        raise DomainError(_("Enter a name of at most 100 characters."), code="label")
    if DocumentCategory.objects.filter(pk=clean_code).exists():
        raise DomainError(_("A category with this code exists already."), code="duplicate")
    row = DocumentCategory.objects.create(code=clean_code, label=clean_label, order=order, builtin=False)
    audit.record(
        actor=actor,
        action="document.category_create",
        target=row,
        changes={"code": clean_code, "label": clean_label, "order": order},
    )
    return row


@transaction.atomic
def category_set_active(*, actor: Any, category: DocumentCategory, is_active: bool) -> DocumentCategory:
    _require_manage(actor)
    row = DocumentCategory.objects.select_for_update().get(pk=category.pk)
    if row.is_active != is_active:
        row.is_active = is_active
        row.save(update_fields=["is_active"])
        audit.record(
            actor=actor,
            action="document.category_active",
            target=row,
            changes={"is_active": [not is_active, is_active]},
        )
    return row
