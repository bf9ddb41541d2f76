"""/api/v1/cases/: the case list and one case (``case_list_for_user``), opening (``case_open``) and changes
(``case_update``: handler, co-handlers, priority, tags; the version you read, 409 when stale, 428 without).

The read side is the shape the other modules follow: a selector queryset, a unique ordering for the cursor,
filters that map to the selector's ``CaseFilters`` or to indexed columns, money as decimal strings.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, routers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for, creditors_visible_to
from loanlit.api import base
from loanlit.cases import access as case_access
from loanlit.cases import selectors as case_selectors
from loanlit.cases import services as case_services
from loanlit.cases.models import Case
from loanlit.core.models import OrgUnit
from loanlit.loans import selectors as loan_selectors


class CaseSerializer(base.ModelSerializer):
    stage = serializers.CharField(source="stage_id", read_only=True)
    handling_unit = base.IdField(source="handling_unit_id", read_only=True)
    creditor = base.IdField(source="creditor_id", read_only=True)
    handler = base.IdField(source="handler_id", read_only=True, allow_null=True)
    co_handlers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    law_firm = serializers.IntegerField(source="law_firm_id", read_only=True, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)

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
            "co_handlers",
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


class CaseCreateSerializer(serializers.Serializer):
    """Open a case for one of your creditors in a unit of your scope (the loans must be in no open case)."""

    creditor = base.IdField()
    handling_unit = base.IdField()
    cause_of_action = serializers.CharField(max_length=100)
    loans = serializers.ListField(child=base.IdField(), required=False, max_length=500)
    handler = base.IdField(required=False, allow_null=True)
    co_handlers = serializers.ListField(child=base.IdField(), required=False, max_length=50)
    opened_on = serializers.DateField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Case.Priority.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)


class CaseUpdateSerializer(base.VersionedSerializerMixin):
    """Change only what you send: handler (null: none), co-handlers, priority, tags."""

    handler = base.IdField(required=False, allow_null=True)
    co_handlers = serializers.ListField(child=base.IdField(), required=False, max_length=50)
    priority = serializers.ChoiceField(choices=Case.Priority.choices, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=20)


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


def _users_of_creditors(user: Any, ids: list[int], field: str) -> list[User]:
    """The users named by ``ids`` among the caller's creditors' users; an unknown id is a field error."""
    found = {
        u.pk: u for u in User.objects.filter(pk__in=ids, creditors__in=creditor_ids_for(user)).distinct().order_by()
    }
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise exceptions.ValidationError({field: [_("Unknown user: %(id)s") % {"id": missing[0]}]})
    return [found[pk] for pk in dict.fromkeys(ids)]


SEARCH = OpenApiParameter(
    "q", str, description="Search like the case list: internal or court case number, party name, ID or mobile."
)


@extend_schema_view(
    list=extend_schema(parameters=[SEARCH]),
    create=extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer}),
    partial_update=extend_schema(request=CaseUpdateSerializer, responses={200: CaseSerializer}),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet):
    required_code = "cases.view"
    required_codes = {"create": "cases.edit", "partial_update": "cases.edit"}
    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    ordering_fields = ["id", "opened_on", "internal_no"]
    ordering = ["-opened_on", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Case]:
        q = self.request.query_params.get("q", "").strip()
        filters = case_selectors.CaseFilters(q=q[:200])
        qs = case_selectors.case_list_for_user(user=self.request.user, filters=filters)
        return qs.prefetch_related(Prefetch("co_handlers", queryset=User.objects.only("pk")))

    def get_object(self) -> Any:
        case = case_selectors.case_get_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))
        self.check_object_permissions(self.request, case)
        return case

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._valid(CaseCreateSerializer, request.data)
        user = request.user
        refused = _("You may not open cases for this creditor and unit.")
        creditor = creditors_visible_to(user).filter(pk=data["creditor"]).first()
        unit = OrgUnit.objects.filter(pk=data["handling_unit"]).first()
        if creditor is None or unit is None:
            raise base.not_allowed(refused)  # a creditor or unit you may not use looks like a missing one
        loan_ids = list(dict.fromkeys(data.get("loans") or []))
        loans = list(loan_selectors.loans_visible_to(user).filter(pk__in=loan_ids))
        if len(loans) != len(loan_ids):
            missing = sorted(set(loan_ids) - {loan.pk for loan in loans})[0]
            raise exceptions.ValidationError({"loans": [_("Unknown loan: %(id)s") % {"id": missing}]})
        handler = None
        if data.get("handler") is not None:
            handler = _users_of_creditors(user, [data["handler"]], "handler")[0]
        case = case_services.case_open(
            actor=user,
            creditor=creditor,
            handling_unit=unit,
            cause_of_action=data["cause_of_action"],
            loans=loans,
            handler=handler,
            co_handlers=_users_of_creditors(user, data.get("co_handlers") or [], "co_handlers"),
            opened_on=data.get("opened_on"),
            priority=data.get("priority") or Case.Priority.NORMAL,
            tags=data.get("tags") or [],
        )
        case = case_selectors.case_get_for_user(user=user, pk=case.pk)
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        case = self.get_object()
        if not case_access.can_edit(user, case):
            raise base.not_allowed(_("You may not change this case."))
        data = self._valid(CaseUpdateSerializer, request.data)
        version = base.expected_version(request, data)
        changes: dict[str, Any] = {}
        if "handler" in data:
            handler = data["handler"]
            changes["handler"] = None if handler is None else _users_of_creditors(user, [handler], "handler")[0]
        if "co_handlers" in data:
            changes["co_handlers"] = _users_of_creditors(user, data["co_handlers"], "co_handlers")
        if "priority" in data:
            changes["priority"] = data["priority"]
        if "tags" in data:
            changes["tags"] = data["tags"]
        case_services.case_update(actor=user, case=case, version=version, **changes)
        case = case_selectors.case_get_for_user(user=user, pk=case.pk)
        return Response(CaseSerializer(case).data)

    @staticmethod
    def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def register(router: routers.SimpleRouter) -> None:
    router.register("cases", CaseViewSet, basename="case")
