"""Approval objects on the authorization matrix's case (tests/test_authorization_matrix.py).

Built once per test world (memoised on it) through the services: a complaint uploaded by the system and
submitted by the case handler to the legal manager (``request``), and a second complaint not submitted
(``document``, for the submit form)."""

from __future__ import annotations

from typing import Any


def _memo(world: Any, name: str, build: Any) -> Any:
    cache = world.__dict__.setdefault("_approvals", {})
    if name not in cache:
        cache[name] = build()
    return cache[name]


def _complaint(world: Any, title: str) -> Any:
    from loanlit.documents import services
    from loanlit.documents.tests.support import pdf_bytes

    return services.document_add(
        actor=None,
        case=world.cw.case,
        category="complaint",
        title=title,
        filename=f"{title}.pdf",
        content=pdf_bytes(title),
    )


def document(world: Any) -> Any:
    """A complaint on the world's case, not submitted for approval."""
    return _memo(world, "document", lambda: _complaint(world, "Complaint draft"))


def request(world: Any) -> Any:
    """A pending request on the world's case: the case handler asked the legal manager (sequence)."""
    from loanlit.documents import services

    def build() -> Any:
        return services.document_submit_for_approval(
            actor=world.case_handler,
            document=_complaint(world, "Complaint"),
            approvers=[world.legal_manager],
        )

    return _memo(world, "request", build)
