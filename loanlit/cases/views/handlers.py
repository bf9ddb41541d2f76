"""Who can be chosen as a case handler: active staff of the user's creditors in the user's unit subtree."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for


def handler_choices(user: Any) -> QuerySet[User]:
    if not getattr(user, "is_authenticated", False) or user.unit_id is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True,
            creditors__in=creditor_ids_for(user),
            unit__path__startswith=user.unit.path,
        )
        .exclude(role__code="external_lawyer")
        .distinct()
        .order_by("username")
    )
