"""/api/v1/events/: the case timeline for people (``CaseEvent``), read-only (see loanlit/api/base.py).

``?case=`` narrows to one case, ``?since=`` (ISO date-time or date) to events recorded from then on, so a
client can poll for what is new; ``?happened_from=`` / ``?happened_to=`` filter by the day it happened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy
from rest_framework import routers, serializers

from loanlit.api import base
from loanlit.api.v1.proceedings import FILTER_BACKENDS, visible_case_ids
from loanlit.cases.models import CaseEvent


class EventSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "case",
            "kind",
            "kind_label",
            "happened_on",
            "created_at",
            "actor",
            "params",
            "target_type",
            "target_id",
        ]
        read_only_fields = fields


class SinceFilter(django_filters.CharFilter):
    """An ISO date-time (with its zone, or local) or a date (its local midnight); anything else is a 400."""

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in (None, ""):
            return qs
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is None:
                raise serializers.ValidationError({"since": [gettext_lazy("Enter an ISO 8601 date-time or date.")]})
            moment = dt.datetime.combine(day, dt.time.min)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return qs.filter(created_at__gte=moment)


class EventFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    kind = django_filters.ChoiceFilter(choices=CaseEvent.Kind.choices)
    since = SinceFilter()
    happened_from = django_filters.DateFilter(field_name="happened_on", lookup_expr="gte")
    happened_to = django_filters.DateFilter(field_name="happened_on", lookup_expr="lte")

    class Meta:
        model = CaseEvent
        fields: list[str] = []


class EventViewSet(base.ReadOnlyViewSet):
    """What happened on the cases in scope, newest first."""

    required_code = "cases.view"
    serializer_class = EventSerializer
    filterset_class = EventFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "happened_on", "created_at"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[CaseEvent]:
        return CaseEvent.objects.filter(case__in=visible_case_ids(self.request.user)).order_by("-id")


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("events", EventViewSet, basename="event")
