"""Reference data every domain app builds on: organisation units and creditors."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """Optimistic versioning: services compare the version a form was loaded with (DESIGN rule 8)."""

    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class OrgUnit(VersionedModel):
    """Head office, branch or sub-branch (总行 / 分行 / 支行): the unit of data scope.

    ``path`` is materialised (``"0001.0004.0012."``) so a subtree is one indexed prefix query. The suing
    unit is a party in court, so it carries its legal name, USCC, person in charge and address.
    """

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office")
        BRANCH = "branch", _("Branch")
        SUB_BRANCH = "sub_branch", _("Sub-branch")
        DEPARTMENT = "department", _("Department")

    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("unit code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    responsible_person = models.CharField(_("person in charge"), max_length=100, blank=True)
    responsible_title = models.CharField(_("title of person in charge"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    region_code = models.CharField(_("region code"), max_length=6, blank=True, db_index=True)
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def is_within(self, other: OrgUnit) -> bool:
        """True when this unit is ``other`` or lies in its subtree."""
        return self.path.startswith(other.path)


class Creditor(VersionedModel):
    """The legal entity that owns the debt (债权人 / 委托方).

    A bank has one; a law firm or an asset-management company has one per client.
    """

    class Kind(models.TextChoices):
        BANK = "bank", _("Bank")
        MICRO_LENDER = "micro_lender", _("Micro-lender")
        CONSUMER_FINANCE = "consumer_finance", _("Consumer-finance company")
        LEASING = "leasing", _("Financial leasing company")
        AMC = "amc", _("Asset-management company")
        GUARANTOR = "guarantor", _("Guarantee company")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    code = models.CharField(_("creditor code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_licensed_lender = models.BooleanField(
        _("licensed financial institution"),
        default=True,
        help_text=_("Licensed lenders are outside the private-lending interest cap."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("creditor")
        verbose_name_plural = _("creditors")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class SubjectKey(models.Model):
    """One random data key per data subject (a party), wrapped by the master key (issue 10).

    Audit entries about a subject's personal data hold that data sealed with this key
    (``loanlit.core.subjects``). Deleting the row — the only delete, ``subjects.shred`` — makes every
    sealed value unreadable while the stored ciphertext, and so the audit hash chain, stays intact.
    """

    subject_type = models.CharField(_("subject type"), max_length=100)
    subject_id = models.CharField(_("subject id"), max_length=64)
    wrapped_key = models.TextField(_("wrapped key"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("subject key")
        verbose_name_plural = _("subject keys")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="core_subjectkey_unique_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"
