"""Import pages: the list with the "New import" form, one page per batch whose content follows its status,
and the POST endpoints that move a batch on (configure, resolve duplicates, commit, cancel).

Thin views: parse → scope (another user's batch is a 404 like a missing id) → pipeline service → redirect.
A broken rule is shown as a translated message, a stale version answers 409, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.accounts.reauth import require_recent_auth
from loanlit.accounts.selectors import creditors_visible_to, org_units_visible_to
from loanlit.core.downloads import file_response
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.imports import kinds as registry
from loanlit.imports import selectors, services, template
from loanlit.imports.forms import BatchActionForm, DuplicatesForm, ImportStartForm, MappingForm, column_label
from loanlit.imports.kinds.base import ImportKind, RowStatus
from loanlit.imports.models import ImportBatch
from loanlit.imports.services.common import is_owner, permission_for

# Shown next to the cancel button of a running commit (the pipeline says what a cancel does).
CANCEL_COMMIT_NOTE = gettext_lazy(
    "Cancelling stops the import after rolling back the chunk being written. Chunks already written stay "
    "written; the result lists them."
)
PAGE_SIZE = 25
RUN_CODE = "imports.run"
VIEW_ALL_CODE = "jobs.view_all"
MAPPABLE = (ImportBatch.Status.MAPPING, ImportBatch.Status.PREVIEW)
WORKING = (ImportBatch.Status.ANALYSING, ImportBatch.Status.VALIDATING, ImportBatch.Status.COMMITTING)
STATUS_LABELS = {
    RowStatus.NEW: gettext_lazy("New"),
    RowStatus.UPDATE: gettext_lazy("Changed"),
    RowStatus.UNCHANGED: gettext_lazy("Unchanged"),
    RowStatus.DUPLICATE: gettext_lazy("Duplicates"),
    RowStatus.ERROR: gettext_lazy("With errors"),
    RowStatus.SKIPPED: gettext_lazy("Skipped"),
}
# How the CSV reader chose the encoding (``Table.encoding_reason``).
ENCODING_REASONS = {
    "bom": gettext_lazy("the file starts with a UTF-8 byte-order mark"),
    "utf-8": gettext_lazy("the whole file is valid UTF-8"),
    "utf-16-bom": gettext_lazy("the file starts with a UTF-16 byte-order mark"),
    "gb18030": gettext_lazy("the file is not valid UTF-8, so it was read as GB18030 (Chinese Excel's CSV encoding)"),
    "detected": gettext_lazy("guessed from the bytes of the file; check the names below"),
    "override": gettext_lazy("chosen by you"),
}
# Field groups of the kinds (``FieldSpec.group``), as the mapping page heads them.
GROUP_LABELS = {
    "": gettext_lazy("Fields"),
    "loan": gettext_lazy("Loan"),
    "borrower": gettext_lazy("Borrower"),
    "co_borrower": gettext_lazy("Co-borrower"),
    "guarantor": gettext_lazy("Guarantor"),
    "collateral": gettext_lazy("Collateral"),
    "security": gettext_lazy("Security"),
    "balance": gettext_lazy("Balance"),
    "case": gettext_lazy("Case"),
    "proceeding": gettext_lazy("Proceeding"),
    "hearing": gettext_lazy("Hearing"),
    "judgment": gettext_lazy("Judgment"),
    "enforcement": gettext_lazy("Enforcement"),
    "contact": gettext_lazy("Contact"),
}
STATUS_ORDER = (
    RowStatus.NEW,
    RowStatus.UPDATE,
    RowStatus.UNCHANGED,
    RowStatus.DUPLICATE,
    RowStatus.ERROR,
    RowStatus.SKIPPED,
)


# --- who may do what ------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in user on every view here.
    assert isinstance(request.user, User)
    return request.user


def _has(request: HttpRequest, code: str) -> bool:
    has_code = getattr(request.user, "has_code", None)
    return bool(has_code is not None and has_code(code))


def kind_code_needed(kind: str) -> str:
    """Case progress touches cases in scope (``imports.progress``); everything else needs ``imports.run``."""
    return permission_for(kind)


def runnable_kinds(request: HttpRequest) -> list[ImportKind]:
    return [kind for kind in registry.all_kinds() if _has(request, kind_code_needed(kind.code))]


def _deny(request: HttpRequest, reason: str, target: ImportBatch | None = None) -> PermissionDenied:
    audit.access_log(
        user=request.user, action=audit.AccessAction.DENIED, target=target, request=request, detail={"reason": reason}
    )
    return PermissionDenied(reason)


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    """The batch if the user may see it (own, or every batch with ``jobs.view_all``), else 404."""
    try:
        return selectors.import_batch_get_for_user(request.user, pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


def _batch_for_action(request: HttpRequest, pk: int) -> ImportBatch:
    """Only the person who started an import moves it on; others who may see it get 403."""
    batch = _batch(request, pk)
    if not is_owner(_user(request), batch):
        raise _deny(request, "imports.owner", batch)
    if not _has(request, kind_code_needed(batch.kind)):
        raise _deny(request, kind_code_needed(batch.kind), batch)
    return batch


def _may_act(request: HttpRequest, batch: ImportBatch) -> bool:
    return is_owner(_user(request), batch) and _has(request, kind_code_needed(batch.kind))


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- the list and the "New import" form -------------------------------------------------------------------


def _start_form(request: HttpRequest, kinds: list[ImportKind]) -> ImportStartForm:
    user = _user(request)
    presets = [preset for kind in kinds for preset in registry.presets_for(kind.code)]
    return ImportStartForm(
        request.POST or None,
        request.FILES or None,
        kinds=kinds,
        presets=presets,
        creditors=creditors_visible_to(user).order_by("name"),  # type: ignore[arg-type]
        units=org_units_visible_to(user).order_by("path"),  # type: ignore[arg-type]
    )


@require_http_methods(["GET", "POST"])
def batch_list(request: HttpRequest) -> HttpResponse:
    """The user's imports, newest first, and the form that starts a new one."""
    kinds = runnable_kinds(request)
    if not kinds and not _has(request, VIEW_ALL_CODE):
        raise _deny(request, RUN_CODE)
    form = _start_form(request, kinds) if kinds else None
    if request.method == "POST":
        if form is None:
            raise _deny(request, RUN_CODE)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                batch = services.import_start(
                    actor=_user(request),
                    creditor=data["creditor"],
                    kind=data["kind"],
                    file_name=upload.name,
                    content=upload.read(),
                    preset=data["preset"] or None,
                    unit=data["unit"],
                )
            except PermissionDeniedError as error:
                raise _deny(request, error.message) from None
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                return redirect(batch_url(batch))
    batches = selectors.import_batches_for_user(request.user)
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {kind.code: kind.label for kind in registry.all_kinds()}
    for batch in page.object_list:
        batch.kind_label = labels.get(batch.kind, batch.kind)  # type: ignore[attr-defined]
    return render(
        request,
        "imports/batch_list.html",
        {
            "page": page,
            "form": form,
            "kinds": kinds,
        },
    )


