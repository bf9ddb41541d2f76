"""A case world with documents, for the documents tests and every app that builds on them (docgen,
batches, previews, approvals). Built through the services, as a user would.

``make_case_world()`` needs the database (call it from a test using the ``db`` or ``personas`` fixture)::

    world = make_case_world()
    document = add_pdf(world.case, world.handler)
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from loanlit.accounts.models import User
from loanlit.cases import services as cases
from loanlit.cases.models import Case
from loanlit.cases.tests import factories
from loanlit.core.models import Creditor, OrgUnit
from tests.support.personas import Personas, build_personas


@dataclass
class CaseWorld:
    personas: Personas
    creditor: Creditor
    branch_a: OrgUnit  # Beijing branch: the case's handling unit
    branch_b: OrgUnit  # Guangdong branch: out of scope for the handler, and the reverse
    handler: User  # case handler in branch A
    outsider: User  # case handler in branch B (same creditor)
    admin: User  # administrator at head office (sees and may purge everything of the creditor)
    case: Case


def make_case_world(personas: Personas | None = None, *, seq: int = 1, name: str = "Zhang San") -> CaseWorld:
    """Creditor A, a case at the Beijing branch handled by the personas' case handler."""
    personas = personas or build_personas()
    _borrower, loan = factories.borrower_loan(
        personas.creditor, personas.beijing, name=name, seq=seq, principal="100000.00", days_past_due=200
    )
    case = cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.case_handler,
    )
    return CaseWorld(
        personas=personas,
        creditor=personas.creditor,
        branch_a=personas.beijing,
        branch_b=personas.guangdong,
        handler=personas.case_handler,
        outsider=personas.outsider_branch,
        admin=personas.administrator,
        case=case,
    )


def case_in_branch_b(world: CaseWorld, *, seq: int = 2) -> Case:
    """A second case, handled at the Guangdong branch by the outsider (out of the handler's scope)."""
    personas = world.personas
    _, loan = factories.borrower_loan(personas.creditor, personas.guangdong, name="Li Si", seq=seq)
    return cases.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.guangdong,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.outsider_branch,
    )


def pdf_bytes(text: str = "Loanlit test document", pages: int = 1) -> bytes:
    """A small, valid PDF (correct xref offsets) with ``text`` in its text layer on every page."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    font_no = 3 + 2 * pages
    for i in range(pages):
        stream = f"BT /F1 18 Tf 72 720 Td ({text} {i + 1}) Tj ET".encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_no} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def png_bytes(width: int = 4, height: int = 3, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


def add_pdf(
    case: Case,
    actor: Any,
    *,
    title: str = "Loan contract",
    filename: str = "借款合同 (2024).pdf",
    category: str = "loan_contract",
    text: str = "Loanlit test document",
    pages: int = 1,
    **kwargs: Any,
):
    """A document on ``case`` whose first version is a real PDF (``pdf_bytes``); returns the Document."""
    from loanlit.documents import services

    return services.document_add(
        actor=actor,
        case=case,
        category=category,
        title=title,
        filename=filename,
        content=pdf_bytes(text, pages),
        **kwargs,
    )


def matrix_document(world: Any):
    """The authorization matrix's document: one PDF on the matrix world's case (``world.cw.case``), built once."""
    document = getattr(world, "_documents_store_document", None)
    if document is None:
        document = add_pdf(world.cw.case, None, title="Matrix document", filename="matrix.pdf")
        world._documents_store_document = document
    return document
