import datetime as dt

import pytest
from django.urls import reverse

from loanlit.cases.models import ServiceRecord
from loanlit.cases.services import service_record_add

pytestmark = pytest.mark.django_db


def test_case_page_and_dashboard_show_the_appeal_deadline_from_a_served_judgment(client, personas):
    from loanlit.cases.tests.views_support import build_case_world

    world = build_case_world(personas)
    defendant = world.proceeding.participants.filter(role="defendant").first()
    service_record_add(
        actor=personas.case_handler,
        proceeding_party=defendant,
        document=ServiceRecord.Document.JUDGMENT,
        served_on=dt.date(2025, 9, 23),
        method=ServiceRecord.Method.DIRECT,
    )
    client.force_login(personas.case_handler)
    page = client.get(reverse("cases:case_detail", args=[world.case.pk])).content.decode()
    assert "2025-10-09" in page  # 15 days from 2025-09-23, rolled over National Day


def test_a_judgment_settles_the_trial_limit_and_an_effective_date_is_never_missed(personas):
    from decimal import Decimal

    from loanlit.cases.services import JudgmentItemInput, proceeding_record_judgment
    from loanlit.cases.tests.views_support import build_case_world
    from loanlit.deadlines.models import Deadline
    from loanlit.deadlines.services import deadlines_mark_missed

    world = build_case_world(personas)
    proceeding = world.proceeding
    trial = Deadline.objects.filter(proceeding=proceeding, kind=Deadline.Kind.TRIAL_LIMIT).first()
    if trial is None:  # the world's proceeding may have no acceptance date yet
        pytest.skip("the case world has no trial limit")
    existing = getattr(proceeding, "judgment", None)
    if existing is None:
        proceeding.refresh_from_db()
        proceeding_record_judgment(
            actor=personas.case_handler,
            proceeding=proceeding,
            judged_on=dt.date(2026, 1, 5),
            items=[JudgmentItemInput(kind="principal", amount=Decimal("100.00"))],
            version=proceeding.version,
        )
    trial.refresh_from_db()
    assert trial.status == Deadline.Status.DONE
    effective = Deadline.objects.filter(case=world.case, kind=Deadline.Kind.JUDGMENT_EFFECTIVE).first()
    if effective is not None and effective.status == Deadline.Status.OPEN:
        deadlines_mark_missed(today=effective.due_on + dt.timedelta(days=1))
        effective.refresh_from_db()
        assert effective.status == Deadline.Status.DONE
