from __future__ import annotations

import pytest
from django.db import transaction
from django.test import RequestFactory

from loanlit import audit
from loanlit.audit.models import AccessLog

pytestmark = pytest.mark.django_db


def test_outside_a_transaction_the_row_is_written_at_once_with_the_request(personas):
    request = RequestFactory().get("/cases/7/?tab=parties", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Firefox")
    row = audit.access_log(
        user=personas.case_handler,
        action=audit.AccessAction.PERSONAL_DATA_READ,
        target=audit.TargetRef("parties.person", "42", "P-42"),
        request=request,
        detail={"field": "id_number"},
    )
    stored = AccessLog.objects.get(pk=row.pk)
    assert (stored.user_id, stored.username, stored.action) == (
        personas.case_handler.pk,
        "case_handler",
        "personal_data.read",
    )
    assert (stored.target_type, stored.target_id, stored.target_repr) == ("parties.person", "42", "P-42")
    assert (stored.ip, stored.user_agent, stored.method, stored.path) == (
        "10.1.2.3",
        "Firefox",
        "GET",
        "/cases/7/?tab=parties",
    )
    assert stored.detail == {"field": "id_number"}


def test_a_row_logged_in_a_transaction_that_rolls_back_is_still_written_afterwards(personas):
    with pytest.raises(LookupError), transaction.atomic():
        assert audit.access_log(user=personas.case_handler, action=audit.AccessAction.DOWNLOAD) is None
        raise LookupError("not found")
    assert not AccessLog.objects.exists()  # held back until the caller's transaction is over
    assert audit.flush_pending_access_log() == 1
    assert list(AccessLog.objects.values_list("username", "action")) == [("case_handler", "download")]
    assert audit.flush_pending_access_log() == 0


def test_a_row_logged_in_a_committed_transaction_is_written_on_commit(personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        audit.access_log(user=personas.auditor, action=audit.AccessAction.EXPORT)
        assert not AccessLog.objects.exists()
    assert list(AccessLog.objects.values_list("username", "action")) == [("auditor", "export")]
    assert audit.flush_pending_access_log() == 0


def test_flushing_waits_while_the_callers_transaction_is_still_open(personas):
    with transaction.atomic():
        audit.access_log(user=personas.auditor, action=audit.AccessAction.EXPORT)
        assert audit.flush_pending_access_log() == 0
    assert audit.flush_pending_access_log() == 1


@pytest.mark.urls("loanlit.audit.tests.urls_rollback")
def test_a_read_in_a_view_that_answers_404_is_access_logged(client, personas):
    client.force_login(personas.case_handler)
    response = client.get("/read/", REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 404
    row = AccessLog.objects.get()
    assert (row.username, row.action, row.target_id, row.path, row.ip) == (
        "case_handler",
        "personal_data.read",
        "42",
        "/read/",
        "10.9.8.7",
    )


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError):
        audit.access_log(user=None, action="peeked")
    assert not AccessLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_rolled_back_reads_survive_on_a_real_transaction():
    with pytest.raises(LookupError), transaction.atomic():
        audit.access_log(user=None, action=audit.AccessAction.DENIED, detail={"why": "scope"})
        raise LookupError
    assert audit.flush_pending_access_log() == 1
    assert AccessLog.objects.get().detail == {"why": "scope"}
