"""Reads of jobs, scoped: a user sees the jobs they started; ``jobs.view_all`` sees every job."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from loanlit.jobs.models import Job

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

VIEW_ALL_CODE = "jobs.view_all"


def user_sees_all_jobs(user: AbstractBaseUser | AnonymousUser) -> bool:
    has_code = getattr(user, "has_code", None)
    return bool(user.is_authenticated and has_code is not None and has_code(VIEW_ALL_CODE))


def jobs_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Job]:
    if not user.is_authenticated:
        return Job.objects.none()
    if user_sees_all_jobs(user):
        return Job.objects.all()
    return Job.objects.filter(created_by_id=user.pk)


def job_list_for_user(*, user: AbstractBaseUser | AnonymousUser, state: str = "", kind: str = "") -> QuerySet[Job]:
    qs = jobs_visible_to(user)
    if state in Job.State.values:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("created_by").order_by("-created_at", "-pk")


def job_get_for_user(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Job:
    """Another user's job answers 404, exactly like a missing id (DESIGN rule 2)."""
    return get_object_or_404(jobs_visible_to(user).select_related("created_by"), pk=pk)


def job_result_downloadable_by(*, job: Job, user: AbstractBaseUser | AnonymousUser) -> bool:
    """A result file of an ``owner_only_result`` handler goes to the user who queued the job only."""
    from loanlit.jobs import registry

    registry.ensure_discovered()
    spec = registry.get_handler(job.kind)
    if spec is not None and spec.owner_only_result:
        return job.created_by_id is not None and job.created_by_id == getattr(user, "pk", None)
    return True
