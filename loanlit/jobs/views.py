from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from loanlit import audit
from loanlit.core.downloads import file_response
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.jobs import selectors, services
from loanlit.jobs.models import Job

PAGE_SIZE = 50


def _progress_context(request: HttpRequest, job: Job) -> dict[str, object]:
    return {
        "job": job,
        "may_cancel": not job.is_finished and services.job_may_cancel(job=job, actor=request.user),
        # An owner-only result (a personal-data export) is offered to its owner only; others would get 404.
        "may_download": bool(job.result_file) and selectors.job_result_downloadable_by(job=job, user=request.user),
    }


@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    jobs = selectors.job_list_for_user(user=request.user, state=state)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "jobs/job_list.html",
        {
            "page": page,
            "state": state if state in Job.State.values else "",
            "states": Job.State.choices,
            "sees_all": selectors.user_sees_all_jobs(request.user),
        },
    )


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get_for_user(user=request.user, pk=pk)
    return render(request, "jobs/job_detail.html", _progress_context(request, job))


@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx-polled partial; once the job has finished it renders without a trigger, so polling stops."""
    job = selectors.job_get_for_user(user=request.user, pk=pk)
    return render(request, "jobs/partials/progress.html", _progress_context(request, job))


@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get_for_user(user=request.user, pk=pk)
    try:
        job = services.job_cancel(job=job, actor=request.user)
    except PermissionDeniedError:
        raise PermissionDenied from None
    except DomainError as exc:
        if request.headers.get("HX-Request"):
            return render(
                request,
                "jobs/partials/progress.html",
                {**_progress_context(request, job), "error": exc.message},
                status=exc.status_code,
            )
        messages.error(request, exc.message)
        return redirect(job.get_absolute_url())
    if request.headers.get("HX-Request"):
        return render(request, "jobs/partials/progress.html", _progress_context(request, job))
    return redirect(job.get_absolute_url())


@require_GET
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get_for_user(user=request.user, pk=pk)
    if job.state != Job.State.SUCCEEDED or not job.result_file:
        raise Http404
    if not selectors.job_result_downloadable_by(job=job, user=request.user):
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    audit.access_log(user=request.user, action=audit.AccessAction.DOWNLOAD, target=job, request=request)
    return file_response(handle, job.result_filename)
