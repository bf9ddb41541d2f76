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
