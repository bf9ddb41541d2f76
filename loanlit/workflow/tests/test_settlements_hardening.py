"""Hostile settlement input: due dates out of any sane horizon are refused on the form (never a 500, nothing
written), and the daily breach check survives a plan in a bad state (logged, skipped, the others breached
to the day). Also the withdrawal request's date: not before the proceeding was filed."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import CaseEvent
from loanlit.cases.tests.views_support import build_case_world, text
from loanlit.core.errors import DomainError
from loanlit.workflow.forms_decisions import WithdrawalRequestForm
from loanlit.workflow.models import DecisionRequest, SettlementInstalment, SettlementPlan, Task
from loanlit.workflow.services import settlements as services
from loanlit.workflow.tests.test_settlements_views import form_data as views_form_data

pytestmark = pytest.mark.django_db
D = Decimal
HORIZON = (
    "An instalment cannot fall due more than 30 years after the settlement was agreed (on 2056-01-20 at the latest)."
)


@pytest.fixture(autouse=True)
def english(client, settings, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(personas):
    return build_case_world(personas)


def form_data(**overrides):
    return views_form_data(**{"total": "3,000.00", **overrides})


def add_url(world):
    return reverse("workflow:settlement_add", args=[world.case.pk])


def written():
    return (
        SettlementPlan.objects.count(),
        SettlementInstalment.objects.count(),
        DecisionRequest.objects.count(),
        AuditEntry.objects.filter(action__startswith="settlement.").count(),
    )


REFUSED = [
    pytest.param({"first_due": "9999-12-01"}, HORIZON, id="equal-year-9999"),
    pytest.param({"first_due": "9999-12-01", "interval_months": "12"}, HORIZON, id="equal-year-9999-yearly"),
    pytest.param({"first_due": "2056-01-21", "count": "1"}, HORIZON, id="equal-first-past-horizon"),
    pytest.param({"first_due": "2055-12-31", "count": "2"}, HORIZON, id="equal-last-past-horizon"),
    pytest.param({"mode": "given", "instalments": "2026-01-31 1500\n9999-12-31 1500"}, HORIZON, id="given-year-9999"),
    pytest.param(
        {"mode": "given", "instalments": "2026-01-31 1500\n2056-01-21 1500"}, HORIZON, id="given-past-horizon"
    ),
    pytest.param({"grace_days": "366"}, "Ensure this value is less than or equal to 90.", id="grace-366"),
    pytest.param({"count": "121"}, "Ensure this value is less than or equal to 120.", id="count-121"),
    pytest.param(
        {"agreed_on": "9999-12-31", "first_due": "9999-12-31"},
        "A settlement cannot be agreed in the future.",
        id="agreed-in-9999",
    ),
]


@pytest.mark.parametrize("preview", [False, True], ids=["save", "preview"])
@pytest.mark.parametrize("overrides, message", REFUSED)
def test_an_out_of_range_plan_is_refused_on_the_form_and_nothing_is_written(client, world, overrides, message, preview):
    client.force_login(world.personas.case_handler)
    before = written()
    data = form_data(**overrides)
    if preview:
        data["preview"] = "1"
    response = client.post(add_url(world), data)
    assert response.status_code == 200
    page = text(response)
    if preview and message.startswith("A settlement cannot be agreed"):
        # The preview only builds the schedule: a future agreement counts as today for the horizon.
        assert (
            "An instalment cannot fall due more than 30 years after the settlement was agreed "
            "(on 2056-03-10 at the latest)."
        ) in page
        assert 'id="schedule-preview-table"' not in page
    else:
        assert message in page
    assert written() == before
    assert not SettlementPlan.objects.exists()


def test_the_horizon_message_is_translated(client, world, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(world.personas.case_handler)
    with translation.override("zh-hans"):
        expected = translation.gettext(
            "An instalment cannot fall due more than %(years)d years after the settlement was agreed "
            "(on %(limit)s at the latest)."
        ) % {"years": 30, "limit": "2056-01-20"}
    assert expected != HORIZON
    response = client.post(add_url(world), form_data(first_due="9999-12-01"))
    assert response.status_code == 200
    assert expected in text(response)
    assert not SettlementPlan.objects.exists()


def test_a_schedule_up_to_the_horizon_is_accepted(client, world):
    client.force_login(world.personas.case_handler)
    response = client.post(add_url(world), form_data(mode="given", instalments="2026-01-31 1500\n2056-01-20 1500"))
    assert response.status_code == 302
    plan = SettlementPlan.objects.get()
    assert list(plan.instalments.values_list("due_on", "amount")) == [
        (dt.date(2026, 1, 31), D("1500.00")),
        (dt.date(2056, 1, 20), D("1500.00")),
    ]


def test_the_service_refuses_the_far_dates_without_a_value_error():
    with pytest.raises(DomainError) as error:
        services.schedule_equal(total=D("300.00"), count=3, first_due=dt.date(9999, 12, 1))
    assert error.value.code == "schedule_horizon"
    with pytest.raises(DomainError) as error:
        services.schedule_equal(total=D("300.00"), count=120, first_due=dt.date(2026, 4, 1), interval_months=12)
    assert error.value.code == "schedule_horizon"
    with pytest.raises(DomainError) as error:
        services.schedule_given(total=D("100.00"), rows=[(dt.date.max, D("100.00"))])
    assert error.value.code == "schedule_horizon"


# --- the daily breach check with a plan in a bad state ------------------------------------------------------


def two_plans(personas, world):
    other = build_case_world(personas, name="Li Si", seq=2)
    plans = []
    for w in (world, other):
        plans.append(
            services.settlement_create(
                actor=None,
                case=w.case,
                phase="in_court",
                agreed_on=dt.date(2026, 1, 20),
                total=D("3000.00"),
                instalments=[(dt.date(2026, 1, 31), D("1500.00")), (dt.date(2026, 3, 31), D("1500.00"))],
                grace_days=5,
            )
        )
    return plans


def test_an_instalment_dated_9999_written_straight_to_the_db_does_not_stop_the_breach_check(personas, world):
    bad, good = two_plans(personas, world)
    # Forced past the service: the last instalment of one plan falls due on the last day a date can have.
    SettlementInstalment.objects.filter(plan=bad, seq=2).update(due_on=dt.date(9999, 12, 31))
    SettlementPlan.objects.filter(pk=bad.pk).update(grace_days=90)
    SettlementPlan.objects.filter(pk=good.pk).update(grace_days=5)
    assert services.settlements_check_breaches(today=dt.date(2026, 2, 5)) == 0
    assert services.settlements_check_breaches(today=dt.date(2026, 2, 6)) == 1
    good.refresh_from_db()
    assert (good.status, good.breached_on) == ("breached", dt.date(2026, 2, 6))
    assert Task.objects.filter(source_key=f"settlement:{good.pk}:breach:1").count() == 1
    # 31 January + 90 days of grace (to 1 May): breached on 2 May; the 9999 instalment is never a breach.
    assert services.settlements_check_breaches(today=dt.date(2026, 5, 1)) == 0
    assert services.settlements_check_breaches(today=dt.date(2026, 5, 2)) == 1
    bad.refresh_from_db()
    assert (bad.status, bad.breached_on) == ("breached", dt.date(2026, 5, 2))
    assert list(bad.instalments.order_by("seq").values_list("status", flat=True)) == ["missed", "due"]


def test_a_plan_that_raises_is_logged_and_skipped_and_the_others_are_breached_to_the_day(
    personas, world, monkeypatch, caplog
):
    bad, good = two_plans(personas, world)
    real = services._breach

    def breach(*, plan, missed):
        if plan.pk == bad.pk:
            raise OverflowError("date value out of range")
        return real(plan=plan, missed=missed)

    monkeypatch.setattr(services, "_breach", breach)
    with caplog.at_level(logging.ERROR, logger="loanlit.workflow.services.settlements"):
        assert services.settlements_check_breaches(today=dt.date(2026, 2, 6)) == 1
    assert f"daily check failed for settlement plan {bad.pk}" in caplog.text
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, good.breached_on) == ("breached", dt.date(2026, 2, 6))
    assert (bad.status, bad.breached_on) == ("active", None)
    assert list(bad.instalments.order_by("seq").values_list("status", flat=True)) == ["due", "due"]
    assert not Task.objects.filter(source_key__startswith=f"settlement:{bad.pk}:").exists()
    assert CaseEvent.objects.filter(kind="settlement_breached").count() == 1
    # Once the cause is gone, the skipped plan is breached the next day, dated by its own grace period.
    monkeypatch.setattr(services, "_breach", real)
    assert services.settlements_check_breaches(today=dt.date(2026, 2, 7)) == 1
    bad.refresh_from_db()
    assert (bad.status, bad.breached_on) == ("breached", dt.date(2026, 2, 6))


def test_a_huge_grace_period_forced_in_the_db_is_no_crash(personas, world):
    bad, good = two_plans(personas, world)
    SettlementPlan.objects.filter(pk=bad.pk).update(grace_days=30000)
    assert services.settlements_check_breaches(today=dt.date(2026, 2, 6)) == 1
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, good.breached_on) == ("breached", dt.date(2026, 2, 6))
    assert bad.status == "active"


# --- the withdrawal request's date --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "result_on, ok",
    [("0001-01-01", False), ("2026-01-09", False), ("2026-01-10", True), ("2026-03-10", True)],
)
def test_a_withdrawal_cannot_be_dated_before_the_proceeding_was_filed(world, result_on, ok):
    assert world.proceeding.filed_on == dt.date(2026, 1, 10)
    form = WithdrawalRequestForm({"result_on": result_on, "close": "on", "reason": ""}, proceeding=world.proceeding)
    assert form.is_valid() is ok
    if not ok:
        assert form.errors["result_on"] == [
            "A withdrawal cannot be dated before the proceeding was filed (2026-01-10)."
        ]


def test_a_withdrawal_falls_back_to_the_acceptance_date(world):
    proceeding = world.proceeding
    proceeding.filed_on, proceeding.accepted_on = None, dt.date(2026, 1, 15)
    form = WithdrawalRequestForm({"result_on": "2026-01-14", "close": "on"}, proceeding=proceeding)
    assert not form.is_valid()
    assert form.errors["result_on"] == ["A withdrawal cannot be dated before the proceeding was filed (2026-01-15)."]
