from __future__ import annotations

import pytest
from django.urls import reverse

from loanlit import audit
from loanlit.audit.models import AccessLog, AuditEntry

pytestmark = pytest.mark.django_db

AUDIT_URLS = ("audit:entry_list", "audit:access_log_list")


@pytest.mark.parametrize("persona", ["auditor"])
@pytest.mark.parametrize("url_name", AUDIT_URLS)
def test_auditors_see_the_audit_pages(client, personas, persona, url_name):
    client.force_login(getattr(personas, persona))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert not AccessLog.objects.filter(action="denied").exists()


@pytest.mark.parametrize(
    "persona",
    [
        "administrator",  # separation of duties (issue 10): system administration is not audit
        "security_admin",
        "legal_manager",
        "case_handler",
        "external_lawyer",
        "branch_manager",
        "read_only",
        "outsider_branch",
        "outsider_creditor",
    ],
)
@pytest.mark.parametrize("url_name", AUDIT_URLS)
def test_everybody_else_is_refused_and_the_refusal_is_logged(client, personas, persona, url_name):
    user = getattr(personas, persona)
    client.force_login(user)
    entries_before = AuditEntry.objects.count()
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert b"org_unit.created" not in response.content
    assert list(AccessLog.objects.values_list("user_id", "action", "path")) == [(user.pk, "denied", reverse(url_name))]
    assert AuditEntry.objects.count() == entries_before


def test_anonymous_visitors_are_sent_to_sign_in(client, personas):
    response = client.get(reverse("audit:entry_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_trail_filters_by_stream_action_and_actor(client, personas):
    from django.db import transaction

    with transaction.atomic():
        audit.record(actor=personas.case_handler, action="case.opened", stream="case:5")
        audit.record(actor=personas.legal_manager, action="case.closed", stream="case:5")
    client.force_login(personas.auditor)
    url = reverse("audit:entry_list")

    def actions(**query):
        response = client.get(url, query)
        assert response.status_code == 200
        return [entry.action for entry in response.context["page"]]

    assert actions(stream="case:5") == ["case.closed", "case.opened"]
    assert actions(action="case.opened") == ["case.opened"]
    assert actions(action="org_unit.") == ["org_unit.created"] * 5
    assert actions(actor="legal_manager", stream="case:5") == ["case.closed"]


def test_the_access_log_filters_by_action_and_user(client, personas):
    audit.access_log(user=personas.case_handler, action=audit.AccessAction.DOWNLOAD)
    audit.access_log(user=personas.legal_manager, action=audit.AccessAction.EXPORT)
    client.force_login(personas.auditor)
    response = client.get(reverse("audit:access_log_list"), {"action": "export"})
    assert [row.username for row in response.context["page"]] == ["legal_manager"]
    response = client.get(reverse("audit:access_log_list"), {"user": "case_"})
    assert [row.action for row in response.context["page"]] == ["download"]


def test_the_trail_page_costs_the_same_queries_for_more_entries(client, personas):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.auditor)
    url = reverse("audit:entry_list")
    client.get(url)  # warm the session and role caches
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["page"]) == 17  # 5 units, 2 creditors, 10 users
    with transaction.atomic():
        audit.record_many(actor=personas.auditor, items=[audit.AuditItem(action="bulk.x") for _ in range(40)])
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["page"]) == 50
    assert len(many) == len(few)


def test_the_trail_page_is_translated_into_chinese(client, personas):
    from django.utils import translation

    with translation.override("zh-hans"):
        title = translation.gettext("Audit trail")
    assert title != "Audit trail"
    client.force_login(personas.auditor)
    response = client.get(reverse("audit:entry_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert title in response.content.decode()


def test_the_trail_shows_every_shape_of_recorded_changes(client, personas):
    from django.db import transaction

    with transaction.atomic():
        audit.record(actor=None, action="t.diff", stream="s:1", changes={"handler": {"old": "Li", "new": "Wang"}})
        audit.record(actor=None, action="t.pair", stream="s:1", changes={"status": ["open", "done"]})
        audit.record(actor=None, action="t.items", stream="s:1", changes={"items": [{"kind": "principal"}], "n": 3})
    client.force_login(personas.auditor)
    html = client.get(reverse("audit:entry_list"), {"stream": "s:1"}).content.decode()
    assert "<strong>handler</strong>: Li → Wang" in html
    assert "<strong>status</strong>: open → done" in html
    assert '<strong>items</strong>: [{"kind": "principal"}]' in html.replace("&quot;", '"')
    assert "<strong>n</strong>: 3" in html
