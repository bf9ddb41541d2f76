"""Enforcement objects on the authorization matrix's case (tests/test_authorization_matrix.py).

Each builder makes only what its route needs, once per test world (memoised on the world), through the
services with ``actor=None``; the matrix counts rows only after the route's URL is built.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

D = Decimal


def _memo(world: Any, name: str, build: Any) -> Any:
    cache = world.__dict__.setdefault("_enforcement", {})
    if name not in cache:
        cache[name] = build()
    return cache[name]


def judged(world: Any) -> Any:
    """The world's first-instance proceeding judged and served: effective 2026-02-28."""

    def build() -> Any:
        from loanlit.cases import services as cases
        from loanlit.cases.models import Proceeding, ProceedingParty

        proceeding = Proceeding.objects.get(pk=world.cw.proceeding.pk)
        judgment = cases.proceeding_record_judgment(
            actor=None,
            proceeding=proceeding,
            judged_on=dt.date(2026, 2, 10),
            items=[cases.JudgmentItemInput(kind="principal", amount=D("12000.00"))],
            version=proceeding.version,
        )
        for participant in ProceedingParty.objects.filter(proceeding=proceeding):
            cases.service_record_add(
                actor=None,
                proceeding_party=participant,
                document="judgment",
                served_on=dt.date(2026, 2, 12),
                method="direct",
            )
        return judgment

    return _memo(world, "judged", build)


def record(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        judged(world)
        return services.enforcement_apply(
            actor=None, case=world.cw.case, court=world.cw.court, applied_on=dt.date(2026, 3, 20)
        )

    return _memo(world, "record", build)


def asset(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        return services.asset_add(
            actor=None,
            case=world.cw.case,
            kind="deposit",
            description="Current account",
            source="asset_search",
            found_on=dt.date(2026, 3, 25),
            registration_no="6222020200001234",
        )

    return _memo(world, "asset", build)


def measure(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        return services.measure_record(
            actor=None,
            case=world.cw.case,
            asset=asset(world),
            kind="freeze",
            basis="preservation",
            started_on=dt.date(2026, 1, 20),
        )

    return _memo(world, "measure", build)


def restriction(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        record(world)
        return services.restriction_apply(
            actor=None,
            case=world.cw.case,
            party=world.cw.borrower,
            kind="consumption_ban",
            applied_on=dt.date(2026, 3, 25),
        )

    return _memo(world, "restriction", build)


def distribution(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        return services.distribution_claim_add(
            actor=None, case=world.cw.case, applied_on=dt.date(2026, 3, 25), claimed=D("12000.00")
        )

    return _memo(world, "distribution", build)


def settlement(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        return services.settlement_record(
            actor=None,
            case=world.cw.case,
            proceeding=record(world).proceeding,
            agreed_on=dt.date(2026, 4, 1),
            instalments=[(dt.date(2026, 5, 1), D("6000.00")), (dt.date(2026, 6, 1), D("6000.00"))],
        )

    return _memo(world, "settlement", build)


def termination(world: Any) -> Any:
    def build() -> Any:
        from loanlit.cases.models import Proceeding
        from loanlit.enforcement import services

        proceeding = Proceeding.objects.get(pk=record(world).proceeding_id)
        search = services.asset_search_record(
            actor=None, case=world.cw.case, searched_on=dt.date(2026, 6, 1), channel="court_online", result="nothing"
        )
        return services.enforcement_terminate_for_now(
            actor=None,
            proceeding=proceeding,
            version=proceeding.version,
            terminated_on=dt.date(2026, 6, 10),
            ruling_no="R-1",
            asset_search=search,
        )

    return _memo(world, "termination", build)


def review(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        termination(world)
        return services.termination_reviews_due(day=dt.date(2026, 12, 10))[0]

    return _memo(world, "review", build)


def evidence(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        write_off = services.write_off_record(
            actor=None,
            case=world.cw.case,
            loan=world.cw.loan,
            written_off_on=dt.date(2026, 3, 30),
            amount=D("12000.00"),
            approval_ref="HX-1",
        )
        return write_off.evidence.order_by("pk").first()

    return _memo(world, "evidence", build)


def transfer(world: Any) -> Any:
    def build() -> Any:
        from loanlit.enforcement import services

        return services.debt_transfer_record(
            actor=None,
            creditor=world.creditor,
            buyer="Example AMC",
            agreed_on=dt.date(2026, 3, 30),
            base_date=dt.date(2026, 3, 1),
            price=D("3000.00"),
            cases=[world.cw.case],
        )

    return _memo(world, "transfer", build)
