"""Preview pages of a version (PNG pages as <img>), the PNG pages themselves, and document search.

Every preview goes through the case scope: a document of a case the user may not see answers 404
exactly like a missing id, and the refusal is access-logged; a shown preview is logged as a read of the
file (``download`` with ``"preview"`` in the detail)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from loanlit import audit
from loanlit.cases.views.common import logged_404
from loanlit.documents import previews, selectors, tasks
from loanlit.documents.models import Document, DocumentVersion, PreviewPage
from loanlit.documents.search import document_search_for_user

SEARCH_LIMIT = 50


def _version_for(request: HttpRequest, pk: int, number: int) -> DocumentVersion:
    # Logged like the store views' 404s: a refused access when the document exists.
    return logged_404(
        request, Document, pk, lambda: selectors.version_get_for_user(user=request.user, document_pk=pk, number=number)
    )


@require_GET
def version_preview(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = tasks.render_if_pending(_version_for(request, pk, number))
    document = version.document
    pages = list(PreviewPage.objects.filter(version=version).order_by("page"))
    audit.access_log(
        user=request.user,
        action=audit.AccessAction.DOWNLOAD,
        target=document,
        request=request,
        detail={"preview": True, "version": version.number, "pages": len(pages)},
    )
    context = {
        "document": document,
        "case": document.case,
        "version": version,
        "pages": pages,
        "message": previews.error_message(version.preview_error),
        "truncated": previews.truncated_total(version.preview_error) is not None,
    }
    return render(request, "documents/preview/version_preview.html", context)


@require_GET
def preview_page_png(request: HttpRequest, pk: int, number: int, page: int) -> FileResponse:
    version = tasks.render_if_pending(_version_for(request, pk, number))
    row = PreviewPage.objects.filter(version=version, page=page).first()
    if row is None or version.preview_status != DocumentVersion.Preview.READY:
        raise Http404
    try:
        handle = default_storage.open(row.storage_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    audit.access_log(
        user=request.user,
        action=audit.AccessAction.DOWNLOAD,
        target=version.document,
        request=request,
        detail={"preview": True, "version": version.number, "page": page},
    )
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def document_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    results = list(document_search_for_user(user=request.user, q=q, limit=SEARCH_LIMIT)) if q else []
    context = {"q": q, "results": results, "limit": SEARCH_LIMIT, "searched": bool(q)}
    return render(request, "documents/preview/search.html", context)
