"""Cursor pagination: stable under inserts, no COUNT(*) on large tables; ``?page_size=`` up to a cap."""

from __future__ import annotations

from django.conf import settings
from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    page_size_query_param = "page_size"
    ordering = "-pk"

    @property
    def max_page_size(self) -> int:  # type: ignore[override]
        return settings.API_MAX_PAGE_SIZE
