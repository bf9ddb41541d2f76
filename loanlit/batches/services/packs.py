"""Filing packs (起诉材料) for a batch's included cases, and per-court packages (a zip per court).

A case's pack is generated through docgen (``docgen.services.document_generate``): the complaint for
its cause of action (the element-style form where one exists, else the narrative complaint), the
evidence list, the address-for-service confirmation, the power of attorney and the responsible
person's certificate — each stored in the case file as a generated document. Before that the
first-instance proceeding is prepared (court from screening; plaintiff; the borrowers and the
guarantors still within their guarantee period as defendants), so the documents name the court.

One case's failure never stops the batch: it is recorded on the item with its reason.

A court package is a zip of the court's included items with a generated pack: one folder per case
(``<internal no.> <borrower>``) holding the pack and the evidence files under their own (Chinese)
names, plus a list sheet (xlsx). Python's zipfile marks non-ASCII names as UTF-8 (flag bit 11).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import IO, Any, Final

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.batches import screening
from loanlit.batches.models import Batch, BatchItem
from loanlit.batches.services.batches import batch_stream, lock_batch, require_batch
from loanlit.cases import services as cases
from loanlit.cases.models import Case, Proceeding, ProceedingParty
from loanlit.core.errors import DomainError
from loanlit.core.watermark import xlsx_watermark_openpyxl
from loanlit.documents.models import Document
from loanlit.documents.storage import open_stored
from loanlit.loans.models import GuaranteeContract, LoanParty
from loanlit.parties.models import Party

NARRATIVE_COMPLAINT: Final = "complaint_narrative"
PACK_TEMPLATES: Final = (
    "evidence_list",
    "service_address_confirmation",
    "power_of_attorney",
    "responsible_person_certificate",
)
logger = logging.getLogger(__name__)
_UNSAFE: Final = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def complaint_template(case: Case) -> str:
    """The element-style complaint for the case's cause of action where docgen has one, else the narrative."""
    from loanlit.docgen.models import DocTemplate

    template = (
        DocTemplate.objects.filter(category_id="complaint", is_active=True, cause_of_action=case.cause_of_action)
        .exclude(cause_of_action="")
        .order_by("order", "pk")
        .first()
    )
    return template.code if template is not None else NARRATIVE_COMPLAINT


def pack_templates(case: Case) -> list[str]:
    return [complaint_template(case), *PACK_TEMPLATES]


# --- defendants and the proceeding ---------------------------------------------------------------


def _defendants(case: Case, excluded: set[int]) -> list[tuple[Party, str]]:
    loan_ids = list(case.case_loans.filter(active=True).values_list("loan_id", flat=True))
    found: dict[int, tuple[Party, str]] = {}
    links = LoanParty.objects.filter(loan_id__in=loan_ids).select_related("party").order_by("loan_id", "position")
    for link in links:
        found.setdefault(link.party_id, (link.party, ProceedingParty.Role.DEFENDANT))
    guarantees = GuaranteeContract.objects.filter(loans__in=loan_ids).select_related("guarantor").distinct()
    for contract in guarantees.order_by("pk"):
        if contract.guarantor_id not in excluded:
            found.setdefault(contract.guarantor_id, (contract.guarantor, ProceedingParty.Role.GUARANTOR_DEFENDANT))
    return list(found.values())


def pack_problems(case: Case, defendants: list[tuple[Party, str]]) -> list[str]:
    """What a court would refuse the complaint for (translated): no plaintiff name, an unidentified defendant."""
    problems = []
    unit, creditor = case.handling_unit, case.creditor
    if not (unit.legal_name or creditor.legal_name):
        problems.append(_("The suing unit has no legal name on file."))
    if not defendants:
        problems.append(_("The case has no defendant."))
    for party, _role in defendants:
        if party.kind == Party.Kind.COMPANY:
            if not party.uscc:
                problems.append(_("%(name)s has no unified social credit code on file.") % {"name": party.name})
        elif not (party.id_number or party.document_number):
            problems.append(_("%(name)s has no identity document number on file.") % {"name": party.name})
    return problems


