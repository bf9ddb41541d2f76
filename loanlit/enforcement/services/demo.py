"""A service the demo loader can call: put a judged case into enforcement with believable records, through
the ordinary enforcement services (so the demo data is audited and has its deadlines like any other)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.cases import ledger as case_ledger
from loanlit.cases.models import Case, CaseLoan
from loanlit.core.errors import DomainError
from loanlit.enforcement.models import Asset, AssetSearch, EnforcementRecord, Measure, Termination, WriteOff
from loanlit.enforcement.services._common import today

SCENARIOS: Final = ("seizure", "terminated", "written_off")


@dataclass
class DemoEnforcement:
    record: EnforcementRecord
    measures: list[Measure] = field(default_factory=list)
    termination: Termination | None = None
    write_offs: list[WriteOff] = field(default_factory=list)


def _not_after_today(day: date) -> date:
    return min(day, today())


@transaction.atomic
def enforcement_demo_build(*, actor: Any, case: Case, applied_on: date, scenario: str = "seizure") -> DemoEnforcement:
    """Apply for enforcement of ``case``'s effective judgment on ``applied_on`` (in the past) and add:

    * ``seizure``: a bank deposit frozen a week later and the debtor's flat seized as a waiting seizure; the
      freeze's renewal reminder comes up about 51 weeks after the freeze;
    * ``terminated``: a freeze, an online search that found too little and 终本 four months later (the pool's
      first review six months after that);
    * ``written_off``: as ``terminated``, then every loan of the case written off a month after 终本 (the
      actor needs ``enforcement.write_off``; None, the system, may).
    """
    from loanlit.enforcement import services

    if scenario not in SCENARIOS:
        raise DomainError(_("Unknown demo scenario."), code="invalid_scenario")
    judgment = case_ledger.latest_judgment(case)
    if judgment is None:
        raise DomainError(_("Record the judgment before applying for enforcement."), code="no_judgment")
    court = judgment.proceeding.court
    if court is None:
        raise DomainError(_("Choose the court."), code="court_required")
    record = services.enforcement_apply(actor=actor, case=case, court=court, applied_on=applied_on)
    proceeding = record.proceeding
    debtor = next(iter(services_debtors(case)), None)
    deposit = services.asset_add(
        actor=actor,
        case=case,
        kind=Asset.Kind.DEPOSIT,
        description=_("Current account"),
        source=Asset.Source.ASSET_SEARCH,
        found_on=_not_after_today(applied_on + timedelta(days=5)),
        owner=debtor,
        estimated_value=Decimal("3200.00"),
    )
    freeze = services.measure_record(
        actor=actor,
        case=case,
        asset=deposit,
        kind=Measure.Kind.FREEZE,
        basis=Measure.Basis.ENFORCEMENT,
        started_on=_not_after_today(applied_on + timedelta(days=7)),
        court=court,
        proceeding=proceeding,
        amount=Decimal("3200.00"),
    )
    result = DemoEnforcement(record=record, measures=[freeze])
    if scenario == "seizure":
        flat = services.asset_add(
            actor=actor,
            case=case,
            kind=Asset.Kind.REAL_ESTATE,
            description=_("Flat"),
            source=Asset.Source.BORROWER_REPORT,
            found_on=_not_after_today(applied_on + timedelta(days=9)),
            owner=debtor,
            estimated_value=Decimal("850000.00"),
        )
        result.measures.append(
            services.measure_record(
                actor=actor,
                case=case,
                asset=flat,
                kind=Measure.Kind.SEIZURE,
                basis=Measure.Basis.ENFORCEMENT,
                started_on=_not_after_today(applied_on + timedelta(days=10)),
                court=court,
                proceeding=proceeding,
                rank=Measure.Rank.WAITING,
                rank_position=2,
            )
        )
        return result
    searched_on = _not_after_today(applied_on + timedelta(days=100))
    search = services.asset_search_record(
        actor=actor,
        case=case,
        searched_on=searched_on,
        channel=AssetSearch.Channel.COURT_ONLINE,
        result=AssetSearch.Result.INSUFFICIENT,
        proceeding=proceeding,
    )
    proceeding.refresh_from_db()
    result.termination = services.enforcement_terminate_for_now(
        actor=actor,
        proceeding=proceeding,
        version=proceeding.version,
        terminated_on=_not_after_today(searched_on + timedelta(days=20)),
        ruling_no=f"{proceeding.court_case_number or case.internal_no}-1",
        asset_search=search,
    )
    if scenario == "written_off":
        for link in CaseLoan.objects.filter(case=case).select_related("loan").order_by("pk"):
            result.write_offs.append(
                services.write_off_record(
                    actor=actor,
                    case=case,
                    loan=link.loan,
                    written_off_on=_not_after_today(result.termination.terminated_on + timedelta(days=30)),
                    amount=link.loan.principal,
                    approval_ref=f"WO-{case.internal_no}",
                )
            )
    return result


def services_debtors(case: Case) -> list[Any]:
    from loanlit.enforcement.services.enforcement import case_debtors

    return case_debtors(case)
