"""Reference data of the cases app: courts, the bank's internal case stages and the legal moves between them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Court(models.Model):
    """A people's court. ``caseno_code`` is the court part of its case numbers (京0105), ``code`` its own key."""

    class Level(models.TextChoices):
        BASIC = "basic", _("Basic court")
        INTERMEDIATE = "intermediate", _("Intermediate court")
        HIGH = "high", _("High court")
        SUPREME = "supreme", _("Supreme court")
        SPECIAL = "special", _("Specialised court")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    region_code = models.CharField(_("region code"), max_length=6, blank=True, db_index=True)
    caseno_code = models.CharField(_("court code in case numbers"), max_length=16, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("superior court"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("court")
        verbose_name_plural = _("courts")
        ordering = ["region_code", "code"]

    def __str__(self) -> str:
        return self.name


class CaseStage(models.Model):
    """The bank's internal stage of a case (stages are data, DESIGN rule 8). The code is the key."""

    PRE_LITIGATION = "pre_litigation"
    FILED = "filed"
    IN_TRIAL = "in_trial"
    JUDGED = "judged"
    ENFORCEMENT = "enforcement"
    TERMINATED_ENFORCEMENT = "terminated_enforcement"
    SETTLED = "settled"
    CLOSED = "closed"
    ARCHIVED = "archived"

    code = models.CharField(_("code"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_closing = models.BooleanField(_("closes the case"), default=False)

    class Meta:
        verbose_name = _("case stage")
        verbose_name_plural = _("case stages")
        ordering = ["order"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        """The translated name of a seeded stage; a stage an administrator added shows its own name."""
        return str(STAGE_LABELS.get(self.code, self.name))


STAGE_LABELS = {
    CaseStage.PRE_LITIGATION: _("Pre-litigation"),
    CaseStage.FILED: _("Filed"),
    CaseStage.IN_TRIAL: _("In trial"),
    CaseStage.JUDGED: _("Judged"),
    CaseStage.ENFORCEMENT: _("Enforcement"),
    CaseStage.TERMINATED_ENFORCEMENT: _("Enforcement terminated for now"),
    CaseStage.SETTLED: _("Settled"),
    CaseStage.CLOSED: _("Closed"),
    CaseStage.ARCHIVED: _("Archived"),
}


class CaseStageTransition(models.Model):
    from_stage = models.ForeignKey(
        CaseStage, verbose_name=_("from stage"), on_delete=models.CASCADE, related_name="transitions_out"
    )
    to_stage = models.ForeignKey(
        CaseStage, verbose_name=_("to stage"), on_delete=models.CASCADE, related_name="transitions_in"
    )

    class Meta:
        verbose_name = _("case stage transition")
        verbose_name_plural = _("case stage transitions")
        constraints = [models.UniqueConstraint(fields=["from_stage", "to_stage"], name="cases_stage_transition_unique")]

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id}"
