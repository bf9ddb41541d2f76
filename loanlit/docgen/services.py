"""Writes of the docgen app: templates and their versions, generating a case's documents.

* ``template_create`` / ``template_version_upload`` — a .docx is checked first (docxtpl parses it; every
  variable must be a known context name; no placeholder split across Word runs; no Jinja syntax
  error) and refused with a translated message naming the variable or the paragraph, nothing stored.
* ``document_generate`` — renders the template's current version for a case and stores the result
  through ``documents.services.document_add(source="generated")``, with the version used, the cut-off
  and (for element-style forms) every element as structured data (``GeneratedDocument``). Court
  documents carry full ID numbers, so it needs ``personal_data.unmask``; the read is access-logged.
* ``render_for_case`` — the same rendering, bytes only (batch filing packs).
* ``ensure_builtin_templates`` — idempotent seeding of the built-in templates (after ``migrate``).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.cases import access
from loanlit.cases.models import Case, Proceeding
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.docgen import pdf, specs
from loanlit.docgen.context import CONTEXT_NAMES, build_context
from loanlit.docgen.models import DocTemplate, DocTemplateVersion, GeneratedDocument
from loanlit.docgen.render import TemplateCheck, TemplateError, check_template, render_docx
from loanlit.documents.models import Document, DocumentCategory

__all__ = [
    "MAX_TEMPLATE_BYTES",
    "UNMASK",
    "Rendered",
    "document_generate",
    "ensure_builtin_templates",
    "render_for_case",
    "render_rendered",
    "template_create",
    "template_set_active",
    "template_version_upload",
    "version_content",
]

MAX_TEMPLATE_BYTES: Final = 20 * 1024 * 1024
UNMASK: Final = "personal_data.unmask"
MANAGE: Final = "admin.manage_reference_data"
BUILTIN_PREFIX: Final = "builtin:"
DOCX_TYPE: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

FULLWIDTH_SOLIDUS: Final = chr(0xFF0F)  # a "/" in a name would read as a folder in the stored file name


def _has(actor: Any, code: str) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.has_code(code))


def may_manage_templates(actor: Any) -> bool:
    return _has(actor, MANAGE)


def _require_manage(actor: Any) -> None:
    if not may_manage_templates(actor):
        raise PermissionDeniedError(_("Only administrators may manage document templates."), code="forbidden")


def _too_large() -> DomainError:
    return DomainError(
        _("A template may be at most %(mb)d MB.") % {"mb": MAX_TEMPLATE_BYTES // (1024 * 1024)}, code="too_large"
    )


def _read(content: Any) -> bytes:
    if isinstance(content, bytes | bytearray):
        if len(content) > MAX_TEMPLATE_BYTES:
            raise _too_large()
        return bytes(content)
    chunks = []
    total = 0
    for chunk in content.chunks() if hasattr(content, "chunks") else iter(lambda: content.read(65536), b""):
        total += len(chunk)
        if total > MAX_TEMPLATE_BYTES:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _check_message(check: TemplateCheck) -> str:
    if check.unreadable:
        return _("This file is not a Word document (.docx) that can be read.")
    if check.broken:
        return _(
            "A placeholder is split across Word runs or paragraphs (retype it in one go, without changing "
            "formatting inside the braces): %(paragraphs)s"
        ) % {"paragraphs": " | ".join(f"“{text}”" for text in check.broken)}
    if check.syntax:
        return _("The template has a syntax error: %(errors)s") % {
            "errors": " | ".join(f"{message} (“{text}”)" for message, text in check.syntax)
        }
    return _("The template uses unknown variables: %(names)s. See the list of variables for template authors.") % {
        "names": ", ".join(check.unknown)
    }


def _checked(content: Any) -> tuple[bytes, TemplateCheck]:
    data = _read(content)
    check = check_template(data, known=CONTEXT_NAMES)
    if not check.ok:
        raise DomainError(_check_message(check), code="template_invalid", params={"unknown": check.unknown})
    return data, check


def _clean_filename(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name.lower().endswith(".docx"):
        raise DomainError(_("Upload the template as a .docx file."), code="not_docx")
    return name[:255]


def _add_version(
    *,
    actor: Any,
    template: DocTemplate,
    filename: str,
    data: bytes,
    check: TemplateCheck,
    note: str,
    storage_name: str | None = None,
    audited: bool = True,
) -> DocTemplateVersion:
    sha = hashlib.sha256(data).hexdigest()
    last = template.versions.order_by("-number").first()
    number = (last.number if last else 0) + 1
    saved = None
    if storage_name is None:
        saved = default_storage.save(f"docgen/templates/{template.code}/v{number}-{sha[:16]}.docx", ContentFile(data))
        storage_name = saved
    try:
        template.versions.filter(is_current=True).update(is_current=False)
        version = DocTemplateVersion.objects.create(
            template=template,
            number=number,
            storage_name=storage_name,
            original_name=filename,
            size=len(data),
            sha256=sha,
            variables=check.variables,
            is_current=True,
            uploaded_by=actor if getattr(actor, "pk", None) else None,
            note=note[:500],
        )
        if audited:
            audit.record(
                actor=actor if getattr(actor, "pk", None) else None,
                action="docgen.template_version_added",
                target=version,
                changes={"template": template.code, "number": number, "sha256": sha, "variables": check.variables},
            )
    except Exception:
        if saved:
            default_storage.delete(saved)
        raise
    return version


@transaction.atomic
def template_create(
    *,
    actor: Any,
    code: str,
    name: str,
    category: DocumentCategory | str,
    filename: str,
    content: Any,
    cause_of_action: str = "",
    order: int = 100,
) -> DocTemplate:
    """A new (uploaded) template with its first version; refused and nothing stored when the file is broken."""
    _require_manage(actor)
    clean_name = _clean_filename(filename)
    code = (code or "").strip()
    if not code or DocTemplate.objects.filter(code=code).exists():
        raise DomainError(_("Choose a template code that is not used yet."), code="code")
    category_code = category.pk if isinstance(category, DocumentCategory) else category
    category_row = DocumentCategory.objects.filter(pk=category_code, is_active=True).first()
    if category_row is None:
        raise DomainError(_("Choose a document category."), code="category")
    data, check = _checked(content)
    template = DocTemplate.objects.create(
        code=code,
        name=name.strip()[:200] or code,
        category=category_row,
        cause_of_action=cause_of_action.strip()[:100],
        order=order,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(actor=actor, action="docgen.template_created", target=template, changes={"code": code})
    _add_version(actor=actor, template=template, filename=clean_name, data=data, check=check, note="")
    return template


@transaction.atomic
def template_version_upload(
    *, actor: Any, template: DocTemplate, filename: str, content: Any, note: str = ""
) -> DocTemplateVersion:
    """A new current version of ``template``; the older ones stay (documents name the version they used)."""
    _require_manage(actor)
    clean_name = _clean_filename(filename)
    data, check = _checked(content)
    locked = DocTemplate.objects.select_for_update().get(pk=template.pk)
    version = _add_version(actor=actor, template=locked, filename=clean_name, data=data, check=check, note=note)
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    return version


@transaction.atomic
def template_set_active(*, actor: Any, template: DocTemplate, active: bool) -> DocTemplate:
    _require_manage(actor)
    locked = DocTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.is_active != active:
        locked.is_active = active
        locked.version += 1
        locked.save(update_fields=["is_active", "version", "updated_at"])
        audit.record(
            actor=actor,
            action="docgen.template_active_changed",
            target=locked,
            changes={"active": [not active, active]},
        )
    return locked


_content_cache: dict[tuple[str, str], bytes] = {}


def version_content(version: DocTemplateVersion) -> bytes:
    """The .docx bytes of a version (built-in ones are read from the package and their hash checked).

    Checked bytes are kept in memory per (file, hash): a version never changes, and batch generation
    reads the same one thousands of times."""
    key = (version.storage_name, version.sha256)
    cached = _content_cache.get(key)
    if cached is not None:
        return cached
    if version.storage_name.startswith(BUILTIN_PREFIX):
        spec = specs.spec_for(version.storage_name[len(BUILTIN_PREFIX) :])
        data = specs.docx_path(spec).read_bytes() if spec else b""
    else:
        with default_storage.open(version.storage_name, "rb") as handle:
            data = handle.read()
    if hashlib.sha256(data).hexdigest() != version.sha256:
        raise DomainError(
            _("The stored file of template %(code)s version %(number)d is missing or altered.")
            % {"code": version.template.code, "number": version.number},
            code="template_altered",
        )
    if len(_content_cache) > 64:
        _content_cache.clear()
    _content_cache[key] = data
    return data


@transaction.atomic
def ensure_builtin_templates() -> int:
    """Create or update the built-in templates (idempotent); returns how many versions were added.

    A built-in whose shipped .docx changed gets a new version; its older versions stay on record, but
    only the shipped file can be read back (they were generated documents' sources, already stored).
    Not audited: built-ins are shipped with the code, like the reference data migrations seed (each
    version keeps the file's SHA-256); an administrator's upload is audited."""
    added = 0
    for spec in specs.builtin_specs():
        path = specs.docx_path(spec)
        if not path.exists():
            continue
        category = DocumentCategory.objects.filter(pk=spec["category"]).first()
        if category is None:
            continue
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        template = DocTemplate.objects.filter(code=spec["code"]).first()
        if template is None:
            template = DocTemplate.objects.create(
                code=spec["code"],
                name=spec["name"],
                category=category,
                cause_of_action=spec.get("cause_of_action", ""),
                builtin=True,
                order=spec["order"],
            )
        current = template.versions.filter(is_current=True).first()
        if current is not None and current.sha256 == sha:
            continue
        if current is not None and not current.storage_name.startswith(BUILTIN_PREFIX):
            continue  # an administrator uploaded a replacement: leave it current
        check = check_template(data, known=CONTEXT_NAMES)
        _add_version(
            actor=None,
            template=template,
            filename=spec["filename"],
            data=data,
            check=check,
            note="",
            storage_name=BUILTIN_PREFIX + spec["code"],
            audited=False,
        )
        added += 1
    return added


@dataclass(frozen=True)
class Rendered:
    content: bytes
    version: DocTemplateVersion
    elements: list[dict[str, Any]]
    cut_off: date | None
    filename: str


def _require_unmask(actor: Any, case: Case) -> None:
    if not _has(actor, UNMASK):
        audit.access_log(user=actor, action=audit.AccessAction.DENIED, target=case, detail={"needs": UNMASK})
        raise PermissionDeniedError(
            _("Generating court documents shows full identity numbers: you need the permission to see personal data."),
            code="forbidden",
        )


def _current(template_code: str) -> DocTemplateVersion:
    version = (
        DocTemplateVersion.objects.filter(template__code=template_code, template__is_active=True, is_current=True)
        .select_related("template__category")
        .first()
    )
    if version is None:
        raise DomainError(_("There is no active template %(code)s.") % {"code": template_code}, code="no_template")
    return version


def render_rendered(
    *,
    actor: Any,
    case: Case,
    template_code: str,
    cut_off: date | None = None,
    proceeding: Proceeding | None = None,
    with_elements: bool = True,
) -> Rendered:
    """Render the current version of ``template_code`` for ``case`` (permission-checked, read logged)."""
    if not access.can_view(actor, case):
        raise PermissionDeniedError(_("You cannot see this case."), code="forbidden")
    _require_unmask(actor, case)
    if proceeding is not None and proceeding.case_id != case.pk:
        raise DomainError(_("The proceeding is not one of this case's."), code="proceeding")
    version = _current(template_code)
    context = build_context(case=case, cut_off=cut_off, proceeding=proceeding, reveal=True)
    try:
        content = render_docx(version_content(version), context)
    except TemplateError as error:
        raise DomainError(
            _("The template could not be filled in: %(error)s") % {"error": error}, code="render_failed"
        ) from None
    spec = specs.spec_for(version.template.code) if version.storage_name.startswith(BUILTIN_PREFIX) else None
    elements = specs.elements(spec, context) if spec and with_elements else []
    audit.access_log(
        user=actor,
        action=audit.AccessAction.PERSONAL_DATA_READ,
        target=case,
        detail={"template": version.template.code, "version": version.number, "fields": ["id_number", "phone"]},
    )
    cut = date.fromisoformat(context["claim"]["cut_off_iso"])
    # A template name such as 法定代表人/负责人身份证明 must not read as a folder in the stored file name.
    stem = version.template.name.replace("/", FULLWIDTH_SOLIDUS)
    filename = f"{stem}-{case.internal_no}.docx"
    return Rendered(content=content, version=version, elements=elements, cut_off=cut, filename=filename)


def render_for_case(
    *, actor: Any, case: Case, template_code: str, cut_off: date | None = None, proceeding: Proceeding | None = None
) -> bytes:
    """The rendered .docx bytes for ``case`` (batch filing packs); nothing is stored."""
    return render_rendered(
        actor=actor,
        case=case,
        template_code=template_code,
        cut_off=cut_off,
        proceeding=proceeding,
        with_elements=False,
    ).content


def document_generate(
    *,
    actor: Any,
    case: Case,
    template_code: str,
    cut_off: date | None = None,
    proceeding: Proceeding | None = None,
    output: str = "docx",
) -> Document:
    """Render ``template_code`` for ``case`` and store it as a generated document of the case
    (``output="pdf"``: converted by LibreOffice first)."""
    from loanlit.documents import services as documents

    access.require_edit(actor, case)
    rendered = render_rendered(
        actor=actor, case=case, template_code=template_code, cut_off=cut_off, proceeding=proceeding
    )
    version = rendered.version
    content, filename = rendered.content, rendered.filename
    if output == "pdf":
        try:
            content = pdf.docx_to_pdf(content)
        except pdf.PdfUnavailable:
            raise DomainError(_("PDF output needs LibreOffice, which is not installed."), code="no_pdf") from None
        except pdf.PdfFailed:
            raise DomainError(_("The document could not be converted to PDF."), code="pdf_failed") from None
        filename = filename.removesuffix(".docx") + ".pdf"
    with transaction.atomic():
        document = documents.document_add(
            actor=actor,
            case=case,
            category=version.template.category,
            title=version.template.name,
            filename=filename,
            content=io.BytesIO(content),
            source=Document.Source.GENERATED,
            proceeding=proceeding,
        )
        GeneratedDocument.objects.create(
            document=document,
            case=case,
            template_version=version,
            cut_off=rendered.cut_off,
            elements=rendered.elements,
            generated_by=actor if getattr(actor, "pk", None) else None,
        )
        audit.record(
            actor=actor,
            action="docgen.document_generated",
            target=document,
            stream=audit.stream_key("case", case.pk),
            changes={
                "template": version.template.code,
                "template_version": version.number,
                "template_sha256": version.sha256,
                "cut_off": rendered.cut_off,
                "sha256": hashlib.sha256(content).hexdigest(),
                "output": output,
            },
        )
    return document