def _prepare_proceeding(actor: Any, item: BatchItem, defendants: list[tuple[Party, str]]) -> Proceeding:
    """The case's pending first-instance proceeding before the item's court (opened when there is none)."""
    case = item.case
    assert case is not None and item.court is not None
    pending = (
        Proceeding.objects.filter(case=case, kind=Proceeding.Kind.FIRST_INSTANCE, is_active=True, court_case_number="")
        .order_by("-pk")
        .first()
    )
    if pending is not None:
        if pending.court_id != item.court_id:
            pending = cases.proceeding_update(
                actor=actor, proceeding=pending, version=pending.version, court=item.court
            )
        proceeding = pending
    else:
        proceeding = cases.proceeding_open(
            actor=actor, case=case, kind=Proceeding.Kind.FIRST_INSTANCE, court=item.court
        )
    present = set(ProceedingParty.objects.filter(proceeding=proceeding).values_list("party_id", "role"))
    has_plaintiff = ProceedingParty.objects.filter(proceeding=proceeding, role=ProceedingParty.Role.PLAINTIFF).exists()
    if not has_plaintiff:
        cases.proceeding_party_add(
            actor=actor, proceeding=proceeding, role=ProceedingParty.Role.PLAINTIFF, unit=case.handling_unit
        )
    for party, role in defendants:
        if (party.pk, role) not in present:
            cases.proceeding_party_add(actor=actor, proceeding=proceeding, role=role, party=party)
    return proceeding


@transaction.atomic
def item_generate_pack(*, actor: Any, item: BatchItem, cut_off: date | None = None) -> list[Document]:
    """Generate one included case's filing pack through docgen; refuses (DomainError) without writing."""
    from loanlit.docgen import services as docgen

    require_batch(actor, item.batch)
    if item.status != BatchItem.Status.INCLUDED or item.case is None:
        raise DomainError(_("Only an included case gets a filing pack."), code="not_included")
    if item.court is None:
        raise DomainError(_("Choose the court first."), code="court_required")
    case = Case.objects.select_related("handling_unit", "creditor").get(pk=item.case.pk)
    defendants = _defendants(case, {entry["party"] for entry in item.excluded_parties})
    problems = pack_problems(case, defendants)
    if problems:
        raise DomainError(" ".join(problems), code="pack_data_missing")
    proceeding = _prepare_proceeding(actor, item, defendants)
    documents = [
        docgen.document_generate(actor=actor, case=case, template_code=code, cut_off=cut_off, proceeding=proceeding)
        for code in pack_templates(case)
    ]
    item.pack_state = BatchItem.PackState.GENERATED
    item.pack_error = ""
    item.pack_documents = [document.pk for document in documents]
    item.proceeding = proceeding
    item.save(update_fields=["pack_state", "pack_error", "pack_documents", "proceeding"])
    audit.record(
        actor=actor,
        action="batch.pack_generated",
        target=item.batch,
        stream=batch_stream(item.batch),
        changes={"item": item.pk, "case": case.pk, "documents": item.pack_documents},
    )
    return documents


def _record_failure(item: BatchItem, message: str) -> None:
    BatchItem.objects.filter(pk=item.pk).update(
        pack_state=BatchItem.PackState.FAILED, pack_error=message[:500], pack_documents=[]
    )


def batch_generate_packs(
    *,
    actor: Any,
    batch: Batch,
    cut_off: date | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_error: Callable[[BatchItem, str], None] | None = None,
    regenerate: bool = False,
) -> dict[str, int]:
    """Generate the pack of every included case (not yet generated unless ``regenerate``); each case in
    its own transaction, a failure recorded on its item and the batch going on."""
    require_batch(actor, batch)
    items = list(
        batch.items.filter(status=BatchItem.Status.INCLUDED, court_case_number="")
        .select_related("batch", "case", "court")
        .order_by("pk")
    )
    if not regenerate:
        items = [item for item in items if item.pack_state != BatchItem.PackState.GENERATED]
    counts = {"generated": 0, "failed": 0}
    for done, item in enumerate(items, start=1):
        try:
            item_generate_pack(actor=actor, item=item, cut_off=cut_off)
            counts["generated"] += 1
        except Exception as error:  # one case's failure never stops the batch
            if isinstance(error, DomainError):
                message = error.message
            else:
                logger.exception("Filing pack of batch item %s failed", item.pk)
                message = _("The filing pack could not be generated (%(error)s).") % {"error": type(error).__name__}
            counts["failed"] += 1
            _record_failure(item, message)
            if on_error is not None:
                on_error(item, message)
        if on_progress is not None:
            on_progress(done, len(items))
    with transaction.atomic():
        locked = lock_batch(batch.pk)
        if counts["generated"]:
            locked.state = Batch.State.PACKS
            locked.version += 1
            locked.save(update_fields=["state", "version", "updated_at"])
        audit.record(
            actor=actor, action="batch.packs_generated", target=locked, stream=batch_stream(locked), changes=counts
        )
    return counts


