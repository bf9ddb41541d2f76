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

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request

from loanlit.core.fields.money import MoneyField as ModelMoneyField
from loanlit.core.fields.money import RateField as ModelRateField


class MoneyField(serializers.DecimalField):
    """Money as a decimal string with two places ("1234.50"); more places or a float-looking exponent refused."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 17)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(**kwargs)


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


class ScopedViewSetMixin:
    """Marks the view as handling its own authentication (no login redirect) and gives the acting user.

    ``required_code``: the permission code every action needs (``"cases.view"``); ``required_codes``: per
    action (``{"create": "cases.edit"}``) where they differ. Object scope is the selector's (404).
    """

    required_code: str | None = None
    required_codes: dict[str, str] = {}

    @classmethod
    def as_view(cls, *args: Any, **kwargs: Any) -> Any:
        view = super().as_view(*args, **kwargs)  # type: ignore[misc]
        view.login_required = False  # DRF answers 401 itself; LoginRequiredMiddleware must not redirect
        return view

    def actor(self) -> Any:
        return self.request.user  # type: ignore[attr-defined]


class ReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Pick the actions with the mixins from rest_framework.mixins, implement writes with services."""


class GenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    pass


class ApiView(ScopedViewSetMixin):
    """Mixin for plain APIView subclasses (``class X(ApiView, APIView)``)."""


def decimal_or_none(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def not_allowed(message: str | None = None) -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied(message or _("You do not have permission to do this."))
