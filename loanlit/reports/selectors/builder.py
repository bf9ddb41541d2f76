"""Saved reports: which a user may see, run and edit.

Who sees a saved report: a user with ``reports.view`` who owns it, or whose role it is shared with and who
works for at least one of the owner's creditors (a report shared with "case handlers" never reaches another
bank's case handlers). Everyone else gets 404, exactly like a missing id. Who may change it: its owner, or a
holder of ``reports.manage`` who sees it.

A report's figures are always computed in the VIEWER's scope (``crosstab.crosstab_for_user(user=viewer)``),
never the owner's: sharing a report shares its definition, not the owner's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.reports import definitions
from loanlit.reports.builder_definition import Definition, definition_parse, filter_label
from loanlit.reports.definitions import DIMENSIONS, MEASURES, Measures, province_label
from loanlit.reports.filters import StatsFilters
from loanlit.reports.models import OutcomeClass, SavedReport
from loanlit.reports.selectors import crosstab

VIEW: Final = "reports.view"
MANAGE: Final = "reports.manage"
DASH: Final = "—"


def may_view_reports(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_code(VIEW))


def may_manage_reports(user: Any) -> bool:
    return may_view_reports(user) and user.has_code(MANAGE)


def visible_q(user: Any) -> Q:
    """The Q selecting the saved reports ``user`` may see (on SavedReport querysets)."""
    if not may_view_reports(user):
        return Q(pk__in=[])
    own = Q(owner_id=user.pk)
    if user.role_id is None:
        return own
    shared = SavedReport.shared_with_roles.through.objects.filter(savedreport_id=OuterRef("pk"), role_id=user.role_id)
    same_creditor = User.creditors.through.objects.filter(
        user_id=OuterRef("owner_id"), creditor_id__in=creditor_ids_for(user)
    )
    return own | (Q(Exists(shared)) & Q(Exists(same_creditor)))


def saved_reports_for_user(user: Any) -> QuerySet[SavedReport]:
    """The user's own reports and those shared with the user's role (within the owner's creditors)."""
    return SavedReport.objects.filter(visible_q(user)).select_related("owner").order_by("name", "pk")


def may_edit(user: Any, report: SavedReport) -> bool:
    """Whether ``user`` may change ``report`` (the caller has checked that the user sees it)."""
    return may_view_reports(user) and (report.owner_id == user.pk or user.has_code(MANAGE))


def saved_report_get_for_user(user: Any, pk: int, for_write: bool = False) -> SavedReport:
    """The report, or 404 when the user does not see it. ``for_write``: raises ``PermissionDenied`` (403)
    for a viewer who may not change it (the view logs the refusal)."""
    report = get_object_or_404(saved_reports_for_user(user), pk=pk)
    if for_write and not may_edit(user, report):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You may not change this report."))
    return report


def may_receive(report_owner_id: int, role_ids: Sequence[int], user: Any) -> bool:
    """Whether ``user`` would see a report of this owner shared with ``role_ids`` (subscribers must)."""
    if not may_view_reports(user):
        return False
    if user.pk == report_owner_id:
        return True
    if user.role_id is None or user.role_id not in role_ids:
        return False
    return User.creditors.through.objects.filter(
        user_id=report_owner_id, creditor_id__in=creditor_ids_for(user)
    ).exists()


def subscriber_candidates(owner: Any) -> QuerySet[User]:
    """Users a report of ``owner`` may be e-mailed to (the service checks the sharing): active, with an
    e-mail address, serving one of the owner's creditors."""
    return (
        User.objects.filter(is_active=True, creditors__in=creditor_ids_for(owner))
        .exclude(email="")
        .distinct()
        .order_by("username")
    )


# --- running a report ----------------------------------------------------------------------------------------


@dataclass
class ReportResult:
    definition: Definition
    rows: list[crosstab.CrossRow]
    totals: Measures
    dimension_labels: list[str] = field(default_factory=list)
    measures: list[definitions.Measure] = field(default_factory=list)

    @property
    def two_dimensions(self) -> bool:
        return len(self.definition.dimensions) > 1


def definition_run(user: Any, definition: Definition) -> ReportResult:
    """The figures of ``definition`` within what ``user`` may see."""
    rows: list[crosstab.CrossRow] = []
    if definition.dimensions and definition.measures and may_view_reports(user):
        rows = crosstab.crosstab_for_user(user=user, filters=definition.filters, dimensions=list(definition.dimensions))
    totals = Measures()
    for row in rows:
        totals = totals + row.measures
    return ReportResult(
        definition=definition,
        rows=rows,
        totals=totals,
        dimension_labels=[str(DIMENSIONS[code].label) for code in definition.dimensions],
        measures=[MEASURES[code] for code in definition.measures],
    )


def saved_report_run(user: Any, report: SavedReport) -> ReportResult:
    """The saved report's figures computed in the VIEWER's scope (never the owner's)."""
    return definition_run(user, definition_parse(report.definition))


def measure_value(measures: Measures, code: str) -> Any:
    return getattr(measures, code)


def format_value(kind: str, value: Any) -> str:
    """A figure as text for e-mails and plain tables: money "1234.56", rates "12.34%", days "12.5"."""
    if value is None:
        return DASH
    if kind == "rate":
        return f"{value}%"
    if kind == "money":
        return f"{Decimal(value):.2f}"
    return str(value)


def filters_description(filters: StatsFilters) -> list[str]:
    """The set filters as "Label: value" lines (reference rows by name; no personal data)."""
    from loanlit.cases.models import CaseStage, Court, LawFirm
    from loanlit.cases.positions import POSITION_LABELS
    from loanlit.core.models import Creditor, OrgUnit

    names: dict[str, Any] = {"creditor": Creditor, "unit": OrgUnit, "court": Court, "law_firm": LawFirm}
    lines = []
    for name, value in filters.active().items():
        text: Any = value
        if name in names:
            row = names[name]._default_manager.filter(pk=value).first()
            text = getattr(row, "name", value) if row is not None else value
        elif name == "handler":
            person = User.objects.filter(pk=value).first()
            text = str(person) if person is not None else value
        elif isinstance(value, dt.date):
            text = value.strftime("%Y-%m")
        elif name in ("court_province", "borrower_province"):
            text = province_label(value)
        elif name == "outcome":
            text = dict(OutcomeClass.choices).get(value, value)
        elif name == "position":
            text = POSITION_LABELS.get(value, value)
        elif name == "stage":
            stage = CaseStage.objects.filter(code=value).first()
            text = stage.label if stage is not None else value
        elif value is True:
            text = _("yes")
        lines.append(_("%(label)s: %(value)s") % {"label": filter_label(name), "value": text})
    return lines


MAIL_ROWS: Final = 50


def mail_text(user: Any, report: SavedReport, *, today: dt.date) -> tuple[str, str]:
    """The subject and plain-text body of a scheduled e-mail of ``report`` for ``user``: aggregates only,
    in that user's scope (DESIGN rule 11: no party's name or ID, no row-level data; those stay in the app
    behind the link that the e-mail channel appends)."""
    result = saved_report_run(user, report)
    subject = _("Report “%(name)s” — %(date)s") % {"name": report.name, "date": today.isoformat()}
    lines = [
        _("Saved report: %(name)s") % {"name": report.name},
        _("Figures on %(date)s, within the cases you may see.") % {"date": today.isoformat()},
    ]
    lines += filters_description(result.definition.filters)
    lines.append("")
    header = [*result.dimension_labels, *(str(m.label) for m in result.measures)]
    lines.append(" | ".join(header))
    for row in result.rows[:MAIL_ROWS]:
        keys = [row.label1] + ([row.label2] if result.two_dimensions else [])
        values = [format_value(m.kind, measure_value(row.measures, m.code)) for m in result.measures]
        lines.append(" | ".join([*keys, *values]))
    if len(result.rows) > MAIL_ROWS:
        lines.append(_("… and %(count)d more rows in the application.") % {"count": len(result.rows) - MAIL_ROWS})
    if not result.rows:
        lines.append(_("No cases within the filters."))
    total_keys = [_("Total")] + ([""] if result.two_dimensions else [])
    total_values = [format_value(m.kind, measure_value(result.totals, m.code)) for m in result.measures]
    lines.append(" | ".join([*total_keys, *total_values]))
    lines.append("")
    lines.append(_("Open the report in the application for the cases behind the figures:"))
    return subject, "\n".join(lines)