# --- per-court packages ----------------------------------------------------------------------------


def safe_name(text: str) -> str:
    """A file or folder name any unzip tool accepts: path separators and reserved characters replaced."""
    return _UNSAFE.sub("_", text).strip(" .") or "_"


def _borrower_name(case: Case) -> str:
    link = (
        LoanParty.objects.filter(loan__case_links__case=case, loan__case_links__active=True, role="borrower")
        .select_related("party")
        .order_by("loan_id", "position", "pk")
        .first()
    )
    return link.party.name if link is not None else ""


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        taken.add(name)
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    n = 2
    while True:
        candidate = f"{stem} ({n}).{suffix}" if dot else f"{stem} ({n})"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
        n += 1


def package_items(*, batch: Batch, court_id: int) -> list[BatchItem]:
    return list(
        batch.items.select_related("case", "court")
        .order_by("pk")
        .filter(status=BatchItem.Status.INCLUDED, court_id=court_id, pack_state=BatchItem.PackState.GENERATED)
    )


def _documents_of(item: BatchItem) -> list[Document]:
    """The pack (in pack order), then the required evidence of the case file."""
    pack = {
        d.pk: d
        for d in Document.objects.filter(pk__in=item.pack_documents, deleted_at__isnull=True).select_related(
            "current_version"
        )
    }
    ordered = [pack[pk] for pk in item.pack_documents if pk in pack and pack[pk].current_version_id]
    evidence = (
        Document.objects.filter(
            case=item.case,
            deleted_at__isnull=True,
            current_version__isnull=False,
            category_id__in=screening.REQUIRED_EVIDENCE,
        )
        .select_related("current_version")
        .order_by("category__order", "pk")
    )
    return ordered + [d for d in evidence if d.pk not in pack]


def list_sheet(rows: list[tuple[str, str, Decimal, list[str]]], *, watermark: str = "") -> bytes:
    """The package's list sheet: case no., borrower, claim amount (to the cent), documents; ``watermark``
    (loanlit.core.watermark) in the page header and properties."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Cases")[:31]
    sheet.append([_("Internal case number"), _("Borrower"), _("Claim amount"), _("Documents")])
    for internal_no, borrower, amount, names in rows:
        sheet.append([internal_no, borrower, amount, "\n".join(names)])
        sheet.cell(row=sheet.max_row, column=3).number_format = "#,##0.00"
    for column, width in zip("ABCD", (24, 20, 16, 60), strict=True):
        sheet.column_dimensions[column].width = width
    if watermark:
        xlsx_watermark_openpyxl(book, watermark)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def list_sheet_name() -> str:
    return _("case list") + ".xlsx"


def court_package(*, batch: Batch, court_id: int, out: IO[bytes], watermark: str = "") -> dict[str, Any]:
    """Write the court's package (zip) to ``out``; returns what it holds. ``watermark`` stamps the list sheet;
    the filed documents go to the court as they are."""
    items = package_items(batch=batch, court_id=court_id)
    folders: set[str] = set()
    rows: list[tuple[str, str, Decimal, list[str]]] = []
    members = 0
    stamp = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            assert item.case is not None
            borrower = _borrower_name(item.case)
            folder = _unique(safe_name(f"{item.case.internal_no} {borrower}".strip()), folders)
            names: set[str] = set()
            listed = []
            for document in _documents_of(item):
                version = document.current_version
                assert version is not None
                name = _unique(safe_name(version.original_name), names)
                info = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)  # type: ignore[arg-type]
                info.compress_type = zipfile.ZIP_DEFLATED
                with open_stored(version.storage_name) as source, archive.open(info, "w") as target:
                    while chunk := source.read(1024 * 1024):
                        target.write(chunk)
                listed.append(name)
                members += 1
            rows.append((item.case.internal_no, borrower, item.claim_amount, listed))
        sheet = zipfile.ZipInfo(list_sheet_name(), date_time=stamp)  # type: ignore[arg-type]
        sheet.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(sheet, list_sheet(rows, watermark=watermark))
    return {"cases": len(items), "documents": members}


def package_file_name(batch: Batch, court_name: str) -> str:
    return safe_name(f"{batch.name} {court_name}") + ".zip"
