"""An import: the uploaded file, what was found in it, the mapping chosen, and one row per source row.

Personal data never sits in clear: the uploaded file is stored encrypted (``core.crypto``, context
``imports.file``) and each row's converted values, diff and conflicts are one encrypted JSON envelope
(context ``imports.row``). Counts, statuses and the rendered-on-demand errors are in clear.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import VersionedModel


class ImportBatch(VersionedModel):
    class Status(models.TextChoices):
        ANALYSING = "analysing", _("Reading the file")
        MAPPING = "mapping", _("Map the columns")
        VALIDATING = "validating", _("Checking the rows")
        PREVIEW = "preview", _("Ready to import")
        COMMITTING = "committing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Grouping(models.TextChoices):
        CONTRACT = "contract", _("One case per contract")
        BORROWER = "borrower", _("One case per borrower")

    creditor = models.ForeignKey("core.Creditor", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "core.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("default handling unit")
    )
    kind = models.CharField(_("import kind"), max_length=30)  # "loans" | "snapshots" | "progress"
    preset = models.CharField(_("preset"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ANALYSING)

    # The file
    file_name = models.CharField(_("file name"), max_length=255)
    file_path = models.CharField(max_length=500, blank=True)  # under MEDIA_ROOT/imports/, encrypted
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    file_size = models.PositiveBigIntegerField(default=0)
    format = models.CharField(_("format"), max_length=10, blank=True)  # xlsx | xlsm | csv | tsv
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    encoding_reason = models.CharField(max_length=20, blank=True)
    encoding_override = models.CharField(max_length=30, blank=True)
    sheet_name = models.CharField(_("sheet"), max_length=100, blank=True)
    sheet_names = models.JSONField(default=list, blank=True)
    date1904 = models.BooleanField(default=False)
    header_row = models.PositiveIntegerField(null=True, blank=True)  # 1-based
    headers = models.JSONField(default=list, blank=True)  # raw headers as in the file
    duplicate_headers = models.JSONField(default=dict, blank=True)
    merged_ranges = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)  # file-level warnings (translated when found)
    row_count = models.PositiveIntegerField(default=0)

    # The user's choices
    suggested_mapping = models.JSONField(default=dict, blank=True)  # field key → column index
    mapping = models.JSONField(default=dict, blank=True)  # field key → column index
    options = models.JSONField(default=dict, blank=True)  # grouping, overwrite, as_of …
    duplicate_choices = models.JSONField(default=dict, blank=True)  # key → kept row number or null

    # Outcome
    counts = models.JSONField(default=dict, blank=True)  # RowStatus value → rows
    result = models.JSONField(default=dict, blank=True)  # created / updated / unchanged / cases_opened …
    error_message = models.TextField(_("error"), blank=True)  # why the batch FAILED, translated
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["created_by", "-created_at"]), models.Index(fields=["creditor", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"


class ImportRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()  # the row number in the file
    status = models.CharField(max_length=12, db_index=True)  # kinds.base.RowStatus
    key = models.CharField(max_length=100, blank=True)  # identity inside the file (normalised contract no.)
    # Encrypted JSON (services.rows): converted values, diff, conflicts. The source cells are not kept: the
    # error report reads them again from the stored file.
    payload = models.TextField(blank=True)
    errors = models.JSONField(default=list, blank=True)  # [RowError.as_json()]
    # Keys of the fields in conflict (a user changed them since the last import), in clear so the preview
    # finds conflicting rows without decrypting every payload; the values stay in the payload.
    conflict_fields = models.JSONField(default=list, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    committed = models.BooleanField(default=False)  # written by the commit (resume skips it)
    result = models.JSONField(default=dict, blank=True)  # {"loan": id, "case": id …}

    class Meta:
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="import_row_unique_number")]
        indexes = [models.Index(fields=["batch", "status"]), models.Index(fields=["batch", "key"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number}"


class DropFolder(VersionedModel):
    """A watched sub-folder of ``settings.DROP_ROOT`` whose files are imported with one kind and preset.

    Files are imported as ``run_as`` (a service account: its permissions and unit scope apply, as if it
    ran the import on the command line) for ``creditor``, with ``unit`` as the default handling unit.
    ``scan_state`` keeps what the previous scan saw of each waiting file (name → [size, mtime_ns]): a file
    is taken only when a scan finds it unchanged (or with a ``<name>.done`` marker). See docs/integration.md.
    """

    class OnRowErrors(models.TextChoices):
        REJECT = "reject", _("Import nothing from a file with row errors")
        IMPORT_VALID = "import_valid", _("Import the valid rows, report the others")

    name = models.CharField(_("name"), max_length=100, unique=True)
    path = models.CharField(
        _("sub-folder"),
        max_length=200,
        unique=True,
        help_text=_("A folder inside the drop root, e.g. core-banking/balances."),
    )
    kind = models.CharField(_("import kind"), max_length=30)
    preset = models.CharField(_("preset"), max_length=60, blank=True)
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("default handling unit"), on_delete=models.PROTECT, related_name="+"
    )
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("runs as"), on_delete=models.PROTECT, related_name="+"
    )
    on_row_errors = models.CharField(
        _("rows with errors"), max_length=20, choices=OnRowErrors.choices, default=OnRowErrors.REJECT
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    scan_state = models.JSONField(default=dict, blank=True)
    last_scan_at = models.DateTimeField(_("last scanned"), null=True, blank=True)
    last_error = models.CharField(_("last problem"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("drop folder")
        verbose_name_plural = _("drop folders")

    def __str__(self) -> str:
        return self.name


class DropFile(models.Model):
    """One file taken from a drop folder: its content hash (never imported twice), state and result."""

    class State(models.TextChoices):
        PROCESSING = "processing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    folder = models.ForeignKey(
        DropFolder, verbose_name=_("drop folder"), on_delete=models.CASCADE, related_name="files"
    )
    name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=255, blank=True)  # the name in processing/, processed/ or failed/
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PROCESSING)
    # The synchronous path (import_file, as on the command line) stages no ImportBatch; kept for a folder
    # that would go through the staged pipeline.
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.JSONField(_("result"), default=dict, blank=True)  # the .result.json content
    error_message = models.TextField(_("reason"), blank=True)
    taken_at = models.DateTimeField(_("taken at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        verbose_name = _("dropped file")
        verbose_name_plural = _("dropped files")
        constraints = [models.UniqueConstraint(fields=["folder", "sha256"], name="imports_dropfile_once")]
        indexes = [models.Index(fields=["folder", "-taken_at"], name="imports_dropfile_recent")]

    def __str__(self) -> str:
        return f"{self.folder_id}:{self.name}"
