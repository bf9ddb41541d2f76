"""Panel law firms, their lawyers and the placement of cases with them (委托 / 撤案)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import VersionedModel


class LawFirm(VersionedModel):
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    is_panel = models.BooleanField(_("on the panel"), default=True)
    creditors = models.ManyToManyField(
        "core.Creditor", verbose_name=_("panel for creditors"), blank=True, related_name="law_firms"
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("law firm")
        verbose_name_plural = _("law firms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LawFirmMember(models.Model):
    law_firm = models.ForeignKey(LawFirm, verbose_name=_("law firm"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="law_firm_memberships"
    )
    added_on = models.DateField(_("added on"))

    class Meta:
        verbose_name = _("law firm member")
        verbose_name_plural = _("law firm members")
        constraints = [models.UniqueConstraint(fields=["law_firm", "user"], name="cases_lawfirmmember_unique")]

    def __str__(self) -> str:
        return f"{self.law_firm_id}:{self.user_id}"


class Placement(models.Model):
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="placements")
    law_firm = models.ForeignKey(
        LawFirm, verbose_name=_("law firm"), on_delete=models.PROTECT, related_name="placements"
    )
    placed_on = models.DateField(_("placed on"))
    recalled_on = models.DateField(_("recalled on"), null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["case", "placed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(recalled_on__isnull=True), name="cases_placement_one_active"
            )
        ]
        indexes = [models.Index(fields=["law_firm", "recalled_on"], name="cases_placement_firm_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.law_firm_id}"
