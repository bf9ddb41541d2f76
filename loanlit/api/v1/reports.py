"""/api/v1/reports/summary/: the dashboard's figures (``reports.selectors.stats``) for the dashboard's filters.

Filters are the dashboard's query string (``reports.forms.StatsFilterForm``: creditor, unit, period_from /
period_to as YYYY-MM, court, court_province, borrower_province, product, cause, handler, law_firm, stage,
position, outcome, open_only, currency); ``dimension`` adds a breakdown (``reports.definitions.DIMENSIONS``).
Counts are integers, money and rates decimal strings (rates in percent, two places; ``null`` with no base).
Needs ``reports.view``.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from decimal import Decimal
from typing import Any, Final

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, routers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.api import base
from loanlit.reports.definitions import DIMENSIONS, MONEY_MEASURES, Measures
from loanlit.reports.forms import StatsFilterForm
from loanlit.reports.selectors import stats

RATES: Final = (
    "won_rate",
    "partly_won_rate",
    "lost_rate",
    "recovery_rate",
    "recovery_rate_claim",
    "terminated_rate",
    "cost_ratio",
    "mean_days_to_judgment",
    "mean_days_to_recovery",
    "mean_days_to_close",
)
COUNTS: Final = tuple(f.name for f in dataclass_fields(Measures) if f.name not in MONEY_MEASURES)
FILTER_NAMES: Final = tuple(StatsFilterForm.base_fields)


def measures_json(m: Measures) -> dict[str, Any]:
    out: dict[str, Any] = {name: int(getattr(m, name)) for name in COUNTS}
    out.update({name: f"{Decimal(getattr(m, name)):.2f}" for name in MONEY_MEASURES})
    for name in RATES:
        value = getattr(m, name)
        out[name] = None if value is None else str(value)
    return out


def _measures_serializer() -> type[serializers.Serializer]:
    attrs: dict[str, Any] = {name: serializers.IntegerField() for name in COUNTS}
    attrs.update({name: base.MoneyField() for name in MONEY_MEASURES})
    attrs.update({name: serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True) for name in RATES})
    return type("MeasuresSerializer", (serializers.Serializer,), attrs)


MeasuresSerializer = _measures_serializer()


class BucketSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    measures = MeasuresSerializer()


class SummarySerializer(serializers.Serializer):
    currency = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField())
    live = serializers.BooleanField(help_text="True when the figures were computed live (no summary tables).")
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the summary tables were last refreshed.")
    totals = MeasuresSerializer()
    dimension = serializers.CharField(allow_null=True)
    breakdown = BucketSerializer(many=True, allow_null=True)


PARAMETERS = [
    *[OpenApiParameter(name, str, required=False) for name in FILTER_NAMES],
    OpenApiParameter("dimension", str, required=False, enum=list(DIMENSIONS), description="Add a breakdown."),
]


class ReportViewSet(base.ScopedViewSetMixin, viewsets.GenericViewSet):
    required_code = "reports.view"
    serializer_class = SummarySerializer
    pagination_class = None

    @extend_schema(parameters=PARAMETERS, responses={200: SummarySerializer}, filters=False)
    @action(detail=False, methods=["get"], url_path="summary", url_name="summary")
    def summary(self, request: Request) -> Response:
        user = request.user
        params = request.query_params
        form = StatsFilterForm({k: params.get(k) for k in FILTER_NAMES if params.get(k) not in (None, "")}, user=user)
        if not form.is_valid():
            raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        filters = form.filters()
        dimension = params.get("dimension") or None
        if dimension is not None and dimension not in DIMENSIONS:
            raise exceptions.ValidationError(
                {"dimension": [_("Choose one of: %(names)s") % {"names": ", ".join(DIMENSIONS)}]}
            )
        figures = stats.stats_for_user(user=user, filters=filters)
        breakdown = None
        if dimension is not None:
            breakdown = [
                {"key": b.key, "label": str(b.label), "measures": measures_json(b.measures)}
                for b in stats.breakdown_for_user(user=user, filters=filters, dimension=dimension)
            ]
        return Response(
            {
                "currency": filters.currency,
                "filters": {k: str(v) for k, v in filters.active().items()},
                "live": figures.live,
                "as_of": figures.as_of.isoformat() if figures.as_of else None,
                "totals": measures_json(figures.totals),
                "dimension": dimension,
                "breakdown": breakdown,
            }
        )


def register(router: routers.SimpleRouter) -> None:
    router.register("reports", ReportViewSet, basename="report")
