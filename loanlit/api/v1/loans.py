"""/api/v1/loans/: loan contracts in the caller's scope (``loans.selectors.loans_visible_to``) and each
loan's balance snapshots (``/api/v1/loans/{id}/snapshots/``, newest first). Money and rates are decimal strings.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import routers, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.api import base
from loanlit.loans import selectors as loan_selectors
from loanlit.loans.models import LoanBalanceSnapshot, LoanContract, LoanParty


class LoanPartySerializer(serializers.Serializer):
    party = serializers.IntegerField(source="party_id")
    role = serializers.CharField()
    position = serializers.IntegerField()


class LoanSerializer(base.ModelSerializer):
    creditor = serializers.IntegerField(source="creditor_id", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    parties = LoanPartySerializer(source="loan_parties", many=True, read_only=True)

    class Meta:
        model = LoanContract
        fields = [
            "id",
            "creditor",
            "unit",
            "contract_no",
            "product",
            "currency",
            "principal",
            "annual_rate",
            "penalty_rate",
            "compound_rate",
            "day_count_basis",
            "start_date",
            "maturity_date",
            "term_months",
            "repayment_method",
            "overdue_since",
            "days_past_due",
            "days_past_due_as_of",
            "risk_class",
            "accelerated_on",
            "written_off",
            "written_off_on",
            "external_ref",
            "parties",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SnapshotSerializer(base.ModelSerializer):
    loan = serializers.IntegerField(source="loan_id", read_only=True)
    total = base.MoneyField(read_only=True)

    class Meta:
        model = LoanBalanceSnapshot
        fields = [
            "id",
            "loan",
            "as_of",
            "currency",
            "principal",
            "interest_on_balance",
            "interest_off_balance",
            "penalty",
            "compound",
            "fees",
            "total",
            "source",
            "recorded_at",
        ]
        read_only_fields = fields


class LoanFilter(django_filters.FilterSet):
    contract_no = django_filters.CharFilter(field_name="contract_no")
    external_ref = django_filters.CharFilter(field_name="external_ref")
    product = django_filters.ChoiceFilter(choices=LoanContract.Product.choices)
    risk_class = django_filters.ChoiceFilter(choices=LoanContract.RiskClass.choices)
    unit = django_filters.NumberFilter(field_name="unit_id")
    written_off = django_filters.BooleanFilter(field_name="written_off")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = LoanContract
        fields: list[str] = []


class SnapshotFilter(django_filters.FilterSet):
    as_of_from = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")
    source = django_filters.ChoiceFilter(choices=LoanBalanceSnapshot.Source.choices)

    class Meta:
        model = LoanBalanceSnapshot
        fields: list[str] = []


class LoanViewSet(base.ReadOnlyViewSet):
    required_code = "cases.view"
    serializer_class = LoanSerializer
    filterset_class = LoanFilter
    ordering_fields = ["id"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "snapshots":
            return LoanBalanceSnapshot.objects.none()
        parties = LoanParty.objects.order_by("position", "pk")
        return loan_selectors.loans_visible_to(self.request.user).prefetch_related(
            Prefetch("loan_parties", queryset=parties)
        )

    def get_object(self) -> LoanContract:
        return loan_selectors.loan_get_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))

    def get_serializer_class(self) -> Any:
        return SnapshotSerializer if self.action == "snapshots" else LoanSerializer

    @extend_schema(responses={200: SnapshotSerializer(many=True)}, filters=True)
    @action(
        detail=True,
        methods=["get"],
        url_path="snapshots",
        url_name="snapshots",
        filterset_class=SnapshotFilter,
        ordering_fields=["as_of", "id"],
        ordering=["-as_of", "-id"],
    )
    def snapshots(self, request: Request, pk: str | None = None) -> Response:
        """The loan's balance snapshots, newest first (``ordering``: as_of)."""
        loan = self.get_object()
        qs = self.filter_queryset(loan_selectors.loan_snapshots(loan=loan))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(SnapshotSerializer(page, many=True).data)


def register(router: routers.SimpleRouter) -> None:
    router.register("loans", LoanViewSet, basename="loan")
