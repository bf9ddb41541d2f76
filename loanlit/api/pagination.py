"""Cursor pagination: stable under inserts, no COUNT(*) on large tables; ``?page_size=`` up to a cap.

DRF's own ``CursorPagination`` keeps only the first ordering field in the cursor and counts an offset among
rows with the same value: with a non-unique field (``opened_on``: many cases a day) a page can repeat or skip
rows when rows are added between two requests. Here the cursor carries the values of *every* ordering field
and the ordering always ends with the primary key, so the next page is the keyset condition
``(opened_on, id) < (last.opened_on, last.id)`` — exact however many rows share a date, and one index range
scan when the ordering matches an index (each resource lists only indexed or unique fields in
``ordering_fields``; ``?ordering=`` takes one of them, ``-`` for descending; anything else is a 400).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

from django.conf import settings
from django.db.models import F, Model, Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response

PK_NAMES = frozenset({"pk", "id"})


def _encode_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    return value


class CursorPagination(pagination.BasePagination):
    """``{"next": url | null, "previous": url | null, "results": [...]}`` over a keyset cursor."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering = "-pk"  # the default when the view names none
    ordering_param = "ordering"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    @property
    def page_size(self) -> int:
        size = settings.REST_FRAMEWORK.get("PAGE_SIZE")
        return size if isinstance(size, int) and size > 0 else int(settings.API_PAGE_SIZE)

    # --- parsing -------------------------------------------------------------------------------------------

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError({self.page_size_query_param: [_("Send a whole number from 1.")]})
        return min(size, self.max_page_size)

    def get_ordering(self, request: Request, queryset: QuerySet, view: Any) -> tuple[str, ...]:
        """The requested (or the view's default) ordering, always ending with the primary key."""
        allowed = list(getattr(view, "ordering_fields", None) or [])
        raw = request.query_params.get(self.ordering_param, "").strip()
        if raw:
            name = raw.removeprefix("-")
            if "," in raw or name not in allowed:
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            _("Order by one of: %(fields)s (prefix - for descending).") % {"fields": ", ".join(allowed)}
                        ]
                    }
                )
            terms: list[str] = [raw]
        else:
            default = getattr(view, "ordering", None) or self.ordering
            terms = [default] if isinstance(default, str) else list(default)
        first_descending = terms[0].startswith("-")
        if terms[-1].removeprefix("-") not in PK_NAMES:
            terms.append("-pk" if first_descending else "pk")
        return tuple("-pk" if t == "-id" else "pk" if t == "id" else t for t in terms)

    def decode_cursor(self, request: Request) -> tuple[list[Any], bool] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
            values, reverse = data["v"], bool(data.get("r"))
            if not isinstance(values, list):
                raise ValueError
        except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
            raise exceptions.ValidationError({self.cursor_query_param: [_("The cursor is not valid.")]}) from None
        return values, reverse

    def encode_cursor(self, values: list[Any], *, reverse: bool) -> str:
        payload: dict[str, Any] = {"v": [_encode_value(v) for v in values]}
        if reverse:
            payload["r"] = 1
        raw = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    # --- the keyset ----------------------------------------------------------------------------------------

    @staticmethod
    def _field(model: Any, term: str) -> Any:
        name = term.removeprefix("-")
        return model._meta.pk if name == "pk" else model._meta.get_field(name)

    def _order_by(self, model: Any, ordering: tuple[str, ...]) -> list[Any]:
        """``order_by`` terms; a nullable field sorts NULL as its smallest value on every database (SQLite and
        PostgreSQL disagree by default), so the keyset below stays exact. Non-null fields keep the plain term,
        which an index serves."""
        terms: list[Any] = []
        for term in ordering:
            field = self._field(model, term)
            if not getattr(field, "null", False):
                terms.append(term)
            elif term.startswith("-"):
                terms.append(F(term[1:]).desc(nulls_last=True))
            else:
                terms.append(F(term).asc(nulls_first=True))
        return terms

    def _boundary(self, queryset: QuerySet, ordering: tuple[str, ...], values: list[Any]) -> Q:
        """Rows strictly after ``values`` in ``ordering``: (a, b) > (x, y) as ``a > x OR (a = x AND b > y)``,
        with NULL the smallest value of a nullable field."""
        if len(values) != len(ordering):
            raise exceptions.ValidationError({self.cursor_query_param: [_("The cursor is not valid.")]})
        model = queryset.model
        typed: list[Any] = []
        for term, value in zip(ordering, values, strict=True):
            field = self._field(model, term)
            try:
                typed.append(None if value is None and field.null else field.to_python(value))
            except Exception:  # any conversion error is a tampered cursor
                raise exceptions.ValidationError({self.cursor_query_param: [_("The cursor is not valid.")]}) from None
            if typed[-1] is None and not field.null:
                raise exceptions.ValidationError({self.cursor_query_param: [_("The cursor is not valid.")]})
        condition = Q(pk__in=[])
        equal = Q()
        for term, value in zip(ordering, typed, strict=True):
            name = term.removeprefix("-")
            if term.startswith("-"):
                strict = Q(pk__in=[]) if value is None else Q(**{f"{name}__lt": value})
                if value is not None and self._field(model, term).null:
                    strict |= Q(**{f"{name}__isnull": True})
            else:
                strict = Q(**{f"{name}__isnull": False}) if value is None else Q(**{f"{name}__gt": value})
            condition |= equal & strict
            equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
        return condition

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        self.page_size_now = self.get_page_size(request)
        self.ordering_now = self.get_ordering(request, queryset, view)
        cursor = self.decode_cursor(request)
        reverse = bool(cursor and cursor[1])
        ordering = self.ordering_now
        if reverse:
            ordering = tuple(t.removeprefix("-") if t.startswith("-") else f"-{t}" for t in ordering)
        qs = queryset.order_by(*self._order_by(queryset.model, ordering))
        if cursor is not None:
            qs = qs.filter(self._boundary(queryset, ordering, cursor[0]))
        rows = list(qs[: self.page_size_now + 1])
        has_more = len(rows) > self.page_size_now
        page = rows[: self.page_size_now]
        if reverse:
            page.reverse()
            self.has_next, self.has_previous = True, has_more
        else:
            self.has_next, self.has_previous = has_more, cursor is not None
        self.page = page
        return page

    def _position(self, item: Any) -> list[Any]:
        values = []
        for term in self.ordering_now:
            name = term.removeprefix("-")
            values.append(item.pk if name == "pk" else getattr(item, name))
        return values

    def _link(self, token: str) -> str:
        url = self.request.build_absolute_uri()
        parts = urlparse(url)
        query = parse_qs(parts.query, keep_blank_values=True)
        query[self.cursor_query_param] = [token]
        return urlunparse(parts._replace(query=urlencode(query, doseq=True)))

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self._link(self.encode_cursor(self._position(self.page[-1]), reverse=False))

    def get_previous_link(self) -> str | None:
        if not self.has_previous or not self.page:
            return None
        return self._link(self.encode_cursor(self._position(self.page[0]), reverse=True))

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)])
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        params = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The cursor from the previous answer's next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
        if fields:
            params.append(
                {
                    "name": self.ordering_param,
                    "required": False,
                    "in": "query",
                    "description": "Order by one field; prefix - for descending.",
                    "schema": {"type": "string", "enum": [p + f for f in fields for p in ("", "-")]},
                }
            )
        return params


class NoOrderingFilter(OrderingFilter):
    """Placeholder kept for views that list ``ordering_fields``: the paginator orders (see above)."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        return queryset

    def get_schema_operation_parameters(self, view: Any) -> list:
        return []
