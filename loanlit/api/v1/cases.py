"""/api/v1/cases/: the case list and one case, from ``case_list_for_user`` (the pattern for every resource).

Extended with create (``case_open``) and update (``case_update``) by the API resources work; the read side
here is the shape the other modules follow: a selector queryset, a unique ordering for the cursor, filters
that map to the selector's ``CaseFilters`` or to indexed columns, money as decimal strings.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework import routers

from loanlit.api import base
from loanlit.cases import selectors as case_selectors
from loanlit.cases.models import Case


class CaseSerializer(base.ModelSerializer):
    stage = base.serializers.CharField(source="stage_id", read_only=True)
    handling_unit = base.serializers.IntegerField(source="handling_unit_id", read_only=True)
    creditor = base.serializers.IntegerField(source="creditor_id", read_only=True)
    handler = base.serializers.IntegerField(source="handler_id", read_only=True, allow_null=True)
    law_firm = base.serializers.IntegerField(source="law_firm_id", read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "internal_no",
            "creditor",
            "handling_unit",
            "cause_of_action",
            "stage",
            "outcome",
            "priority",
            "tags",
            "handler",
            "law_firm",
            "claim_currency",
            "claim_as_of",
            "claim_principal",
            "claim_interest",
            "claim_penalty",
            "claim_compound",
            "claim_fees",
            "claim_total",
            "opened_on",
            "is_closed",
            "closed_on",
            "is_archived",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CaseFilter(django_filters.FilterSet):
    stage = django_filters.CharFilter(field_name="stage_id")
    handling_unit = django_filters.NumberFilter(field_name="handling_unit_id")
    handler = django_filters.NumberFilter(field_name="handler_id")
    law_firm = django_filters.NumberFilter(field_name="law_firm_id")
    opened_from = django_filters.DateFilter(field_name="opened_on", lookup_expr="gte")
    opened_to = django_filters.DateFilter(field_name="opened_on", lookup_expr="lte")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    internal_no = django_filters.CharFilter(field_name="internal_no")
    is_closed = django_filters.BooleanFilter(field_name="is_closed")

    class Meta:
        model = Case
        fields: list[str] = []


class CaseViewSet(base.ReadOnlyViewSet):
    required_code = "cases.view"
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ["id", "opened_on", "updated_at", "claim_total"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Case]:
        return case_selectors.case_list_for_user(user=self.request.user).order_by("-id")

    def get_object(self) -> Any:
        case = case_selectors.case_get_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))
        self.check_object_permissions(self.request, case)
        return case


def register(router: routers.SimpleRouter) -> None:
    router.register("cases", CaseViewSet, basename="case")