@require_GET
def template_download(request: HttpRequest, kind: str) -> HttpResponseBase:
    """The standard template of a kind: headers, an example row and an explanation sheet."""
    try:
        spec = registry.get_kind(kind)
    except KeyError:
        raise Http404 from None
    if not _has(request, kind_code_needed(spec.code)):
        raise _deny(request, kind_code_needed(spec.code))
    return file_response(template.standard_template(spec), template.template_file_name(spec))


# --- one batch --------------------------------------------------------------------------------------------


def batch_url(batch: ImportBatch) -> str:
    return reverse("imports:batch_detail", args=[batch.pk])


def _kind_or_none(code: str) -> ImportKind | None:
    try:
        return registry.get_kind(code)
    except KeyError:
        return None


def _preset_label(code: str) -> str:
    if not code:
        return ""
    try:
        return str(registry.get_preset(code).label)
    except KeyError:
        return code


def group_label(kind: ImportKind | None, group: str) -> str:
    own = getattr(kind, "group_labels", None) or {}
    if group in own:
        return str(own[group])
    if group in GROUP_LABELS:
        return str(GROUP_LABELS[group])
    base, _sep, number = group.rpartition("_")
    if number.isdigit() and base in GROUP_LABELS:
        return _("%(group)s %(number)s") % {"group": GROUP_LABELS[base], "number": number}
    return group.replace("_", " ")


