"""/api/v1/parties/: the borrowers, guarantors and other parties of the cases (and, for the bank's staff, the
loans) the caller may see — the party page's scope (``cases.selectors.party_page_for_user``).

Identity numbers and mobiles are masked; lists never decrypt. The detail reveals them only with
``?unmask=1`` for a caller holding ``personal_data.unmask``, and every such read is access-logged exactly
like the party page's reveal (``personal_data.read`` with the fields shown). ``?unmask=1`` without the
permission is a 403, logged as a refused access.
"""

from __future__ import annotations

from typing import Any, Final

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import routers, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit import audit
from loanlit.api import base
from loanlit.cases import access as case_access
from loanlit.cases import selectors as case_selectors
from loanlit.cases.models import CaseLoan, ProceedingParty
from loanlit.loans import selectors as loan_selectors
from loanlit.loans.models import GuaranteeContract, LoanParty, SecurityContract
from loanlit.parties import selectors as party_selectors
from loanlit.parties.models import Party, PartyContact

UNMASK_CODE: Final = "personal_data.unmask"


def _masked(value: Any) -> str:
    return value.masked if value is not None else ""


class ContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    phone = serializers.SerializerMethodField()
    address = serializers.CharField()
    email = serializers.CharField()
    address_kind = serializers.CharField()
    source = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    recorded_at = serializers.DateTimeField()

    def get_phone(self, contact: PartyContact) -> str:
        if contact.phone is None:
            return ""
        return contact.phone.reveal() if self.context.get("unmask") else contact.phone.masked


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    creditor = serializers.IntegerField(source="creditor_id")
    kind = serializers.CharField()
    name = serializers.CharField()
    id_type = serializers.CharField()
    id_number = serializers.SerializerMethodField(help_text="Masked unless ?unmask=1 (personal_data.unmask).")
    document_number = serializers.SerializerMethodField(help_text="Masked unless ?unmask=1.")
    id_valid = serializers.BooleanField()
    uscc = serializers.CharField()
    legal_representative = serializers.CharField()
    gender = serializers.CharField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def _value(self, value: Any) -> str:
        if value is None:
            return ""
        return value.reveal() if self.context.get("unmask") else value.masked

    def get_id_number(self, party: Party) -> str:
        return self._value(party.id_number)

    def get_document_number(self, party: Party) -> str:
        return self._value(party.document_number)


class PartyDetailSerializer(PartySerializer):
    contacts = serializers.SerializerMethodField()
    unmasked = serializers.SerializerMethodField()

    @extend_schema_field(ContactSerializer(many=True))
    def get_contacts(self, party: Party) -> list[dict[str, Any]]:
        contacts = party_selectors.party_contacts(party=party, current_only=True)
        return ContactSerializer(contacts, many=True, context=self.context).data  # type: ignore[return-value]

    def get_unmasked(self, party: Party) -> bool:
        return bool(self.context.get("unmask"))


class PartyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Party.Kind.choices)
    uscc = django_filters.CharFilter(field_name="uscc")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Party
        fields: list[str] = []


def parties_in_scope(user: Any) -> QuerySet[Party]:
    """The parties of the user's visible cases (on a linked loan, its security, or in a proceeding) and, for
    the bank's own staff, of the loans in their scope: the party page's rule, as one queryset."""
    visible_cases = case_access.cases_visible_to(user).values("pk")
    case_loans = CaseLoan.objects.filter(case__in=visible_cases, unlinked_on__isnull=True).values("loan_id")
    routes = [
        Q(pk__in=LoanParty.objects.filter(loan_id__in=case_loans).values("party_id")),
        Q(pk__in=GuaranteeContract.objects.filter(loans__in=case_loans).values("guarantor_id")),
        Q(pk__in=SecurityContract.objects.filter(loans__in=case_loans).values("provider_id")),
        Q(pk__in=ProceedingParty.objects.filter(proceeding__case__in=visible_cases).values("party_id")),
    ]
    if not case_access.is_external_lawyer(user):
        own_loans = loan_selectors.loans_visible_to(user).values("pk")
        routes += [
            Q(pk__in=LoanParty.objects.filter(loan_id__in=own_loans).values("party_id")),
            Q(pk__in=GuaranteeContract.objects.filter(loans__in=own_loans).values("guarantor_id")),
        ]
    condition = Q(pk__in=[])
    for route in routes:
        condition |= route
    return party_selectors.parties_visible_to(user).filter(condition)


UNMASK = OpenApiParameter(
    "unmask",
    OpenApiTypes.BOOL,
    description="1: show ID numbers and mobiles in full (needs personal_data.unmask; access-logged).",
)


@extend_schema_view(retrieve=extend_schema(parameters=[UNMASK], responses={200: PartyDetailSerializer}))
class PartyViewSet(base.ReadOnlyViewSet):
    required_code = "cases.view"
    serializer_class = PartySerializer
    filterset_class = PartyFilter
    ordering_fields = ["id"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Party]:
        return parties_in_scope(self.request.user)

    def get_object(self) -> Party:
        page = case_selectors.party_page_for_user(user=self.request.user, pk=int(self.kwargs["pk"]))
        return page.party

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        party = self.get_object()
        unmask = request.query_params.get("unmask", "").lower() in ("1", "true", "yes")
        if unmask and not request.user.has_code(UNMASK_CODE):
            audit.access_log(
                user=request.user,
                action=audit.AccessAction.DENIED,
                target=party,
                request=request._request,
                detail={"reason": UNMASK_CODE, "via": "api"},
            )
            raise base.not_allowed(_("You may not see personal data unmasked."))
        data = PartyDetailSerializer(party, context={"unmask": unmask}).data
        if unmask:
            fields = [name for name in ("id_number", "document_number") if data[name]]
            if any(contact["phone"] for contact in data["contacts"]):
                fields.append("phone")
            audit.access_log(
                user=request.user,
                action=audit.AccessAction.PERSONAL_DATA_READ,
                target=party,
                request=request._request,
                detail={"fields": fields, "via": "api"},
            )
        return Response(data)


def register(router: routers.SimpleRouter) -> None:
    router.register("parties", PartyViewSet, basename="party")
