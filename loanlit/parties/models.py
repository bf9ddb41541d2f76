"""Persons and companies a creditor deals with, their dated contact records and the merge queue.

A party belongs to exactly one creditor: bank A never learns that bank B sues the same person, so the
same ID number at two creditors is two parties. Identity is the HMAC of a *valid* ID number (or the
USCC of a company); a party without a valid ID is kept as such and never merged automatically.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import PersonalDataField
from loanlit.core.models import TimeStampedModel, VersionedModel


class Party(VersionedModel):
    class Kind(models.TextChoices):
        PERSON = "person", _("Natural person")
        COMPANY = "company", _("Company")

    class IdType(models.TextChoices):
        RIC = "ric", _("Resident identity card")
        HK_MACAU_RESIDENCE = "hk_macau_residence", _("Residence permit for Hong Kong and Macau residents")
        TAIWAN_RESIDENCE = "taiwan_residence", _("Residence permit for Taiwan residents")
        FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence", _("Foreign permanent resident ID card")
        PASSPORT = "passport", _("Passport")
        USCC = "uscc", _("Unified social credit code")
        OTHER = "other", _("Other document")
        NONE = "none", _("No identity document")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="parties"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    name_normalized = models.CharField(_("normalised name"), max_length=200, db_index=True, editable=False)
    id_type = models.CharField(_("ID type"), max_length=30, choices=IdType.choices, default=IdType.NONE)
    # Numbers in the 18-character resident-ID format (ID card, residence permits, 2023 foreign card).
    id_number = PersonalDataField(_("ID number"), kind="ric", blank=True)
    # Passports and other documents do not fit the resident-ID shape; kept encrypted, exact search only.
    document_number = PersonalDataField(_("document number"), kind="text", blank=True)
    id_valid = models.BooleanField(
        _("ID valid"), default=False, help_text=_("The ID number passed the check-character test.")
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["name_normalized", "pk"]
        indexes = [models.Index(fields=["creditor", "name_normalized"], name="parties_party_cred_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "id_number_hmac"],
                condition=Q(id_valid=True, id_number_hmac__isnull=False),
                name="parties_party_unique_valid_id",
            ),
            models.UniqueConstraint(
                fields=["creditor", "uscc"],
                condition=Q(id_valid=True) & ~Q(uscc=""),
                name="parties_party_unique_valid_uscc",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_repr(self) -> str:
        """How audit entries and the access log name the party: its id, never its name (anonymisation)."""
        return f"#{self.pk}"

    @property
    def identity_display(self) -> str:
        """What lists show for the identity: the mask, or the USCC (a public registration number)."""
        if self.uscc:
            return self.uscc
        value = self.id_number or self.document_number
        return str(value) if value is not None else ""


class PartyContact(models.Model):
    """One dated contact record. An edit adds a record and supersedes the older one, never rewrites it,
    so what an earlier pleading used stays on file."""

    class Kind(models.TextChoices):
        ADDRESS = "address", _("Address")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")

    class AddressKind(models.TextChoices):
        DOMICILE = "domicile", _("Domicile")
        RESIDENCE = "residence", _("Habitual residence")
        SERVICE_ADDRESS = "service_address", _("Address for service")
        WORK = "work", _("Work address")
        REGISTERED = "registered", _("Registered address")

    class Source(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        ID_CARD = "id_card", _("ID card")
        COURT = "court", _("Court")
        COLLECTION = "collection", _("Collection")
        IMPORT = "import", _("Import")
        MANUAL = "manual", _("Manual entry")

    party = models.ForeignKey(Party, verbose_name=_("party"), on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    phone = PersonalDataField(_("mobile number"), kind="mobile", blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address_kind = models.CharField(_("address kind"), max_length=20, choices=AddressKind.choices, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        ordering = ["party", "kind", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["party", "kind", "superseded_at"], name="parties_contact_current")]

    def __str__(self) -> str:
        if self.kind == self.Kind.PHONE:
            return str(self.phone or "")
        if self.kind == self.Kind.EMAIL:
            return self.email
        return self.address

    @property
    def audit_repr(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} (party #{self.party_id})"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class PartyMergeCandidate(TimeStampedModel):
    """An incoming row with a known ID but a different name: a person reviews it, nothing is overwritten.

    ``incoming_data`` never holds plaintext personal data: masks and HMACs only.
    """

    class Reason(models.TextChoices):
        SAME_ID_DIFFERENT_NAME = "same_id_different_name", _("Same ID number, different name")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        REJECTED = "rejected", _("Rejected")

    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="party_merge_candidates"
    )
    party = models.ForeignKey(
        Party, verbose_name=_("existing party"), on_delete=models.CASCADE, related_name="merge_candidates"
    )
    incoming_name = models.CharField(_("incoming name"), max_length=200)
    incoming_data = models.JSONField(_("incoming data"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=40, choices=Reason.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("resolution note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("party merge candidate")
        verbose_name_plural = _("party merge candidates")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["creditor", "status"], name="parties_merge_cred_status")]

    def __str__(self) -> str:
        return f"{self.party} / {self.incoming_name}"

    @property
    def audit_repr(self) -> str:
        return f"#{self.party_id} / #{self.pk}"
