"""The case file: documents, their versions (nothing overwritten), rendered preview pages and text."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from loanlit.core.models import TimeStampedModel, VersionedModel

__all__ = ["Document", "DocumentCategory", "DocumentText", "DocumentVersion", "PreviewPage"]


# Labels of the built-in categories (seeded by migration 0002_seed_categories) are English msgids in this
# context, so "Judgment" the document (判决书) does not take the translation of "Judgment" the decision.
CATEGORY_CONTEXT = "document category"
BUILTIN_LABELS = (
    pgettext_lazy("document category", "Complaint"),
    pgettext_lazy("document category", "Evidence"),
    pgettext_lazy("document category", "Loan contract"),
    pgettext_lazy("document category", "IOU"),
    pgettext_lazy("document category", "Repayment record"),
    pgettext_lazy("document category", "Summons"),
    pgettext_lazy("document category", "Judgment"),
    pgettext_lazy("document category", "Ruling"),
    pgettext_lazy("document category", "Mediation statement"),
    pgettext_lazy("document category", "Enforcement application"),
    pgettext_lazy("document category", "Lawyer's letter"),
    pgettext_lazy("document category", "Fee receipt"),
    pgettext_lazy("document category", "Other"),
)


class DocumentCategory(models.Model):
    """起诉状, 证据, 借款合同 … (seeded; administrators add more). ``code`` is stable, ``label`` shown."""

    code = models.SlugField(_("code"), max_length=40, primary_key=True)
    label = models.CharField(_("label"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    builtin = models.BooleanField(_("built in"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("document category")
        verbose_name_plural = _("document categories")

    def __str__(self) -> str:
        # Built-in labels are English msgids (seeded in 0002_seed_categories); added ones show as typed.
        return pgettext(CATEGORY_CONTEXT, self.label) if self.label else self.code


class Document(VersionedModel):
    """One document of a case (optionally of one proceeding). Its content lives in versions; the
    current one is ``current_version``. Deleting moves it to the recycle bin (``deleted_at``)."""

    class Source(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        GENERATED = "generated", _("Generated")
        COURT = "court", _("Received from court")

    class Approval(models.TextChoices):
        NONE = "", _("Not submitted")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="documents")
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    category = models.ForeignKey(
        DocumentCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=200)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.UPLOADED)
    current_version = models.ForeignKey(
        "documents.DocumentVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The approval state of the current version (approvals.py keeps the requests and decisions).
    approval = models.CharField(_("approval"), max_length=16, choices=Approval.choices, default="", blank=True)
    locked = models.BooleanField(_("locked (approved)"), default=False)
    # Bank staff only: hidden from external lawyers on every read path (selectors.visible_documents).
    internal = models.BooleanField(
        _("internal"), default=False, help_text=_("Bank staff only: hidden from external lawyers.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    deleted_at = models.DateTimeField(_("moved to the recycle bin at"), null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [models.Index(fields=["case", "deleted_at"], name="documents_case_bin_idx")]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(TimeStampedModel):
    """One file of a document. ``sha256`` is computed while the upload streams to storage; the stored
    name is ours (``storage_name``), the user's file name is kept exactly in ``original_name``."""

    class Preview(models.TextChoices):
        PENDING = "pending", _("Preview pending")
        READY = "ready", _("Preview ready")
        FAILED = "failed", _("Preview failed")
        UNSUPPORTED = "unsupported", _("No preview for this type")

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    storage_name = models.CharField(_("stored file"), max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    # Detected from the content (magic bytes), not from the name or the browser's claim.
    content_type = models.CharField(_("content type"), max_length=100)
    # False for HTML, SVG, scripts, executables and anything unknown: always sent as an attachment.
    inline_safe = models.BooleanField(_("may be shown inline"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    preview_status = models.CharField(_("preview"), max_length=16, choices=Preview.choices, default=Preview.PENDING)
    preview_pages = models.PositiveIntegerField(_("preview pages"), default=0)
    preview_error = models.CharField(_("preview error"), max_length=500, blank=True)
    text_extracted = models.BooleanField(_("text extracted"), default=False)

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="documents_version_number_uniq")]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.number})"


class PreviewPage(models.Model):
    """A rendered PNG page of a version (cached in storage under ``storage_name``)."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="preview_page_rows")
    page = models.PositiveIntegerField()
    storage_name = models.CharField(max_length=500)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "page"], name="documents_preview_page_uniq")]

    def __str__(self) -> str:
        return f"{self.version_id}/{self.page}"


class DocumentText(models.Model):
    """The text of a version (PDF text layer, .docx), with ID and mobile numbers replaced by their HMAC
    tokens; ``index_text`` is what the search index holds (CJK bigrams plus ASCII tokens)."""

    version = models.OneToOneField(DocumentVersion, on_delete=models.CASCADE, related_name="text")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    index_text = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"text of {self.version_id}"
