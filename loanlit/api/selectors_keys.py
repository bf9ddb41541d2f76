"""Reads for the API key pages: the keys an ``api.manage`` holder may see, the users a key may act as."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.api.models import ApiKey
from loanlit.core.models import Creditor


def service_users_for(actor: Any) -> QuerySet[User]:
    """Active users whose every creditor is one of the actor's (a key may act as them)."""
    foreign = Creditor.objects.exclude(pk__in=creditor_ids_for(actor)).values("pk")
    return (
        User.objects.filter(is_active=True, creditors__in=creditor_ids_for(actor))
        .exclude(creditors__in=foreign)
        .select_related("role")
        .distinct()
        .order_by("username")
    )


def api_keys_for_user(*, user: Any) -> QuerySet[ApiKey]:
    """Keys acting as users of the actor's creditors, newest first."""
    foreign = Creditor.objects.exclude(pk__in=creditor_ids_for(user)).values("pk")
    return (
        ApiKey.objects.filter(user__creditors__in=creditor_ids_for(user))
        .exclude(user__creditors__in=foreign)
        .select_related("user", "created_by")
        .distinct()
        .order_by("-created_at", "-pk")
    )


def api_key_get_for_user(*, user: Any, pk: int) -> ApiKey:
    return get_object_or_404(api_keys_for_user(user=user), pk=pk)
