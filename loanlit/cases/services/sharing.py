"""Explicit sharing of one case with a user or a user group (issue 10), within the case's creditor.

Who may share: an editor of the case (``access.can_edit``) whose role grants ``cases.share``, never an
external-role user. Who may receive: an active internal user who serves the case's creditor, or a group
(only its members who serve the creditor see the case — ``access.visible_q`` decides on every request).
Lawyers see cases only through placements, so a share never names an external-role user.

Sharing again with the same user or group changes the existing share (rights, expiry, note). A share
ends when its ``expires_on`` day begins (``access.live_shares``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.accounts.models import User
from loanlit.cases import access
from loanlit.cases.models import Case, CaseEvent, CaseShare
from loanlit.cases.services._common import lock_case, record_one
from loanlit.core.errors import DomainError, PermissionDeniedError

SHARE_CODE = "cases.share"
NOTE_MAX = 200


def may_share(user: Any, case: Case) -> bool:
    """Whether ``user`` may share ``case`` (and withdraw its shares)."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.has_code(SHARE_CODE)
        and not access.is_external_lawyer(user)
        and access.can_edit(user, case)
    )


def require_share(actor: Any, case: Case) -> None:
    if actor is not None and not may_share(actor, case):
        raise PermissionDeniedError(_("You may not share this case."), code="permission_denied")


def share_recipients(case: Case) -> Any:
    """Users a share of ``case`` may name: active internal users serving its creditor."""
    return (
        User.objects.filter(is_active=True, creditors=case.creditor_id)
        .filter(access.INTERNAL_USERS)
        .select_related("unit")
        .order_by("username")
    )


def share_groups(case: Case) -> Any:
    """Groups a share of ``case`` may name: those with at least one member the share would reach (an active
    internal user serving the case's creditor). Other creditors' groups are not offered."""
    reached = share_recipients(case).filter(groups=OuterRef("pk"))
    return Group.objects.filter(Exists(reached)).order_by("name")


def _check_recipient(case: Case, user: User | None, group: Group | None) -> None:
    if (user is None) == (group is None):
        raise DomainError(_("Choose either a user or a group to share the case with."), code="recipient_required")
    if user is not None:
        if access.is_external_lawyer(user):
            raise DomainError(
                _("External lawyers see cases only through a placement with their firm."), code="recipient_external"
            )
        if not share_recipients(case).filter(pk=user.pk).exists():
            raise DomainError(
                _("%(user)s does not work for this case's creditor.") % {"user": user}, code="recipient_creditor"
            )
    if group is not None and not share_groups(case).filter(pk=group.pk).exists():
        raise DomainError(
            _("Nobody in the group %(group)s works for this case's creditor.") % {"group": group.name},
            code="recipient_group_creditor",
        )


@transaction.atomic
def case_share(
    *,
    actor: Any,
    case: Case,
    user: User | None = None,
    group: Group | None = None,
    can_edit: bool = False,
    expires_on: date | None = None,
    note: str = "",
) -> CaseShare:
    """Share ``case`` with ``user`` or ``group`` (exactly one), optionally with edit rights and an end date."""
    require_share(actor, case)
    _check_recipient(case, user, group)
    if expires_on is not None and expires_on <= timezone.localdate():
        raise DomainError(_("The share must end after today."), code="invalid_expiry")
    note = " ".join(str(note or "").split())
    if len(note) > NOTE_MAX:
        raise DomainError(_("The note has at most %(max)d characters.") % {"max": NOTE_MAX}, code="note_too_long")
    case = lock_case(case.pk)
    recipient: dict[str, Any] = {"user": user} if user is not None else {"group": group}
    share = CaseShare.objects.select_for_update().filter(case=case, **recipient).first()
    wanted = {"can_edit": bool(can_edit), "expires_on": expires_on, "note": note}
    if share is None:
        share = CaseShare.objects.create(case=case, **recipient, **wanted, granted_by=actor, granted_at=timezone.now())
        changes: dict[str, Any] = {k: _plain(v) for k, v in wanted.items()}
    else:
        changes = {k: [_plain(getattr(share, k)), _plain(v)] for k, v in wanted.items() if getattr(share, k) != v}
        for name, value in wanted.items():
            setattr(share, name, value)
        share.granted_by, share.granted_at = actor, timezone.now()
        share.save(update_fields=[*wanted, "granted_by", "granted_at"])
    params = _params(share)
    record_one(
        actor=actor,
        case_id=case.pk,
        kind=CaseEvent.Kind.CASE_SHARED,
        action="case.shared",
        target=share,
        params=params,
        changes={**params, **changes},
    )
    return share


@transaction.atomic
def case_unshare(*, actor: Any, share: CaseShare) -> None:
    """Withdraw a share; the recipient's next request no longer sees the case through it."""
    require_share(actor, share.case)
    lock_case(share.case_id)
    row = CaseShare.objects.select_for_update().filter(pk=share.pk).first()
    if row is None:
        raise DomainError(_("This share was already withdrawn."), code="share_gone")
    params = _params(row)
    record_one(
        actor=actor,
        case_id=row.case_id,
        kind=CaseEvent.Kind.CASE_UNSHARED,
        action="case.unshared",
        target=row,
        params=params,
        changes={**params, "can_edit": row.can_edit, "expires_on": _plain(row.expires_on)},
    )
    row.delete()


def _params(share: CaseShare) -> dict[str, Any]:
    # Ids only: the timeline and audit never carry a name (DESIGN rule 11 keeps people out of messages).
    return {"user": share.user_id, "group": share.group_id, "can_edit": share.can_edit}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
