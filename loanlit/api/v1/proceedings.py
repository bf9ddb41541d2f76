"""/api/v1/proceedings/, /hearings/, /judgments/: a case's court proceedings (see loanlit/api/base.py).

Reads are the cases selectors' scope (``case_list_for_user``: out of scope is 404 like a missing id); writes
are ``proceeding_open`` / ``proceeding_update`` / ``hearing_schedule`` / ``proceeding_record_judgment``, which
check edit rights (403 for someone who sees the case but may not change it), audit and write the timeline.

The module also holds the small pieces the other process resources share (strict money input, an ordering
with a unique tiebreak for the cursor, the scoped case lookup); they belong in ``loanlit/api/base.py``.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, routers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.api import base
from loanlit.api.base import RateField
from loanlit.cases import selectors as case_selectors
from loanlit.cases import services as case_services
from loanlit.cases.models import Case, Court, Hearing, Judgment, JudgmentItem, Proceeding, ProceedingParty
from loanlit.loans.models import Collateral
from loanlit.parties.models import Party

# --- shared by the process resources ---------------------------------------------------------------------


# Money input (decimal strings only, to the cent) and the filters every process resource uses live in base.
StrictMoneyField = base.StrictMoneyField
FILTER_BACKENDS = [base.ApiFilterBackend]  # ordering is the paginator's (it always ends with the pk)


_ID = re.compile(r"[0-9]{1,19}")


def visible_case_ids(user: Any) -> QuerySet[Case, Any]:
    """The ids of the cases ``user`` sees, as a subquery (the cases selector's scope)."""
    return case_selectors.case_list_for_user(user=user).order_by().values("pk")


def _id_field(raw: Any, name: str) -> int:
    """A body's object id as an integer, or a 400 naming the field (a JSON number or a digit string)."""
    # ASCII digits only ("²".isdigit() is true but int() refuses it), at most a 64-bit id.
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not _ID.fullmatch(str(raw).strip()):
        raise serializers.ValidationError({name: [serializers.IntegerField.default_error_messages["invalid"]]})
    value = int(str(raw).strip())
    if not 1 <= value <= base.MAX_DB_INTEGER:
        raise serializers.ValidationError({name: [serializers.IntegerField.default_error_messages["invalid"]]})
    return value


def visible_case(user: Any, pk: Any) -> Case:
    """The case if ``user`` sees it; 404 otherwise (out of scope looks exactly like missing)."""
    return case_selectors.case_get_for_user(user=user, pk=_id_field(pk, "case"))


def case_from(serializer: serializers.Serializer, user: Any) -> Case:
    """The ``case`` id of a write's body, resolved in the user's scope (404 out of scope), before the rest
    of the body is validated, so an outsider learns nothing from the field errors."""
    raw = serializer.initial_data.get("case") if hasattr(serializer.initial_data, "get") else None
    if raw in (None, ""):
        raise serializers.ValidationError({"case": [serializers.Field.default_error_messages["required"]]})
    return visible_case(user, raw)


VERSION_RESPONSES = {
    400: OpenApiResponse(description="The request has errors (fields listed) or a business rule refused it."),
    403: OpenApiResponse(description="You may see the object but not change it."),
    404: OpenApiResponse(description="Missing or out of your scope."),
    409: OpenApiResponse(description="Stale version: someone changed it since you read it."),
    428: OpenApiResponse(description='Send "version" in the body or an If-Match header.'),
}
WRITE_RESPONSES = {code: VERSION_RESPONSES[code] for code in (400, 403, 404)}


# --- proceedings ------------------------------------------------------------------------------------------


class ProceedingSerializer(base.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True)
    court = serializers.IntegerField(source="court_id", read_only=True, allow_null=True)
    court_name = serializers.SerializerMethodField()
    follows = serializers.IntegerField(source="follows_id", read_only=True, allow_null=True)
    judgment = serializers.SerializerMethodField()

    class Meta:
        model = Proceeding
        fields = [
            "id",
            "case",
            "kind",
            "court",
            "court_name",
            "court_case_number",
            "filed_on",
            "accepted_on",
            "judge",
            "clerk",
            "result",
            "result_on",
            "follows",
            "is_active",
            "judgment",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_court_name(self, obj: Proceeding) -> str:
        return obj.court.name if obj.court is not None else ""

    def get_judgment(self, obj: Proceeding) -> int | None:
        try:
            return obj.judgment.pk
        except Judgment.DoesNotExist:
            return None


class ProceedingCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Proceeding.Kind.choices)
    court = serializers.PrimaryKeyRelatedField(queryset=Court.objects.all(), allow_null=True, required=False)
    court_case_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    filed_on = serializers.DateField(required=False, allow_null=True, default=None)
    accepted_on = serializers.DateField(required=False, allow_null=True, default=None)
    judge = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    clerk = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    follows = serializers.IntegerField(required=False, allow_null=True, default=None)


class ProceedingUpdateSerializer(base.VersionedSerializerMixin):
    court = serializers.PrimaryKeyRelatedField(queryset=Court.objects.all(), allow_null=True, required=False)
    court_case_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    filed_on = serializers.DateField(required=False, allow_null=True)
    accepted_on = serializers.DateField(required=False, allow_null=True)
    judge = serializers.CharField(max_length=100, required=False, allow_blank=True)
    clerk = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ParticipantSerializer(serializers.ModelSerializer):
    party = serializers.IntegerField(source="party_id", read_only=True, allow_null=True)
    party_name = serializers.SerializerMethodField()
    party_kind = serializers.SerializerMethodField()
    unit = serializers.IntegerField(source="unit_id", read_only=True, allow_null=True)
    unit_name = serializers.SerializerMethodField()

    class Meta:
        model = ProceedingParty
        fields = ["id", "role", "party", "party_name", "party_kind", "unit", "unit_name"]
        read_only_fields = fields

    def get_party_name(self, obj: ProceedingParty) -> str:
        return obj.party.name if obj.party is not None else ""

    def get_party_kind(self, obj: ProceedingParty) -> str:
        return obj.party.kind if obj.party is not None else ""

    def get_unit_name(self, obj: ProceedingParty) -> str:
        return obj.unit.name if obj.unit is not None else ""


class ProceedingFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    kind = django_filters.ChoiceFilter(choices=Proceeding.Kind.choices)
    is_active = django_filters.BooleanFilter()
    court_case_number = django_filters.CharFilter()

    class Meta:
        model = Proceeding
        fields: list[str] = []


def proceedings_for_user(user: Any) -> QuerySet[Proceeding]:
    return Proceeding.objects.filter(case__in=visible_case_ids(user))


@extend_schema_view(
    create=extend_schema(request=ProceedingCreateSerializer, responses={201: ProceedingSerializer, **WRITE_RESPONSES}),
    partial_update=extend_schema(
        request=ProceedingUpdateSerializer, responses={200: ProceedingSerializer, **VERSION_RESPONSES}
    ),
)
class ProceedingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, base.GenericViewSet):
    """A case's proceedings (一审, 二审, 执行 …): open one, correct its court, 案号, dates, judge and clerk."""

    required_code = "cases.view"
    required_codes = {"create": "cases.edit", "partial_update": "cases.edit"}
    serializer_class = ProceedingSerializer
    filterset_class = ProceedingFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "filed_on", "updated_at"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Proceeding]:
        return proceedings_for_user(self.request.user).select_related("court", "judgment").order_by("-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ProceedingCreateSerializer(data=request.data)
        case = case_from(serializer, request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        follows = None
        if data.get("follows"):
            follows = Proceeding.objects.filter(case=case, pk=data["follows"]).first()
            if follows is None:
                raise serializers.ValidationError({"follows": [gettext_lazy("No such proceeding on this case.")]})
        proceeding = case_services.proceeding_open(
            actor=self.actor(),
            case=case,
            kind=data["kind"],
            court=data.get("court"),
            court_case_number=data["court_case_number"],
            filed_on=data["filed_on"],
            accepted_on=data["accepted_on"],
            judge=data["judge"],
            clerk=data["clerk"],
            follows=follows,
        )
        return Response(ProceedingSerializer(self._fresh(proceeding.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        proceeding = self.get_object()
        serializer = ProceedingUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        version = base.expected_version(request, request.data)
        changes = {key: value for key, value in serializer.validated_data.items() if key != "version"}
        case_services.proceeding_update(actor=self.actor(), proceeding=proceeding, version=version, **changes)
        return Response(ProceedingSerializer(self._fresh(proceeding.pk)).data)

    @extend_schema(responses={200: ParticipantSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def parties(self, request: Request, pk: str | None = None) -> Response:
        """The participants of one proceeding with their roles (原告, 被告, 申请执行人 …)."""
        proceeding = self.get_object()
        rows = proceeding.participants.select_related("party", "unit").order_by("pk")
        return Response(ParticipantSerializer(rows, many=True).data)

    def _fresh(self, pk: int) -> Proceeding:
        return Proceeding.objects.select_related("court", "judgment").get(pk=pk)


# --- hearings ---------------------------------------------------------------------------------------------


class HearingSerializer(serializers.ModelSerializer):
    proceeding = serializers.IntegerField(source="proceeding_id", read_only=True)
    case = serializers.IntegerField(source="proceeding.case_id", read_only=True)

    class Meta:
        model = Hearing
        fields = ["id", "proceeding", "case", "kind", "starts_at", "room", "note"]
        read_only_fields = fields


class HearingCreateSerializer(serializers.Serializer):
    proceeding = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=Hearing.Kind.choices, default=Hearing.Kind.HEARING)
    room = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class HearingFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="proceeding__case_id")
    proceeding = django_filters.NumberFilter(field_name="proceeding_id")
    starts_from = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_to = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lte")

    class Meta:
        model = Hearing
        fields: list[str] = []


def proceeding_from(data: Any, user: Any) -> Proceeding:
    """The ``proceeding`` id of a write's body in the user's scope (404 otherwise)."""
    raw: Any = data.get("proceeding") if hasattr(data, "get") else None
    if raw in (None, ""):
        raise serializers.ValidationError({"proceeding": [serializers.Field.default_error_messages["required"]]})
    number = _id_field(raw, "proceeding")
    proceeding = proceedings_for_user(user).select_related("case").filter(pk=number).first()
    if proceeding is None:
        raise Http404
    return proceeding


@extend_schema_view(
    create=extend_schema(request=HearingCreateSerializer, responses={201: HearingSerializer, **WRITE_RESPONSES})
)
class HearingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet):
    """Hearings (开庭, 询问, 调解) of the proceedings in scope; schedule one with ``hearing_schedule``."""

    required_code = "cases.view"
    required_codes = {"create": "cases.edit"}
    serializer_class = HearingSerializer
    filterset_class = HearingFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "starts_at"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Hearing]:
        return (
            Hearing.objects.filter(proceeding__case__in=visible_case_ids(self.request.user))
            .select_related("proceeding")
            .order_by("-id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        proceeding = proceeding_from(request.data, request.user)
        serializer = HearingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        hearing = case_services.hearing_schedule(
            actor=self.actor(),
            proceeding=proceeding,
            starts_at=data["starts_at"],
            kind=data["kind"],
            room=data["room"],
            note=data["note"],
        )
        hearing = Hearing.objects.select_related("proceeding").get(pk=hearing.pk)
        return Response(HearingSerializer(hearing).data, status=status.HTTP_201_CREATED)


# --- judgments --------------------------------------------------------------------------------------------


class JudgmentItemSerializer(base.ModelSerializer):
    party = serializers.IntegerField(source="party_id", read_only=True, allow_null=True)
    collateral = serializers.IntegerField(source="collateral_id", read_only=True, allow_null=True)

    class Meta:
        model = JudgmentItem
        fields = [
            "seq",
            "kind",
            "currency",
            "amount",
            "base",
            "rate",
            "from_date",
            "until_text",
            "party",
            "collateral",
            "text",
        ]
        read_only_fields = fields


class JudgmentSerializer(base.ModelSerializer):
    proceeding = serializers.IntegerField(source="proceeding_id", read_only=True)
    case = serializers.IntegerField(source="proceeding.case_id", read_only=True)
    items = JudgmentItemSerializer(many=True, read_only=True)

    class Meta:
        model = Judgment
        fields = [
            "id",
            "proceeding",
            "case",
            "kind",
            "judged_on",
            "performance_days",
            "currency",
            "adjudicated_amount",
            "effective_on",
            "effective_confirmed",
            "performance_ends",
            "items",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class JudgmentItemInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=JudgmentItem.Kind.choices)
    amount = StrictMoneyField(required=False, allow_null=True, default=None)
    base = StrictMoneyField(required=False, allow_null=True, default=None)
    rate = RateField(required=False, allow_null=True, default=None)
    from_date = serializers.DateField(required=False, allow_null=True, default=None)
    until_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    party = serializers.IntegerField(required=False, allow_null=True, default=None)
    collateral = serializers.IntegerField(required=False, allow_null=True, default=None)
    text = serializers.CharField(required=False, allow_blank=True, default="")


class JudgmentCreateSerializer(serializers.Serializer):
    proceeding = serializers.IntegerField()
    version = serializers.IntegerField(
        min_value=1, required=False, help_text=gettext_lazy("The proceeding's version you read.")
    )
    kind = serializers.ChoiceField(choices=Judgment.Kind.choices, default=Judgment.Kind.JUDGMENT)
    judged_on = serializers.DateField()
    performance_days = serializers.IntegerField(min_value=1, max_value=365, default=10)
    items = JudgmentItemInputSerializer(many=True, allow_empty=False)


class JudgmentFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="proceeding__case_id")
    proceeding = django_filters.NumberFilter(field_name="proceeding_id")
    judged_from = django_filters.DateFilter(field_name="judged_on", lookup_expr="gte")
    judged_to = django_filters.DateFilter(field_name="judged_on", lookup_expr="lte")

    class Meta:
        model = Judgment
        fields: list[str] = []


def _item_inputs(case: Case, rows: list[dict[str, Any]]) -> list[case_services.JudgmentItemInput]:
    """The items as the service takes them; a party or collateral must be the case's creditor's."""
    errors: dict[str, Any] = {}
    items = []
    for index, row in enumerate(rows):
        party = collateral = None
        if row.get("party"):
            party = Party.objects.filter(pk=row["party"], creditor_id=case.creditor_id).first()
            if party is None:
                errors[f"items.{index}.party"] = [gettext_lazy("No such party of this creditor.")]
        if row.get("collateral"):
            collateral = Collateral.objects.filter(pk=row["collateral"], creditor_id=case.creditor_id).first()
            if collateral is None:
                errors[f"items.{index}.collateral"] = [gettext_lazy("No such collateral of this creditor.")]
        items.append(
            case_services.JudgmentItemInput(
                kind=row["kind"],
                amount=row.get("amount"),
                base=row.get("base"),
                rate=row.get("rate"),
                from_date=row.get("from_date"),
                until_text=row.get("until_text", ""),
                collateral=collateral,
                party=party,
                text=row.get("text", ""),
            )
        )
    if errors:
        raise serializers.ValidationError(errors)
    return items


@extend_schema_view(
    create=extend_schema(
        request=JudgmentCreateSerializer,
        responses={201: JudgmentSerializer, **VERSION_RESPONSES},
        description="Record the court's decision (its operative part) as items; ``version`` is the proceeding's.",
    )
)
class JudgmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet):
    """Judgments, rulings and mediation statements with their structured items (amounts to the cent)."""

    required_code = "cases.view"
    required_codes = {"create": "cases.edit"}
    serializer_class = JudgmentSerializer
    filterset_class = JudgmentFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "judged_on"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Judgment]:
        items = JudgmentItem.objects.order_by("seq")
        return (
            Judgment.objects.filter(proceeding__case__in=visible_case_ids(self.request.user))
            .select_related("proceeding")
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("-id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        proceeding = proceeding_from(request.data, request.user)
        serializer = JudgmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = _item_inputs(proceeding.case, data["items"])
        version = base.expected_version(request, request.data)
        judgment = case_services.proceeding_record_judgment(
            actor=self.actor(),
            proceeding=proceeding,
            judged_on=data["judged_on"],
            items=items,
            version=version,
            kind=data["kind"],
            performance_days=data["performance_days"],
        )
        return Response(JudgmentSerializer(self.get_queryset().get(pk=judgment.pk)).data, status=201)


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("proceedings", ProceedingViewSet, basename="proceeding")
    router.register("hearings", HearingViewSet, basename="hearing")
    router.register("judgments", JudgmentViewSet, basename="judgment")
