"""Pages of the document store: a case's documents and recycle bin, a document with its versions, uploads,
downloads, the evidence manifest, categories and the integrity check.

Every read goes through the case scope (404 out of scope, like a missing id; the refusal is access-logged);
every download and manifest is access-logged; writes go through the services."""

from __future__ import annotations

from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit import audit
from loanlit.accounts.reauth import require_recent_auth
from loanlit.cases import access
from loanlit.cases.models import Case
from loanlit.cases.views.common import actor, case_for_read, deny, logged_404
from loanlit.core.downloads import file_response
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.watermark import pdf_for_download, watermark_text
from loanlit.documents import forms, manifest, selectors, selectors_approvals, services, storage
from loanlit.documents.models import Document, DocumentCategory, DocumentVersion
from loanlit.documents.services.store import MANAGE_CODE, PURGE_CODE, too_large_message

UNSAFE_CONTENT_TYPE = "application/octet-stream"
PDF_CONTENT_TYPE = "application/pdf"


# --- scope ------------------------------------------------------------------------------------------------


T = TypeVar("T")


def _document(request: HttpRequest, pk: int) -> Document:
    return logged_404(request, Document, pk, lambda: selectors.document_get_for_user(user=request.user, pk=pk))


def _document_for_write(request: HttpRequest, pk: int) -> Document:
    document = _document(request, pk)
    if not access.can_edit(request.user, document.case):
        raise deny(request, "cases.edit", document)
    return document


def _case(request: HttpRequest, case_pk: int) -> Case:
    return logged_404(request, Case, case_pk, lambda: case_for_read(request, case_pk))


def _case_for_write(request: HttpRequest, case_pk: int) -> Case:
    case = _case(request, case_pk)
    if not access.can_edit(request.user, case):
        raise deny(request, "cases.edit", case)
    return case


def _require(request: HttpRequest, code: str) -> None:
    if not request.user.has_code(code):  # type: ignore[union-attr]
        raise deny(request, code)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def case_documents_url(case: Case | int, anchor: str = "") -> str:
    url = reverse("documents:case", args=[case if isinstance(case, int) else case.pk])
    return f"{url}#{anchor}" if anchor else url


