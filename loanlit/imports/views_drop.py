"""Drop-folder pages for ``api.manage`` holders: the folders, one folder with its recent files, create, edit.

Thin views: parse → permission → ``services.dropfolders`` → redirect; a broken rule is a form error, a
stale edit answers 409.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.imports import kinds as registry
from loanlit.imports.forms_drop import DropFolderEditForm, DropFolderForm
from loanlit.imports.models import DropFile, DropFolder
from loanlit.imports.services import dropfolders as services

RECENT_FILES = 20
FOLDER_FILES = 50


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # LoginRequiredMiddleware: signed in


def _require_manage(request: HttpRequest) -> None:
    try:
        services.require_manage(request.user)
    except PermissionDeniedError as error:
        audit.access_log(
            user=request.user,
            action=audit.AccessAction.DENIED,
            request=request,
            detail={"reason": services.MANAGE_CODE},
        )
        raise PermissionDenied(error.message) from None


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": {kind.code: kind.label for kind in registry.all_kinds()},
        "states": dict(DropFile.State.choices),
    }


@require_GET
def drop_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    folders = list(DropFolder.objects.select_related("creditor", "unit", "run_as").order_by("name", "pk"))
    recent = list(DropFile.objects.select_related("folder").order_by("-taken_at", "-pk")[:RECENT_FILES])
    return render(
        request,
        "imports/drop_list.html",
        {"folders": folders, "recent": recent, "root": str(services.drop_root()), **_labels()},
    )


@require_GET
def drop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    folder = get_object_or_404(DropFolder.objects.select_related("creditor", "unit", "run_as"), pk=pk)
    files = list(folder.files.order_by("-taken_at", "-pk")[:FOLDER_FILES])
    return render(
        request,
        "imports/drop_detail.html",
        {"folder": folder, "files": files, "waiting": sorted(folder.scan_state or {}), **_labels()},
    )


def _form_page(
    request: HttpRequest, form: DropFolderForm, folder: DropFolder | None, status: int = 200
) -> HttpResponse:
    return render(request, "imports/drop_form.html", {"form": form, "folder": folder}, status=status)


def _values(form: DropFolderForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.FIELDS}


@require_http_methods(["GET", "POST"])
def drop_create(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = DropFolderForm(request.POST or None, actor=_actor(request))
    if request.method == "POST" and form.is_valid():
        try:
            folder = services.drop_folder_create(actor=_actor(request), **_values(form))
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Drop folder “%(name)s” created.") % {"name": folder.name})
            return redirect("imports:drop_detail", pk=folder.pk)
    return _form_page(request, form, None)


@require_http_methods(["GET", "POST"])
def drop_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    folder = get_object_or_404(DropFolder, pk=pk)
    if request.method == "POST":
        form = DropFolderEditForm(request.POST, actor=_actor(request))
        if form.is_valid():
            try:
                services.drop_folder_update(
                    actor=_actor(request), folder=folder, version=form.cleaned_data["version"], **_values(form)
                )
            except PermissionDeniedError as error:
                raise PermissionDenied(error.message) from None
            except StaleVersionError as error:
                form.add_error(None, error.message)
                return _form_page(request, form, folder, status=409)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Drop folder “%(name)s” saved.") % {"name": folder.name})
                return redirect("imports:drop_detail", pk=folder.pk)
        return _form_page(request, form, folder)
    initial = {name: getattr(folder, name) for name in services.FIELDS}
    initial["version"] = folder.version
    return _form_page(request, DropFolderEditForm(initial=initial, actor=_actor(request)), folder)
