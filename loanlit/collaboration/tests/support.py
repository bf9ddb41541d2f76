"""A case world for the collaboration tests: the Beijing case of ``build_case_world``, placed with a panel
firm the personas' external lawyer works for (so the lawyer sees the case, but never internal comments)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loanlit.cases import services as cases
from loanlit.cases.models import Case, LawFirm
from loanlit.cases.tests.views_support import CaseWorld, build_case_world


@dataclass
class CollabWorld:
    personas: Any
    cw: CaseWorld
    case: Case
    firm: LawFirm


def collab_world(personas: Any) -> CollabWorld:
    cw = build_case_world(personas)
    firm = cases.law_firm_create(actor=None, name="Panel Firm", creditors=[personas.creditor])
    cases.law_firm_member_add(actor=None, law_firm=firm, user=personas.external_lawyer)
    cases.case_place_with_firm(actor=None, case=cw.case, law_firm=firm, version=cw.case.version)
    cw.case.refresh_from_db()
    return CollabWorld(personas=personas, cw=cw, case=cw.case, firm=firm)


def matrix_comment(world: Any) -> Any:
    """The matrix world's comment: internal, by the case handler, on the world's case (built once per world)."""
    from loanlit.collaboration import services

    comment = getattr(world, "_collab_comment", None)
    if comment is None:
        comment = services.comment_post(actor=world.case_handler, case=world.cw.case, body="Matrix comment")
        world._collab_comment = comment
    return comment
