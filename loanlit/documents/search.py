"""Full-text search of documents, per database vendor, always within the user's scope.

The index is ``DocumentText.index_text`` (see ``text.py``): CJK bigrams and lower-cased tokens, personal
numbers as HMAC tokens. Per vendor (migration 0003):

* SQLite — an FTS5 table ``documents_text_fts`` with ``DocumentText`` as its external content, kept in
  step by triggers; queried with ``MATCH``.
* PostgreSQL — a GIN index on ``to_tsvector('simple', index_text)``; queried with ``@@``.
* anything else (MySQL/MariaDB) — ``LIKE`` on ``index_text``, one condition per token.

Only the current version of a document is searched, and never a document in the recycle bin.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from loanlit.documents.models import Document, DocumentText
from loanlit.documents.selectors import documents_visible_to
from loanlit.documents.text import query_tokens

__all__ = ["FTS_TABLE", "MAX_QUERY_TOKENS", "document_search_for_user", "index_rebuild", "vendor"]

FTS_TABLE = "documents_text_fts"
MAX_QUERY_TOKENS = 32  # a pasted paragraph is cut here rather than building a huge query


def vendor() -> str:
    return connections[DocumentText.objects.db].vendor


def _is_cjk_char(token: str) -> bool:
    return len(token) == 1 and not token.isascii()


def _text_match(tokens: list[str]) -> Q:
    """A condition on Document: its current version's text holds every token."""
    table = DocumentText._meta.db_table
    kind = vendor()
    if kind == "sqlite":
        # Tokens hold letters and digits only, so quoting each is enough; a lone CJK character is a
        # prefix of the bigrams it starts.
        match = " ".join(f'"{t}"*' if _is_cjk_char(t) else f'"{t}"' for t in tokens)
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 — constant names
        return Q(current_version__text__pk__in=RawSQL(sql, [match]))  # noqa: S611 — the query is a parameter
    if kind == "postgresql":
        query = " & ".join(f"{t}:*" if _is_cjk_char(t) else t for t in tokens)
        sql = (
            f"SELECT id FROM {table} "  # noqa: S608 — constant names; the query is a parameter
            "WHERE to_tsvector('simple'::regconfig, index_text) @@ to_tsquery('simple'::regconfig, %s)"
        )
        return Q(current_version__text__pk__in=RawSQL(sql, [query]))  # noqa: S611 — the query is a parameter
    condition = Q()
    for token in tokens:
        condition &= Q(current_version__text__index_text__contains=token)
    return condition


def document_search_for_user(*, user: Any, q: str, limit: int = 50) -> QuerySet[Document]:
    """Documents whose current text (or title) matches every word of ``q``, in cases ``user`` may see,
    outside the recycle bin (internal ones hidden from external lawyers); newest first. An empty or
    unsearchable ``q`` finds nothing."""
    q = (q or "").strip()
    tokens = query_tokens(q)[:MAX_QUERY_TOKENS]
    if not tokens:
        return Document.objects.none()
    condition = _text_match(tokens)
    if len(q) <= 200:
        condition |= Q(title__icontains=q)
    return (
        documents_visible_to(user)
        .filter(deleted_at__isnull=True)
        .filter(condition)
        .select_related("case", "category", "current_version")
        .order_by("-created_at", "-pk")[: max(0, limit)]
    )


def index_rebuild() -> None:
    """Rebuild the SQLite FTS5 table from ``DocumentText`` (after a restore, say); a no-op elsewhere,
    where the index follows the table by itself."""
    if vendor() != "sqlite":
        return
    with connections[DocumentText.objects.db].cursor() as cursor:
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608 — a constant
