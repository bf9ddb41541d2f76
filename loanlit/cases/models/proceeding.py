"""Court proceedings of a case: who takes part in which role, hearings and service of documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import VersionedModel


class Proceeding(VersionedModel):
    """One procedure before a court or tribunal (一审, 二审, 执行 …). The procedural position is derived from it."""

    class Kind(models.TextChoices):
        PRE_FILING_MEDIATION = "pre_filing_mediation", _("Pre-filing mediation")
        FIRST_INSTANCE = "first_instance", _("First instance")
        SECOND_INSTANCE = "second_instance", _("Second instance")
        RETRIAL = "retrial", _("Retrial")
        ENFORCEMENT = "enforcement", _("Enforcement")
        RESUMED_ENFORCEMENT = "resumed_enforcement", _("Resumed enforcement")
        PRESERVATION = "preservation", _("Preservation")
        PAYMENT_ORDER = "payment_order", _("Payment order")
        ARBITRATION = "arbitration", _("Arbitration")
        NOTARISED_ENFORCEMENT = "notarised_enforcement", _("Enforcement of a notarised debt instrument")
        BANKRUPTCY_CLAIM = "bankruptcy_claim", _("Claim in bankruptcy")
        ENFORCEMENT_OBJECTION = "enforcement_objection", _("Enforcement objection")

    class Result(models.TextChoices):
        NONE = "", _("Pending")
        JUDGMENT = "judgment", _("Judgment")
        MEDIATION = "mediation", _("Mediation")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        DISMISSED = "dismissed", _("Dismissed")
        TERMINATED_FOR_NOW = "terminated_for_now", _("Enforcement terminated for now")
        CONCLUDED = "concluded", _("Enforcement concluded")
        PAID = "paid", _("Paid in full")
        OTHER = "other", _("Other")

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="proceedings")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    court = models.ForeignKey(
        "cases.Court", verbose_name=_("court"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Stored normalized (law.caseno.normalize_case_number): searches match whatever width was typed.
    court_case_number = models.CharField(_("court case number"), max_length=64, blank=True, db_index=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    judge = models.CharField(_("judge"), max_length=100, blank=True)
    clerk = models.CharField(_("clerk"), max_length=100, blank=True)
    result = models.CharField(_("result"), max_length=30, choices=Result.choices, blank=True, default="")
    result_on = models.DateField(_("result on"), null=True, blank=True)
    follows = models.ForeignKey(
        "self",
        verbose_name=_("follows proceeding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_by",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("proceeding")
        verbose_name_plural = _("proceedings")
        ordering = ["case", "pk"]
        indexes = [models.Index(fields=["case", "is_active"], name="cases_proc_case_active_idx")]

    def __str__(self) -> str:
        return self.court_case_number or self.get_kind_display()


class ProceedingParty(models.Model):
    """A participant in one proceeding: a party (借款人, 保证人 …) or the creditor's suing unit."""

    class Role(models.TextChoices):
        PLAINTIFF = "plaintiff", _("Plaintiff")
        DEFENDANT = "defendant", _("Defendant")
        GUARANTOR_DEFENDANT = "guarantor_defendant", _("Defendant (guarantor)")
        THIRD_PARTY = "third_party", _("Third party")
        APPELLANT = "appellant", _("Appellant")
        APPELLEE = "appellee", _("Appellee")
        APPLICANT = "applicant", _("Applicant")
        RESPONDENT = "respondent", _("Respondent")
        ENFORCEMENT_APPLICANT = "enforcement_applicant", _("Applicant for enforcement")
        PERSON_SUBJECT_TO_ENFORCEMENT = "person_subject_to_enforcement", _("Person subject to enforcement")

    proceeding = models.ForeignKey(
        Proceeding, verbose_name=_("proceeding"), on_delete=models.CASCADE, related_name="participants"
    )
    party = models.ForeignKey(
        "parties.Party", verbose_name=_("party"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("suing unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)

    class Meta:
        verbose_name = _("proceeding party")
        verbose_name_plural = _("proceeding parties")
        ordering = ["proceeding", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(party__isnull=False) & Q(unit__isnull=True))
                | (Q(party__isnull=True) & Q(unit__isnull=False)),
                name="cases_proceedingparty_party_xor_unit",
            ),
            models.UniqueConstraint(
                fields=["proceeding", "party", "role"],
                condition=Q(party__isnull=False),
                name="cases_proceedingparty_party_role_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.party or self.unit}"

    @property
    def audit_repr(self) -> str:
        """The role and the party's id (never its name: audit rows outlive anonymisation)."""
        who = f"#{self.party_id}" if self.party_id else str(self.unit)
        return f"{self.get_role_display()}: {who}"


class Hearing(models.Model):
    class Kind(models.TextChoices):
        PRE_TRIAL = "pre_trial", _("Pre-trial meeting")
        HEARING = "hearing", _("Hearing")
        MEDIATION = "mediation", _("Mediation")
        PRONOUNCEMENT = "pronouncement", _("Pronouncement")

    proceeding = models.ForeignKey(
        Proceeding, verbose_name=_("proceeding"), on_delete=models.CASCADE, related_name="hearings"
    )
    starts_at = models.DateTimeField(_("starts at"))
    room = models.CharField(_("courtroom"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.HEARING)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"


class ServiceRecord(models.Model):
    """Service of one document on one participant (送达); the judgment's effective date runs from these."""

    class Document(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        SUMMONS = "summons", _("Summons")
        JUDGMENT = "judgment", _("Judgment")
        RULING = "ruling", _("Ruling")
        MEDIATION_STATEMENT = "mediation_statement", _("Mediation statement")
        ENFORCEMENT_NOTICE = "enforcement_notice", _("Enforcement notice")

    class Method(models.TextChoices):
        DIRECT = "direct", _("In person")
        MAIL = "mail", _("By post")
        ELECTRONIC = "electronic", _("Electronic")
        PUBLICATION = "publication", _("By publication")
        LEFT_AT_ADDRESS = "left_at_address", _("Left at the address")

    proceeding = models.ForeignKey(
        Proceeding, verbose_name=_("proceeding"), on_delete=models.CASCADE, related_name="service_records"
    )
    proceeding_party = models.ForeignKey(
        ProceedingParty, verbose_name=_("served on"), on_delete=models.CASCADE, related_name="service_records"
    )
    document = models.CharField(_("document"), max_length=30, choices=Document.choices)
    served_on = models.DateField(_("served on"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["served_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_document_display()} {self.served_on}"