def upload_context(case: Case) -> dict[str, Any]:
    limit = settings.MAX_UPLOAD_BYTES
    return {
        "max_upload_bytes": limit,
        "max_upload_mb": max(1, limit // (1024 * 1024)),
        "too_large_message": too_large_message(limit),
        "upload_url": reverse("documents:upload", args=[case.pk]),
    }


# --- a case's documents -----------------------------------------------------------------------------------


@require_GET
def case_documents(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    documents = list(selectors.case_documents(user=request.user, case=case))
    can_edit = access.can_edit(request.user, case)
    return render(
        request,
        "documents/store/case_documents.html",
        {
            "case": case,
            "groups": selectors.group_by_category(documents),
            "count": len(documents),
            "in_bin": selectors.bin_count(case=case, user=request.user),
            "can_edit": can_edit,
            "form": forms.UploadForm(case=case) if can_edit else None,
            **upload_context(case),
        },
    )


@require_POST
def upload(request: HttpRequest, case_pk: int) -> HttpResponse:
    """One or several files into new documents with the same metadata (the upload script sends one file
    per request, so each has its own progress bar and the size limit holds per file)."""
    case = _case_for_write(request, case_pk)
    form = forms.UploadForm(request.POST, case=case)
    files: list[UploadedFile] = request.FILES.getlist("files")
    errors: list[str] = []
    too_large = False
    created: list[Document] = []
    if not files:
        errors.append(_("Choose at least one file."))
    if form.is_valid() and files:
        data = form.cleaned_data
        for upload_file in files:
            try:
                created.append(
                    services.document_add(
                        actor=actor(request),
                        case=case,
                        category=data["category"],
                        title=data["title"] if len(files) == 1 else "",
                        filename=upload_file.name or "",
                        content=upload_file,
                        source=data["source"],
                        proceeding=data["proceeding"],
                        doc_date=data["doc_date"],
                        tags=data["tags"],
                        note=data["note"],
                    )
                )
            except PermissionDeniedError as error:
                raise PermissionDenied(error.message) from None
            except DomainError as error:
                too_large = too_large or error.code == "too_large"
                errors.append(f"{upload_file.name}: {error.message}")
    else:
        errors.extend(str(message) for field_errors in form.errors.values() for message in field_errors)
    if _wants_json(request):
        status = 200 if not errors else (413 if too_large and not created else 400)
        return JsonResponse(
            {
                "ok": not errors,
                "errors": errors,
                "documents": [
                    {"id": d.pk, "title": d.title, "url": reverse("documents:document", args=[d.pk])} for d in created
                ],
            },
            status=status,
        )
    if created:
        messages.success(
            request,
            ngettext("%(count)d document added.", "%(count)d documents added.", len(created)) % {"count": len(created)},
        )
    for error in errors:
        messages.error(request, error)
    return redirect(case_documents_url(case))


@require_GET
def case_bin(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = _case(request, case_pk)
    documents = list(selectors.case_documents(user=request.user, case=case, in_bin=True))
    return render(
        request,
        "documents/store/case_bin.html",
        {
            "case": case,
            "documents": documents,
            "can_edit": access.can_edit(request.user, case),
            "can_purge": request.user.has_code(PURGE_CODE),  # type: ignore[union-attr]
        },
    )


_MANIFEST_FORMATS: dict[str, tuple[Any, str]] = {
    "json": (manifest.manifest_json, "application/json; charset=utf-8"),
    "xlsx": (manifest.manifest_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _manifest(request: HttpRequest, case_pk: int, file_format: str) -> HttpResponse:
    """The case's evidence manifest as a download, logged as an export."""
    case = _case(request, case_pk)
    render_manifest, content_type = _MANIFEST_FORMATS[file_format]
    data = manifest.manifest_data(case=case, user=request.user)
    if file_format == "xlsx":  # the sheet carries who exported it and when; JSON is machine-read, like CSV
        render_manifest = partial(manifest.manifest_xlsx, watermark=watermark_text(request.user))
    audit.access_log(
        user=request.user,
        action=audit.AccessAction.EXPORT,
        target=case,
        request=request,
        detail={"format": file_format},
    )
    return file_response(render_manifest(data), f"{case.internal_no}-manifest.{file_format}", content_type=content_type)


@require_GET
@require_recent_auth
def manifest_json(request: HttpRequest, case_pk: int) -> HttpResponse:
    return _manifest(request, case_pk, "json")


@require_GET
@require_recent_auth
def manifest_xlsx(request: HttpRequest, case_pk: int) -> HttpResponse:
    return _manifest(request, case_pk, "xlsx")


# --- one document -----------------------------------------------------------------------------------------


def _log_view(request: HttpRequest, document: Document, page: str) -> None:
    """Who saw a document's page or its version list (file names, hashes, uploaders) goes to the access log."""
    audit.access_log(
        user=request.user, action=audit.AccessAction.VIEW, target=document, request=request, detail={"page": page}
    )


@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    case = document.case
    can_edit = access.can_edit(request.user, case)
    _log_view(request, document, "document")
    return render(
        request,
        "documents/store/document_detail.html",
        {
            "case": case,
            "document": document,
            "versions": list(selectors.document_versions(user=request.user, document=document)),
            "history": list(selectors_approvals.document_approval_history(user=request.user, document=document)),
            "can_edit": can_edit,
            "can_purge": request.user.has_code(PURGE_CODE),  # type: ignore[union-attr]
            "version_form": forms.VersionForm(initial={"version": document.version}) if can_edit else None,
            "action_form": forms.VersionedActionForm(initial={"version": document.version}),
            **upload_context(case),
        },
    )


@require_GET
def version_list(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    _log_view(request, document, "versions")
    return render(
        request,
        "documents/store/partials/versions.html",
        {"document": document, "versions": list(selectors.document_versions(user=request.user, document=document))},
    )


@require_GET
def version_download(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    document = _document(request, pk)
    version = document.versions.filter(number=number).first()
    if version is None:
        raise Http404
    inline = request.GET.get("inline") == "1" and version.inline_safe
    try:
        handle = storage.open_stored(version.storage_name)
    except (FileNotFoundError, OSError):
        raise Http404 from None
    detail = {"document": document.pk, "number": version.number, "sha256": version.sha256, "inline": inline}
    source: Any = handle
    if version.content_type == PDF_CONTENT_TYPE:
        # The copy sent carries who downloaded it and when; the stored original (and its SHA-256) is untouched.
        source, detail["watermarked"] = pdf_for_download(handle, watermark_text(request.user))
    audit.access_log(
        user=request.user, action=audit.AccessAction.DOWNLOAD, target=version, request=request, detail=detail
    )
    return file_response(
        source,
        version.original_name,
        content_type=version.content_type if version.inline_safe else UNSAFE_CONTENT_TYPE,
        as_attachment=not inline,
    )


def _json_or_redirect(request: HttpRequest, ok: bool, url: str, message: str, status: int = 200) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": ok, "errors": [] if ok else [message], "url": url}, status=status)
    (messages.success if ok else messages.error)(request, message)
    return redirect(url)


@require_POST
def version_upload(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document_for_write(request, pk)
    url = reverse("documents:document", args=[document.pk])
    form = forms.VersionForm(request.POST)
    upload_file = request.FILES.get("files") or request.FILES.get("file")
    if upload_file is None or not form.is_valid():
        return _json_or_redirect(request, False, url, _("Choose a file."), status=400)
    try:
        row = services.version_add(
            actor=actor(request),
            document=document,
            filename=upload_file.name or "",
            content=upload_file,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except StaleVersionError as error:
        return _json_or_redirect(request, False, url, error.message, status=409)
    except DomainError as error:
        return _json_or_redirect(request, False, url, error.message, status=413 if error.code == "too_large" else 400)
    return _json_or_redirect(request, True, url, _("Version %(number)d added.") % {"number": row.number})


@require_http_methods(["GET", "POST"])
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document_for_write(request, pk)
    case = document.case
    initial = {
        "category": document.category_id,
        "title": document.title,
        "proceeding": document.proceeding_id,
        "doc_date": document.doc_date,
        "tags": ", ".join(document.tags),
        "version": document.version,
    }
    form = forms.DocumentEditForm(request.POST or None, case=case, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.document_update(
                actor=actor(request),
                document=document,
                version=data["version"],
                title=data["title"],
                category=data["category"],
                tags=data["tags"],
                doc_date=data["doc_date"],
                proceeding=data["proceeding"],
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from None
        except StaleVersionError as error:
            form.add_error(None, error.message)
            return render(
                request,
                "documents/store/document_edit.html",
                {"case": case, "document": document, "form": form},
                status=409,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Document saved."))
            return redirect("documents:document", document.pk)
    return render(request, "documents/store/document_edit.html", {"case": case, "document": document, "form": form})


def _versioned_action(request: HttpRequest, pk: int, service: Any, message: str, back: str) -> HttpResponse:
    document = _document_for_write(request, pk)
    form = forms.VersionedActionForm(request.POST)
    url = (
        reverse("documents:document", args=[document.pk])
        if back == "document"
        else case_documents_url(document.case_id)
    )
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect(url)
    try:
        service(actor=actor(request), document=document, version=form.cleaned_data["version"])
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(url)
    messages.success(request, message)
    return redirect(url)


@require_POST
def document_bin(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned_action(
        request, pk, services.document_move_to_bin, _("Document moved to the recycle bin."), back="case"
    )


@require_POST
def document_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _versioned_action(request, pk, services.document_restore, _("Document restored."), back="document")


@require_POST
def document_purge(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk)
    if not request.user.has_code(PURGE_CODE):  # type: ignore[union-attr]
        raise deny(request, PURGE_CODE, document)
    case_id = document.case_id
    try:
        services.document_purge(actor=actor(request), document=document)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("documents:document", document.pk)
    messages.success(request, _("Document deleted for good."))
    return redirect("documents:case_bin", case_id)


# --- administration -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def categories(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_CODE)
    form = forms.CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_create(actor=actor(request), **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Category added."))
            return redirect("documents:categories")
    return render(
        request,
        "documents/store/categories.html",
        {"categories": list(selectors.categories(active_only=False)), "form": form},
    )


@require_POST
def category_toggle(request: HttpRequest, code: str) -> HttpResponse:
    _require(request, MANAGE_CODE)
    category = DocumentCategory.objects.filter(pk=code).first()
    if category is None:
        raise Http404
    services.category_set_active(actor=actor(request), category=category, is_active=not category.is_active)
    return redirect("documents:categories")


@require_GET
def integrity(request: HttpRequest) -> HttpResponse:
    """Re-reads and re-hashes every stored version now (as ``manage.py check_documents`` does)."""
    _require(request, MANAGE_CODE)
    problems = list(selectors.integrity_problems())
    versions = {
        v.pk: v
        for v in DocumentVersion.objects.filter(pk__in=[p.version_id for p in problems]).select_related(
            "document", "document__case"
        )
    }
    return render(
        request,
        "documents/store/integrity.html",
        {
            "problems": [(problem, versions.get(problem.version_id)) for problem in problems],
            "checked": selectors.version_count(),
            "orphans": selectors.orphan_files(),
        },
    )
