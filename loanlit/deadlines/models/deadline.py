"""Legal deadlines computed from case events, loan monitors, and the collection-action log (催收记录)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import VersionedModel

__all__ = ["CollectionAction", "Deadline"]


class Deadline(VersionedModel):
    """One dated legal duty. Case deadlines hang off a case event; monitors hang off a loan (``case`` is null).

    ``due_on`` is what everyone works to: the computed deadline, or the manual date when ``overridden``.
    ``unit_path`` and ``creditor`` are copied from the case (or loan) so the cross-case list is scoped by
    one indexed prefix query, like cases (DESIGN rule 2).
    """

    class Kind(models.TextChoices):
        ANSWER = "answer", _("Defence (answer)")
        APPEAL = "appeal", _("Appeal")
        JUDGMENT_EFFECTIVE = "judgment_effective", _("Judgment becomes effective")
        ENFORCEMENT_APPLICATION = "enforcement_application", _("Application for enforcement")
        SUE_AFTER_PRESERVATION = "sue_after_preservation", _("Sue after pre-suit preservation")
        PRESERVATION_EXPIRY = "preservation_expiry", _("Preservation expires")
        PRESERVATION_RENEWAL = "preservation_renewal", _("Apply to renew preservation")
        FEE_PAYMENT = "fee_payment", _("Pay court fees")
        TRIAL_LIMIT = "trial_limit", _("Trial time limit")
        ENFORCEMENT_LIMIT = "enforcement_limit", _("Enforcement time limit")
        DEEMED_SERVICE = "deemed_service", _("Service by publication takes effect")
        LIMITATION = "limitation", _("Limitation period")
        GUARANTEE_PERIOD = "guarantee_period", _("Guarantee period")
        CUSTOM = "custom", _("Other deadline")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        WAIVED = "waived", _("Waived")

    # case, responsible and creditor lead composite indexes (Meta), which serve their foreign keys too.
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
        db_index=False,
    )
    event = models.ForeignKey(
        "cases.CaseEvent",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deadlines",
    )
    proceeding = models.ForeignKey(
        "cases.Proceeding",
        verbose_name=_("proceeding"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    proceeding_party = models.ForeignKey(
        "cases.ProceedingParty",
        verbose_name=_("participant"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    loan = models.ForeignKey(
        "loans.LoanContract",
        verbose_name=_("loan"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    guarantee_contract = models.ForeignKey(
        "loans.GuaranteeContract",
        verbose_name=_("guarantee contract"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    kind = models.CharField(_("type"), max_length=40, choices=Kind.choices)
    # Name of the law.periods rule that computed it ("" for custom deadlines).
    rule = models.CharField(_("rule"), max_length=60, blank=True)
    # Identifies what produced the deadline ("service:12:answer"), so recording or replaying an event twice
    # never duplicates it and recomputation finds its row.
    source_key = models.CharField(_("source"), max_length=120, blank=True)
    start = models.DateField(_("period starts"), null=True, blank=True)
    nominal_end = models.DateField(_("nominal end"), null=True, blank=True)
    due_on = models.DateField(_("due on"))
    rolled = models.BooleanField(_("moved past a holiday"), default=False)
    confirmed = models.BooleanField(_("confirmed by the calendar"), default=True)
    reminder_date = models.DateField(_("reminder date"), null=True, blank=True)
    explanation = models.JSONField(_("explanation"), default=list, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deadlines",
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    overridden = models.BooleanField(_("date set by hand"), default=False)
    override_reason = models.CharField(_("reason for the manual date"), max_length=300, blank=True)
    computed_due_on = models.DateField(_("computed due date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit_path = models.CharField(_("unit path"), max_length=255, db_index=True, editable=False)
    creditor = models.ForeignKey(
        "core.Creditor", verbose_name=_("creditor"), on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"], condition=~Q(source_key=""), name="deadlines_deadline_source_unique"
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(loan__isnull=False), name="deadlines_deadline_case_or_loan"
            ),
        ]
        indexes = [
            # The reminder scan reads open deadlines by reminder date, one range per offset.
            models.Index(fields=["reminder_date"], name="deadlines_open_remind_idx", condition=Q(status="open")),
            models.Index(fields=["status", "due_on"], name="deadlines_status_due_idx"),
            models.Index(fields=["responsible", "status", "due_on"], name="deadlines_resp_status_due_idx"),
            models.Index(fields=["creditor", "unit_path"], name="deadlines_scope_idx"),
            models.Index(fields=["case", "due_on"], name="deadlines_case_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"

    @property
    def is_settled(self) -> bool:
        """Done, waived or set by hand: recomputation leaves it alone."""
        return self.status in (self.Status.DONE, self.Status.WAIVED) or self.overridden


class CollectionAction(models.Model):
    """One collection step on a loan (催收).

    A demand that reaches the debtor interrupts limitation (Civil Code art. 195).
    """

    class Method(models.TextChoices):
        PHONE = "phone", _("Telephone")
        SMS = "sms", _("Text message")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("Visit")
        LAWYER_LETTER = "lawyer_letter", _("Lawyer's letter")
        EMAIL = "email", _("E-mail")
        OTHER = "other", _("Other")

    loan = models.ForeignKey(
        "loans.LoanContract", verbose_name=_("loan"), on_delete=models.CASCADE, related_name="collection_actions"
    )
    acted_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    proof = models.CharField(_("proof"), max_length=300, blank=True)
    interrupts_limitation = models.BooleanField(_("interrupts limitation"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("collection action")
        verbose_name_plural = _("collection actions")
        ordering = ["loan", "acted_on", "pk"]
        indexes = [models.Index(fields=["loan", "acted_on"], name="deadlines_collect_loan_idx")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.acted_on}"
