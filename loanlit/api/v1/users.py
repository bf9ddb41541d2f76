"""/api/v1/users/: the users of the caller's creditors, read-only (for the ids on cases: handler, co-handlers).

No password, e-mail, names beyond the display name, or login history: only what a case page shows.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from rest_framework import routers, serializers

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.api import base


class UserSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="unit_id", read_only=True, allow_null=True)
    role = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    creditors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    display = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "display", "unit", "role", "creditors", "is_active"]
        read_only_fields = fields

    def get_display(self, user: User) -> str:
        return str(user)


class UserFilter(django_filters.FilterSet):
    username = django_filters.CharFilter(field_name="username")
    unit = django_filters.NumberFilter(field_name="unit_id")
    is_active = django_filters.BooleanFilter(field_name="is_active")

    class Meta:
        model = User
        fields: list[str] = []


def users_of_creditors(user: Any) -> QuerySet[User]:
    """Users sharing at least one creditor with ``user`` (one EXISTS, no DISTINCT)."""
    through = User.creditors.through.objects.filter(user_id=OuterRef("pk"), creditor_id__in=creditor_ids_for(user))
    return User.objects.filter(Exists(through))


class UserViewSet(base.ReadOnlyViewSet):
    required_code = "cases.view"
    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["id", "username"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[User]:
        return users_of_creditors(self.request.user).select_related("role").prefetch_related("creditors")

    def get_object(self) -> User:
        return base.get_or_404(self.get_queryset(), pk=int(self.kwargs["pk"]))


def register(router: routers.SimpleRouter) -> None:
    router.register("users", UserViewSet, basename="user")
