"""Reads of the document store, scoped to the user through the case (DESIGN rule 2): a document of a case
the user may not see is answered with 404, exactly like a missing id.

An ``internal`` document (bank staff only, e.g. an attachment of an internal comment) does not exist for an
external lawyer: every read narrows its queryset through :func:`hide_internal`, so it is absent from lists
and answered with 404 like a missing id."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.documents import storage
from loanlit.documents.models import Document, DocumentCategory, DocumentVersion


def categories(*, active_only: bool = True) -> QuerySet[DocumentCategory]:
    qs = DocumentCategory.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def may_see_internal(user: Any) -> bool:
    """Bank staff see internal documents; an external lawyer never does."""
    return not access.is_external_lawyer(user)


def hide_internal(qs: QuerySet[Document], user: Any) -> QuerySet[Document]:
    """``qs`` without the internal documents when ``user`` is an external lawyer (the one filter every
    read of documents goes through)."""
    return qs if may_see_internal(user) else qs.filter(internal=False)


def documents_visible_to(user: Any, *, for_write: bool = False) -> QuerySet[Document]:
    """Documents of the cases in ``user``'s scope (editable ones with ``for_write``), internal ones hidden
    from external lawyers."""
    cases = access.cases_editable_by(user) if for_write else access.cases_visible_to(user)
    return hide_internal(Document.objects.filter(case__in=cases), user)


def document_get_for_user(*, user: Any, pk: int, for_write: bool = False) -> Document:
    document = (
        documents_visible_to(user, for_write=for_write)
        .filter(pk=pk)
        .select_related("case", "category", "current_version", "proceeding", "created_by", "deleted_by")
        .first()
    )
    if document is None:
        raise Http404
    return document


def case_documents(*, user: Any, case: Case, in_bin: bool = False) -> QuerySet[Document]:
    """The case's documents (or its recycle bin), with their version counts; 404 out of scope."""
    if not access.can_view(user, case):
        raise Http404
    return (
        hide_internal(Document.objects.filter(case=case, deleted_at__isnull=not in_bin), user)
        .select_related("category", "current_version", "current_version__uploaded_by", "proceeding", "deleted_by")
        .annotate(version_count=Count("versions"))
        .order_by("category__order", "category__code", "-created_at", "-pk")
    )


@dataclass
class CategoryGroup:
    category: DocumentCategory
    documents: list[Document]


def group_by_category(documents: QuerySet[Document] | list[Document]) -> list[CategoryGroup]:
    groups: list[CategoryGroup] = []
    for document in documents:
        if not groups or groups[-1].category.pk != document.category_id:
            groups.append(CategoryGroup(document.category, []))
        groups[-1].documents.append(document)
    return groups


def document_versions(*, user: Any, document: Document) -> QuerySet[DocumentVersion]:
    if not access.can_view(user, document.case) or (document.internal and not may_see_internal(user)):
        raise Http404
    return document.versions.select_related("uploaded_by").order_by("-number")


def version_get_for_user(*, user: Any, document_pk: int, number: int) -> DocumentVersion:
    document = document_get_for_user(user=user, pk=document_pk)
    version = document.versions.select_related("uploaded_by").filter(number=number).first()
    if version is None:
        raise Http404
    version.document = document
    return version


def bin_count(*, case: Case, user: Any = None) -> int:
    """Documents of ``case`` in the recycle bin (without the internal ones when ``user`` is an external
    lawyer)."""
    qs = Document.objects.filter(case=case, deleted_at__isnull=False)
    return (hide_internal(qs, user) if user is not None else qs).count()


def panel_summary(*, user: Any, case: Case) -> dict[str, Any]:
    documents = list(case_documents(user=user, case=case))
    return {
        "groups": group_by_category(documents),
        "count": len(documents),
        "in_bin": bin_count(case=case, user=user),
    }


def manifest_documents(*, user: Any, case: Case) -> QuerySet[Document]:
    """The documents the evidence manifest of ``case`` lists for ``user`` (recycle bin included; internal
    ones hidden from external lawyers); 404 out of scope."""
    if not access.can_view(user, case):
        raise Http404
    return hide_internal(Document.objects.filter(case=case), user)


# --- integrity -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntegrityProblem:
    MISSING = "missing"
    ALTERED = "altered"

    kind: str
    version_id: int
    document_id: int
    case_id: int
    number: int
    storage_name: str
    original_name: str
    expected_sha256: str
    actual_sha256: str = ""
    expected_size: int = 0
    actual_size: int = 0


def integrity_problems(versions: QuerySet[DocumentVersion] | None = None) -> Iterator[IntegrityProblem]:
    """Every stored version re-read and re-hashed: a file that is gone, or whose hash changed."""
    qs = versions if versions is not None else DocumentVersion.objects.all()
    rows = qs.select_related("document").order_by("pk").iterator(chunk_size=500)
    for version in rows:
        common: dict[str, Any] = {
            "version_id": version.pk,
            "document_id": version.document_id,
            "case_id": version.document.case_id,
            "number": version.number,
            "storage_name": version.storage_name,
            "original_name": version.original_name,
            "expected_sha256": version.sha256,
            "expected_size": version.size,
        }
        if not storage.exists(version.storage_name):
            yield IntegrityProblem(kind=IntegrityProblem.MISSING, **common)
            continue
        try:
            digest, size = storage.sha256_of_stored(version.storage_name)
        except OSError:
            yield IntegrityProblem(kind=IntegrityProblem.MISSING, **common)
            continue
        if digest != version.sha256 or size != version.size:
            yield IntegrityProblem(kind=IntegrityProblem.ALTERED, actual_sha256=digest, actual_size=size, **common)


def version_count() -> int:
    return DocumentVersion.objects.count()


def orphan_files() -> list[str]:
    """Stored files under ``documents/`` that no version names (e.g. left by a caller's transaction that
    rolled back after ``document_add``); reported, never deleted automatically."""
    known = set(DocumentVersion.objects.values_list("storage_name", flat=True))
    return [name for name in storage.iter_stored() if name not in known]
