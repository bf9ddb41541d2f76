"""/api/v1/deadlines/: legal and other deadlines in scope (``deadline_list_for_user``), read-only but for
marking one done with ``deadline_mark_done`` (see loanlit/api/base.py for the rules).

Filters: ``?case=``, ``?due_from=`` / ``?due_to=`` (the due day), ``?status=`` (open, done, missed, waived;
every status when absent), ``?kind=``, ``?responsible=``.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import routers, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.api import base
from loanlit.api.v1.proceedings import FILTER_BACKENDS, VERSION_RESPONSES
from loanlit.deadlines import selectors as deadline_selectors
from loanlit.deadlines import services as deadline_services
from loanlit.deadlines.models import Deadline
from loanlit.deadlines.selectors import DeadlineFilters


class DeadlineSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True, allow_null=True)
    proceeding = serializers.IntegerField(source="proceeding_id", read_only=True, allow_null=True)
    loan = serializers.IntegerField(source="loan_id", read_only=True, allow_null=True)
    responsible = serializers.IntegerField(source="responsible_id", read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "case",
            "proceeding",
            "loan",
            "kind",
            "kind_label",
            "rule",
            "start",
            "nominal_end",
            "due_on",
            "rolled",
            "confirmed",
            "reminder_date",
            "responsible",
            "status",
            "overridden",
            "note",
            "done_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DeadlineDoneSerializer(base.VersionedSerializerMixin):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DeadlineFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    due_from = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")
    status = django_filters.ChoiceFilter(choices=Deadline.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Deadline.Kind.choices)
    responsible = django_filters.NumberFilter(field_name="responsible_id")

    class Meta:
        model = Deadline
        fields: list[str] = []


class DeadlineViewSet(base.ReadOnlyViewSet):
    """Deadlines on the cases in scope and loan monitors of the user's units, by due day."""

    required_code = "cases.view"
    required_codes = {"done": "cases.edit"}
    serializer_class = DeadlineSerializer
    filterset_class = DeadlineFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "due_on"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Deadline]:
        filters = DeadlineFilters(status="all")  # every status; ``?status=`` narrows
        return deadline_selectors.deadline_list_for_user(user=self.request.user, filters=filters).order_by("-id")

    @extend_schema(request=DeadlineDoneSerializer, responses={200: DeadlineSerializer, **VERSION_RESPONSES})
    @action(detail=True, methods=["post"], filter_backends=[])
    def done(self, request: Request, pk: str | None = None) -> Response:
        """The duty was performed (appeal filed, fee paid …); ``version`` is the deadline's."""
        deadline = self.get_object()
        serializer = DeadlineDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = base.expected_version(request, request.data)
        deadline_services.deadline_mark_done(
            actor=self.actor(), deadline=deadline, version=version, note=serializer.validated_data["note"]
        )
        return Response(DeadlineSerializer(self.get_queryset().get(pk=deadline.pk)).data)

    def get_object(self) -> Any:
        deadline = deadline_selectors.deadline_get_for_user(user=self.request.user, pk=_pk(self.kwargs["pk"]))
        self.check_object_permissions(self.request, deadline)
        return deadline


def _pk(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        from django.http import Http404

        raise Http404 from None


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("deadlines", DeadlineViewSet, basename="deadline")