def _mapping_context(batch: ImportBatch, kind: ImportKind, form: MappingForm) -> dict[str, Any]:
    duplicate_headers = [
        (header, [column_label(index, "") for index in columns])
        for header, columns in (batch.duplicate_headers or {}).items()
    ]
    return {
        "mapping_form": form,
        "required_fields": form.required_keys(),
        "field_groups": [(group_label(kind, group), fields) for group, fields in form.groups()],
        "encoding_reason": ENCODING_REASONS.get(batch.encoding_reason, batch.encoding_reason),
        "duplicate_headers": duplicate_headers,
    }


def _progress_context(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    return {
        "batch": batch,
        "job": batch.job,
        # The import's own cancel button (it passes the batch version); the job partial shows none.
        "may_cancel": False,
        "may_act": _may_act(request, batch),
        "cancel_note": CANCEL_COMMIT_NOTE,
    }


def _preview_context(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    preview = selectors.import_preview(batch, user=request.user)
    sections = [
        {
            "status": str(status),
            "label": STATUS_LABELS[status],
            "count": preview.counts.get(str(status), 0),
            "rows": preview.rows.get(str(status), []),
        }
        for status in STATUS_ORDER
    ]
    counts = preview.counts
    has_problems = bool(counts.get(RowStatus.ERROR, 0) or counts.get(RowStatus.DUPLICATE, 0))
    if preview.unmapped_message:
        blocked = preview.unmapped_message
    elif not preview.importable:
        blocked = _("There is no new or changed row to import.")
    else:
        blocked = ""
    return {
        "preview": preview,
        "sections": sections,
        "conflicts": preview.conflicts,
        "unmapped_required": preview.unmapped_required,
        "has_problems": has_problems,
        "commit_blocked": blocked,
    }


def duplicate_groups(batch: ImportBatch, preview: Any) -> list[tuple[str, list[int]]]:
    """The unresolved groups (key → row numbers), in the order they appear in the file."""
    return sorted(preview.duplicates.items(), key=lambda item: item[1][0] if item[1] else 0)


def _duplicates_form(batch: ImportBatch, groups: list[tuple[str, list[int]]], data: Any = None) -> DuplicatesForm:
    initial: dict[str, Any] = {"version": batch.version}
    chosen = batch.duplicate_choices or {}
    for index, (key, _numbers) in enumerate(groups):
        if key in chosen:
            initial[f"group_{index}"] = DuplicatesForm.KEEP_NONE if chosen[key] is None else str(chosen[key])
    return DuplicatesForm(data, groups=groups, initial=initial)


def _detail_context(
    request: HttpRequest,
    batch: ImportBatch,
    *,
    mapping_form: MappingForm | None = None,
    duplicates_form: DuplicatesForm | None = None,
) -> dict[str, Any]:
    kind = _kind_or_none(batch.kind)
    context: dict[str, Any] = {
        "batch": batch,
        "kind": kind,
        "kind_label": kind.label if kind is not None else batch.kind,
        "may_act": _may_act(request, batch),
        "action_form": BatchActionForm(initial={"version": batch.version}),
        "working": batch.status in WORKING,
        "result": batch.result or {},
        "Status": ImportBatch.Status,
        "preset_label": _preset_label(batch.preset),
    }
    if batch.status in WORKING:
        context.update(_progress_context(request, batch))
    if batch.status in MAPPABLE and kind is not None:
        # In the preview the mapping can still be changed (folded away under the rows).
        form = mapping_form or MappingForm(batch=batch, kind=kind, initial={"version": batch.version})
        context.update(_mapping_context(batch, kind, form))
    if batch.status in (ImportBatch.Status.PREVIEW, ImportBatch.Status.DONE) and kind is not None:
        preview = _preview_context(request, batch)
        context.update(preview)
        if batch.status == ImportBatch.Status.PREVIEW:
            groups = duplicate_groups(batch, preview["preview"])
            context["duplicates_form"] = duplicates_form or _duplicates_form(batch, groups)
    return context


@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(request, "imports/batch_detail.html", _detail_context(request, batch))


@require_GET
def batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by htmx while a job works on the batch. Once the batch has moved on, the page reloads
    (HX-Refresh) to show the next step; until then the progress card is re-rendered."""
    batch = _batch(request, pk)
    if batch.status != request.GET.get("shown") or batch.status not in WORKING:
        response = HttpResponse(status=200)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "imports/partials/progress.html", _progress_context(request, batch))


# --- the POST endpoints -----------------------------------------------------------------------------------


def _stale(request: HttpRequest, batch_pk: int, error: StaleVersionError) -> HttpResponse:
    batch = _batch(request, batch_pk)
    return render(request, "imports/stale.html", {"batch": batch, "message": error.message}, status=409)


def _run(request: HttpRequest, batch: ImportBatch, service: Callable[..., ImportBatch], **kwargs: Any) -> HttpResponse:
    """Call a pipeline service; a broken rule becomes a message on the batch page, never a 500."""
    try:
        service(actor=_user(request), batch=batch, **kwargs)
    except StaleVersionError as error:
        return _stale(request, batch.pk, error)
    except PermissionDeniedError as error:
        raise _deny(request, error.message, batch) from None
    except DomainError as error:
        messages.error(request, error.message)
    return _done(request, batch)


def _done(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = batch_url(batch)
        return response
    return redirect(batch_url(batch))


def _invalid(request: HttpRequest, batch: ImportBatch, **forms: Any) -> HttpResponse:
    batch = _batch(request, batch.pk)
    return render(request, "imports/batch_detail.html", _detail_context(request, batch, **forms))


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _reload(request: HttpRequest, batch: ImportBatch) -> HttpResponse:
    messages.error(request, _("Reload the page and try again."))
    return _done(request, batch)


@require_POST
def batch_configure(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_action(request, pk)
    version = _posted_version(request)
    if version is None:
        return _reload(request, batch)
    kind = _kind_or_none(batch.kind)
    if version != batch.version or kind is None or batch.status not in MAPPABLE:
        # The service refuses (stale version: 409; wrong step: a message) before it reads the mapping.
        return _run(request, batch, services.import_configure, version=version, mapping={}, options={})
    form = MappingForm(request.POST, batch=batch, kind=kind)
    if not form.is_valid():
        return _invalid(request, batch, mapping_form=form)
    data = form.cleaned_data
    return _run(
        request,
        batch,
        services.import_configure,
        version=data["version"],
        mapping=form.mapping(),
        options=form.options(),
        encoding=data.get("encoding") or None,
        sheet=data.get("sheet") or None,
    )


@require_POST
def batch_resolve_duplicates(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_action(request, pk)
    version = _posted_version(request)
    if version is None:
        return _reload(request, batch)
    if version != batch.version or batch.status != ImportBatch.Status.PREVIEW:
        return _run(request, batch, services.import_resolve_duplicates, version=version, keep={})
    groups = duplicate_groups(batch, selectors.import_preview(batch, sample=0))
    form = _duplicates_form(batch, groups, request.POST)
    if not form.is_valid():
        return _invalid(request, batch, duplicates_form=form)
    return _run(
        request, batch, services.import_resolve_duplicates, version=form.cleaned_data["version"], keep=form.keep()
    )


def _simple_action(request: HttpRequest, pk: int, service: Callable[..., ImportBatch]) -> HttpResponse:
    batch = _batch_for_action(request, pk)
    form = BatchActionForm(request.POST)
    if not form.is_valid():
        return _reload(request, batch)
    return _run(request, batch, service, version=form.cleaned_data["version"])


@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.import_commit)


@require_POST
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(request, pk, services.import_cancel)


@require_GET
@require_recent_auth
def error_report(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The original rows with an error column, for fixing the file and uploading it again (unmasked for who
    may unmask, so it asks for the password again like every other export)."""
    batch = _batch(request, pk)
    if batch.status not in (ImportBatch.Status.PREVIEW, ImportBatch.Status.DONE, ImportBatch.Status.COMMITTING):
        raise Http404
    content = selectors.import_error_report(batch, user=request.user, request=request)
    stem = batch.file_name.rsplit(".", 1)[0] if "." in batch.file_name else batch.file_name
    return file_response(content, _("%(name)s errors.xlsx") % {"name": stem})
