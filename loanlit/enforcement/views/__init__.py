"""Enforcement pages (package: read pages, write forms, shared helpers)."""

from loanlit.enforcement.views import edits, pages

__all__ = ["edits", "pages"]
