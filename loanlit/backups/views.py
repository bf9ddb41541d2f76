"""The backups page for ``backup.run`` holders: the runs, "Back up now", downloads of finished archives."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loanlit import audit
from loanlit.backups import crypto, services
from loanlit.backups.models import BackupRun
from loanlit.core.downloads import file_response
from loanlit.core.errors import DomainError

CODE = "backup.run"
PAGE_SIZE = 100


def _require(request: HttpRequest) -> None:
    if not request.user.has_code(CODE):  # type: ignore[union-attr]
        audit.access_log(user=request.user, action=audit.AccessAction.DENIED, request=request, detail={"reason": CODE})
        raise PermissionDenied(CODE)


@require_GET
def backup_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    runs = list(BackupRun.objects.select_related("created_by", "job").order_by("-started_at", "-pk")[:PAGE_SIZE])
    try:
        key = crypto.configured_key()
        key_error = ""
    except DomainError as exc:
        key, key_error = None, exc.message
    context = {
        "runs": runs,
        "key_id": key.kid if key else "",
        "key_error": key_error,
        "schedule": settings.BACKUP_SCHEDULE,
        "hour": settings.BACKUP_HOUR,
        "keep": (settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY),
        "backup_dir": settings.BACKUP_DIR,
    }
    return render(request, "backups/backup_list.html", context)


@require_POST
def backup_now(request: HttpRequest) -> HttpResponse:
    _require(request)
    try:
        run = services.backup_request(actor=request.user, kind=BackupRun.Kind.APP)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("backups:backup_list")
    messages.success(request, _("The backup has been queued; this page shows its progress."))
    assert run.job is not None
    return redirect("jobs:job_detail", pk=run.job.pk)


@require_GET
def backup_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    _require(request)
    run = get_object_or_404(BackupRun, pk=pk)
    try:
        handle = services.archive_open(run)
    except DomainError:
        raise Http404 from None
    audit.access_log(
        user=request.user,
        action=audit.AccessAction.DOWNLOAD,
        target=run,
        request=request,
        detail={"sha256": run.sha256, "size_bytes": run.size_bytes},
    )
    name = run.path.replace("\\", "/").rsplit("/", 1)[-1]
    return file_response(handle, name, content_type="application/octet-stream")
