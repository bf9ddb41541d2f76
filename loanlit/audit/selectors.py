"""Reads of the audit trail and the access log, for users holding ``audit.view`` only.

The audit is global (it is how auditors check every branch), so the scope is the permission code,
not the unit subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from loanlit.audit.models import AccessLog, AuditArchive, AuditEntry
from loanlit.core.errors import PermissionDeniedError

VIEW_CODE = "audit.view"
AnyUser = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class AuditFilters:
    stream: str = ""
    action: str = ""  # an exact code, or a prefix ending in "." ("org_unit.")
    actor: str = ""  # user name or display name, exact or part of it


@dataclass(frozen=True)
class AccessLogFilters:
    action: str = ""
    user: str = ""


def may_view_audit(user: AnyUser) -> bool:
    has_code = getattr(user, "has_code", None)
    return bool(user.is_authenticated and has_code is not None and has_code(VIEW_CODE))


def _require_view(user: AnyUser) -> None:
    if not may_view_audit(user):
        raise PermissionDeniedError(_("You may not view the audit trail."), code="audit_view_denied")


def entry_list_for_user(*, user: AnyUser, filters: AuditFilters) -> QuerySet[AuditEntry]:
    _require_view(user)
    qs = AuditEntry.objects.all()
    if filters.stream:
        qs = qs.filter(stream=filters.stream)
    if filters.action:
        qs = (
            qs.filter(action__startswith=filters.action)
            if filters.action.endswith(".")
            else qs.filter(action=filters.action)
        )
    if filters.actor:
        qs = qs.filter(Q(actor__username=filters.actor) | Q(actor_display__icontains=filters.actor))
    return qs.order_by("-created_at", "-id")


def access_log_list_for_user(*, user: AnyUser, filters: AccessLogFilters) -> QuerySet[AccessLog]:
    _require_view(user)
    qs = AccessLog.objects.all()
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.user:
        qs = qs.filter(username__icontains=filters.user)
    return qs.order_by("-at", "-id")


@dataclass(frozen=True)
class RetentionOverview:
    retention_days: int
    latest_allowed_cut: date
    auto_prune: bool


def retention_overview_for_user(*, user: AnyUser) -> RetentionOverview:
    from django.conf import settings

    from loanlit.audit.retention import latest_allowed_cut

    _require_view(user)
    return RetentionOverview(
        retention_days=settings.AUDIT_RETENTION_DAYS,
        latest_allowed_cut=latest_allowed_cut(),
        auto_prune=settings.AUDIT_AUTO_PRUNE,
    )


def archive_list_for_user(*, user: AnyUser) -> QuerySet[AuditArchive]:
    _require_view(user)
    return AuditArchive.objects.order_by("-created_at", "-id")
