"""Business policies that feed the pure rules in ``loanlit.law`` (DESIGN rule 10): holiday overrides
and LPR publications entered by administrators. Rows are written only by ``loanlit.rules.services``.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.fields import RateField
from loanlit.core.models import TimeStampedModel


class HolidayOverride(TimeStampedModel):
    """One year of the State Council holiday notice (国务院办公厅放假安排通知), which wins over the
    ``chinesecalendar`` package date by date (law.calendar.YearOverride).

    The day lists are JSON lists of ISO dates, sorted: a year has a few dozen of them at most and
    they are always read and written whole.
    """

    year = models.PositiveIntegerField(_("year"), unique=True)
    notice = models.CharField(_("State Council notice number"), max_length=100)
    rest_days = models.JSONField(_("rest days"), default=list)
    working_days = models.JSONField(_("make-up working days"), default=list)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday override")
        verbose_name_plural = _("holiday overrides")

    def __str__(self) -> str:
        return f"{self.year} {self.notice}"

    @property
    def rest_dates(self) -> list[date]:
        return [date.fromisoformat(text) for text in self.rest_days]

    @property
    def working_dates(self) -> list[date]:
        return [date.fromisoformat(text) for text in self.working_days]


class LprRate(TimeStampedModel):
    """One Loan Prime Rate publication added after the shipped table (law/data/lpr.csv).

    Rates are percent per year stored exactly as integer millionths of a percent (RateField).
    """

    published = models.DateField(_("published on"), unique=True)
    lpr_1y = RateField(_("one-year LPR (%)"))
    lpr_5y = RateField(_("five-year-plus LPR (%)"))

    class Meta:
        ordering = ["-published"]
        verbose_name = _("LPR publication")
        verbose_name_plural = _("LPR publications")

    def __str__(self) -> str:
        return f"{self.published.isoformat()} {self.lpr_1y} / {self.lpr_5y}"


class LprSettings(TimeStampedModel):
    """The last day for which the LPR table (shipped + added rows) is known complete.

    A single row (pk 1). A date after it is refused by the rules rather than guessed.
    """

    SINGLETON_PK = 1

    verified_through = models.DateField(_("verified through"))

    class Meta:
        verbose_name = _("LPR settings")
        verbose_name_plural = _("LPR settings")

    def __str__(self) -> str:
        return self.verified_through.isoformat()
