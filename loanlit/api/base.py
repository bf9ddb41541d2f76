"""What every API resource shares: thin viewsets over the scoped selectors and the services.

A resource module (``loanlit/api/v1/<area>.py``) defines serializers and viewsets and a ``register(router)``
function; ``loanlit/api/urls.py`` calls each. Rules (DESIGN rules 1, 2, 8):

* ``get_queryset`` comes from the area's scoped selector (``case_list_for_user`` …): an object out of scope
  is 404 exactly like a missing id. Lists are ordered by a unique key for the cursor.
* Writes call the area's service (never ``serializer.save()`` on a domain model); ``DomainError`` becomes
  the JSON error with its status (400 / 403 / 409) through ``loanlit.api.errors``.
* PUT / PATCH need the version the client read: ``"version"`` in the body or ``If-Match: "<version>"``;
  a stale version is 409 from the service's lock; a missing one is 428.
* Money is a decimal string (``MoneyField`` → :class:`MoneyField` here), dates ISO 8601.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request

from loanlit.api.errors import ErrorSerializer
from loanlit.core.fields.money import MoneyField as ModelMoneyField
from loanlit.core.fields.money import RateField as ModelRateField

MONEY_TEXT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,2})?")  # ASCII digits only: Decimal() takes any script
_MONEY_TOO_PRECISE = re.compile(r"-?[0-9]+\.[0-9]{3,}")


class MoneyField(serializers.DecimalField):
    """Money as a decimal string with at most two places ("1234.50") out and in.

    Input must be a string: a JSON number is a float on the client, so ``12.345`` or ``0.1`` sent as numbers
    is refused with a field error rather than rounded; so are more than two places and exponents ("1e3").
    """

    default_error_messages = {
        **serializers.DecimalField.default_error_messages,
        "not_string": gettext_lazy('Send the amount as a decimal string, for example "1234.50".'),
        "too_many_places": gettext_lazy("Enter the amount to the cent: at most 2 decimal places."),
        "format": gettext_lazy('Enter an amount such as "1234.50".'),
    }
    pattern = MONEY_TEXT

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 17)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("not_string")
        text = data.strip()
        if not self.pattern.fullmatch(text):
            self.fail("too_many_places" if _MONEY_TOO_PRECISE.fullmatch(text) else "format")
        return super().to_internal_value(text)


class StrictMoneyField(MoneyField):
    """A non-negative amount (costs, recoveries, judgment items)."""

    default_error_messages = {
        **MoneyField.default_error_messages,
        "format": gettext_lazy('Enter a non-negative amount such as "1234.50".'),
    }
    pattern = re.compile(r"[0-9]{1,15}(\.[0-9]{1,2})?")


class RateField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 6)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


class ModelSerializer(serializers.ModelSerializer):
    """ModelSerializer that maps MoneyField and RateField to decimal strings."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        ModelMoneyField: MoneyField,
        ModelRateField: RateField,
    }


class VersionedSerializerMixin(serializers.Serializer):
    """Adds the write-only ``version`` a PUT / PATCH must carry (or send as ``If-Match``)."""

    version = serializers.IntegerField(
        min_value=1, required=False, help_text=gettext_lazy("The version you read; a stale one is refused with 409.")
    )


def expected_version(request: Request, data: dict[str, Any] | None = None) -> int:
    """The version the client read, from the body's ``version`` or an ``If-Match`` header; 428 if neither."""
    raw: Any = (data or {}).get("version")
    if raw in (None, ""):
        raw = (request.META.get("HTTP_IF_MATCH") or "").strip().strip('W/"').strip('"')
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if value < 1:
        raise PreconditionRequired()
    return value


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "version_required"
    default_detail = gettext_lazy(
        'Send the version you read: "version" in the body or an If-Match header. A stale version is refused.'
    )


# Error answers every operation can give (documented once as the ``Error`` component).
ERROR_STATUSES: tuple[str, ...] = ("400", "401", "403", "404", "429")
WRITE_ERROR_STATUSES: tuple[str, ...] = ("409", "415")
VERSIONED_ERROR_STATUSES: tuple[str, ...] = ("409", "428")

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The version you read, as "<version>"; instead of "version" in the body.',
)


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the error answers (the one JSON shape) on every operation."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = list(ERROR_STATUSES)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += WRITE_ERROR_STATUSES
        if self.method in ("PUT", "PATCH"):
            codes += VERSIONED_ERROR_STATUSES
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        if self.method in ("PUT", "PATCH"):
            params.append(IF_MATCH)
        return params


MAX_DB_INTEGER = 2**63 - 1


class IdField(serializers.IntegerField):
    """An object id in a request body: a positive 64-bit integer (a larger one is a 400, never an overflow)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_DB_INTEGER)
        super().__init__(**kwargs)


EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(9999, 1, 1, tzinfo=UTC)


class ApiFilterBackend(DjangoFilterBackend):
    """django-filter, with number filters kept within a 64-bit integer (a larger one is a 400, not a database
    overflow) and its errors in the API's error shape."""

    def filter_queryset(self, request: Request, queryset: Any, view: Any) -> Any:
        from django import forms
        from django.core.validators import MaxValueValidator, MinValueValidator
        from django_filters import utils

        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        for field in filterset.form.fields.values():
            if isinstance(field, forms.DecimalField | forms.IntegerField | forms.FloatField):
                field.validators += [MinValueValidator(-MAX_DB_INTEGER), MaxValueValidator(MAX_DB_INTEGER)]
            elif isinstance(field, forms.DateTimeField):
                # 9999-12-31T23:59-23:59 parses but overflows when converted to UTC for the query.
                field.validators += [MinValueValidator(EARLIEST_MOMENT), MaxValueValidator(LATEST_MOMENT)]
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs


class ScopedViewSetMixin:
    """Marks the view as handling its own authentication (no login redirect) and gives the acting user.

    ``required_code``: the permission code every action needs (``"cases.view"``); ``required_codes``: per
    action (``{"create": "cases.edit"}``) where they differ. Object scope is the selector's (404).
    Filtering is django-filter's (``filterset_class``); ordering is the paginator's (``ordering_fields``,
    ``ordering``: see ``loanlit.api.pagination``), so an ordering always ends with the primary key.
    """

    required_code: str | None = None
    required_codes: dict[str, str] = {}
    filter_backends = [ApiFilterBackend]
    schema = ApiAutoSchema()
    # Ids are positive 64-bit integers: anything else in the path is a 404 (never a database error).
    lookup_value_regex = "[0-9]{1,18}"

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        view = super().as_view(*args, **kwargs)  # type: ignore[misc]
        view.login_required = False  # DRF answers 401 itself; LoginRequiredMiddleware must not redirect
        return view

    def actor(self) -> Any:
        return self.request.user  # type: ignore[attr-defined]

    def filter_queryset(self, queryset: Any) -> Any:
        # A view listing django-filter's own backend still gets the bounded number filters (no overflow 500).
        for backend in list(self.filter_backends):  # type: ignore[attr-defined]
            if backend is DjangoFilterBackend:
                backend = ApiFilterBackend
            queryset = backend().filter_queryset(self.request, queryset, self)  # type: ignore[attr-defined]
        return queryset


class ReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class GenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Pick the actions with the mixins from rest_framework.mixins, implement writes with services."""


def not_allowed(message: str | None = None) -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied(message or _("You do not have permission to do this."))


def get_or_404(queryset: Any, **lookups: Any) -> Any:
    """The one row of a scoped queryset, or Http404 (out of scope looks like missing)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(queryset, **lookups)
