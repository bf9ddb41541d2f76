"""/api/v1/costs/ and /api/v1/recoveries/: a case's money (see loanlit/api/base.py for the rules).

Money is a decimal string to the cent both ways; a JSON number or a third decimal place is refused with a
400 naming the field, never rounded. The currency is the case's: another one is refused by the service
(``currency_mismatch``). Writes are ``cost_record`` and ``recovery_record`` (the recovery's allocation by
law is the service's).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, routers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.api import base
from loanlit.api.v1.proceedings import (
    FILTER_BACKENDS,
    WRITE_RESPONSES,
    StrictMoneyField,
    case_from,
    visible_case_ids,
)
from loanlit.cases import services as case_services
from loanlit.cases.models import CostEntry, Proceeding, Recovery


def _proceeding_of(case: Any, pk: int | None) -> Proceeding | None:
    if not pk:
        return None
    proceeding = Proceeding.objects.filter(case=case, pk=pk).first()
    if proceeding is None:
        raise serializers.ValidationError({"proceeding": [gettext_lazy("No such proceeding on this case.")]})
    return proceeding


# --- costs --------------------------------------------------------------------------------------------------


class CostSerializer(base.ModelSerializer):
    case = base.IdField(source="case_id", read_only=True)
    proceeding = base.IdField(source="proceeding_id", read_only=True, allow_null=True)

    class Meta:
        model = CostEntry
        fields = [
            "id",
            "case",
            "proceeding",
            "kind",
            "currency",
            "amount",
            "payer",
            "paid_on",
            "borne_by_defendant",
            "refunded_amount",
            "refunded_on",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CostCreateSerializer(serializers.Serializer):
    case = base.IdField()
    proceeding = base.IdField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=CostEntry.Kind.choices)
    amount = StrictMoneyField()
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    paid_on = serializers.DateField()
    payer = serializers.ChoiceField(choices=CostEntry.Payer.choices)
    borne_by_defendant = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CostFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    proceeding = django_filters.NumberFilter(field_name="proceeding_id")
    kind = django_filters.ChoiceFilter(choices=CostEntry.Kind.choices)
    paid_from = django_filters.DateFilter(field_name="paid_on", lookup_expr="gte")
    paid_to = django_filters.DateFilter(field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = CostEntry
        fields: list[str] = []


@extend_schema_view(
    create=extend_schema(request=CostCreateSerializer, responses={201: CostSerializer, **WRITE_RESPONSES})
)
class CostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet):
    """Costs paid on a case (诉讼费, 保全费, 律师费 …) and what the court refunded."""

    required_code = "cases.view"
    required_codes = {"create": "cases.edit"}
    serializer_class = CostSerializer
    filterset_class = CostFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "paid_on"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[CostEntry]:
        return CostEntry.objects.filter(case__in=visible_case_ids(self.request.user)).order_by("-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CostCreateSerializer(data=request.data)
        case = case_from(serializer, request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        cost = case_services.cost_record(
            actor=self.actor(),
            case=case,
            kind=data["kind"],
            amount=data["amount"],
            paid_on=data["paid_on"],
            payer=data["payer"],
            borne_by_defendant=data["borne_by_defendant"],
            proceeding=_proceeding_of(case, data["proceeding"]),
            currency=data["currency"] or None,
            note=data["note"],
        )
        return Response(CostSerializer(CostEntry.objects.get(pk=cost.pk)).data, status=status.HTTP_201_CREATED)


# --- recoveries -----------------------------------------------------------------------------------------------


class RecoverySerializer(base.ModelSerializer):
    case = base.IdField(source="case_id", read_only=True)
    proceeding = base.IdField(source="proceeding_id", read_only=True, allow_null=True)
    recorded_by = serializers.IntegerField(source="recorded_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Recovery
        fields = [
            "id",
            "case",
            "proceeding",
            "received_on",
            "currency",
            "amount",
            "source",
            "value_note",
            "after_write_off",
            "phase",
            "allocation",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class RecoveryCreateSerializer(serializers.Serializer):
    case = base.IdField()
    proceeding = base.IdField(required=False, allow_null=True, default=None)
    received_on = serializers.DateField()
    amount = StrictMoneyField()
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=Recovery.Source.choices)
    value_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    after_write_off = serializers.BooleanField(default=False)


class RecoveryFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    source = django_filters.ChoiceFilter(choices=Recovery.Source.choices)
    phase = django_filters.ChoiceFilter(choices=Recovery.Phase.choices)
    received_from = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_to = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")

    class Meta:
        model = Recovery
        fields: list[str] = []


@extend_schema_view(
    create=extend_schema(
        request=RecoveryCreateSerializer,
        responses={201: RecoverySerializer, **WRITE_RESPONSES},
        description="Money received; the service applies it by law (art. 561 before judgment, judgment debt "
        "first after it) and the response shows the allocation.",
    )
)
class RecoveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet):
    """Recoveries (回款) with how each was applied."""

    required_code = "cases.view"
    required_codes = {"create": "cases.edit"}
    serializer_class = RecoverySerializer
    filterset_class = RecoveryFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "received_on"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Recovery]:
        return Recovery.objects.filter(case__in=visible_case_ids(self.request.user)).order_by("-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = RecoveryCreateSerializer(data=request.data)
        case = case_from(serializer, request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        recovery = case_services.recovery_record(
            actor=self.actor(),
            case=case,
            received_on=data["received_on"],
            amount=data["amount"],
            source=data["source"],
            value_note=data["value_note"],
            after_write_off=data["after_write_off"],
            proceeding=_proceeding_of(case, data["proceeding"]),
            currency=data["currency"] or None,
        )
        return Response(RecoverySerializer(Recovery.objects.get(pk=recovery.pk)).data, status=status.HTTP_201_CREATED)


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("costs", CostViewSet, basename="cost")
    router.register("recoveries", RecoveryViewSet, basename="recovery")
