"""Anonymisation of archived cases past the retention period (issue 10)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loanlit import audit
from loanlit.audit.models import AuditEntry
from loanlit.cases import services
from loanlit.cases.jobs_retention import anonymise_archived_daily
from loanlit.cases.models import Case, CaseEvent, CaseLoan
from loanlit.cases.services import retention
from loanlit.cases.tests import factories
from loanlit.cases.tests.views_support import build_case_world
from loanlit.core.models import SubjectKey
from loanlit.jobs.registry import periodic_tasks
from loanlit.loans.models import GuaranteeContract, LoanParty
from loanlit.parties.models import Party

pytestmark = pytest.mark.django_db

TODAY = dt.date(2036, 6, 30)
PERIOD = 3650


@pytest.fixture(autouse=True)
def period(settings):
    settings.CASE_ANONYMISE_AFTER_DAYS = PERIOD


def _archive(case: Case, *, days_ago: int) -> None:
    CaseLoan.objects.filter(case=case).update(active=False)
    Case.objects.filter(pk=case.pk).update(
        is_closed=True, closed_on=TODAY - dt.timedelta(days=days_ago), is_archived=True,
        archived_on=TODAY - dt.timedelta(days=days_ago),
    )  # fmt: skip


def _second_case(personas, borrower: Party) -> Case:
    """Another case of the same borrower, on a new loan."""
    loan = factories.loan(personas.creditor, personas.beijing, borrower=borrower, days_past_due=90)
    return services.case_open(
        actor=None,
        creditor=personas.creditor,
        handling_unit=personas.beijing,
        cause_of_action="金融借款合同纠纷",
        loans=[loan],
        handler=personas.case_handler,
        opened_on=dt.date(2026, 2, 1),
    )


def test_an_archived_case_past_the_period_is_anonymised_with_its_borrower(personas):
    world = build_case_world(personas)
    _archive(world.case, days_ago=PERIOD)
    borrower_pk = world.borrower.pk

    result = retention.cases_anonymise_due(on=TODAY)

    assert (result.cases, result.parties_anonymised, result.parties_kept) == ([world.case.pk], 1, 0)
    case = Case.objects.get(pk=world.case.pk)
    assert case.anonymised_on == TODAY and case.version == world.case.version + 1
    borrower = Party.objects.get(pk=borrower_pk)
    assert borrower.name == f"已匿名化 #{borrower_pk}" and borrower.id_number is None
    assert not SubjectKey.objects.filter(subject_type="parties.party", subject_id=str(borrower_pk)).exists()
    event = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.PERSONAL_DATA_ANONYMISED)
    assert event.params == {"parties_anonymised": 1, "parties_kept": 0}
    entry = AuditEntry.objects.get(action="case.personal_data_anonymised")
    assert entry.stream == f"case:{case.pk}"
    assert entry.changes == {
        "anonymised_on": "2036-06-30",
        "archived_on": str(TODAY - dt.timedelta(days=PERIOD)),
        "parties_anonymised": 1,
        "parties_kept": 0,
    }
    assert AuditEntry.objects.filter(action="party.anonymised", target_id=str(borrower_pk)).count() == 1
    assert audit.verify().ok


def test_a_case_archived_one_day_less_than_the_period_is_left_alone(personas):
    world = build_case_world(personas)
    _archive(world.case, days_ago=PERIOD - 1)
    before = AuditEntry.objects.count()
    assert retention.cases_anonymise_due(on=TODAY).cases == []
    assert Case.objects.get(pk=world.case.pk).anonymised_on is None
    assert Party.objects.get(pk=world.borrower.pk).name == "Zhang San"
    assert AuditEntry.objects.count() == before


def test_nothing_is_anonymised_while_the_setting_is_zero(personas, settings):
    settings.CASE_ANONYMISE_AFTER_DAYS = 0
    world = build_case_world(personas)
    _archive(world.case, days_ago=PERIOD * 2)
    assert retention.cases_anonymise_due(on=TODAY).cases == []
    anonymise_archived_daily()
    assert Party.objects.get(pk=world.borrower.pk).name == "Zhang San"
    with pytest.raises(CommandError):
        call_command("anonymise_archived_cases")


def test_a_legal_hold_blocks_anonymisation_until_released(personas):
    world = build_case_world(personas)
    _archive(world.case, days_ago=PERIOD + 10)
    case = retention.case_legal_hold_set(actor=personas.legal_manager, case=world.case, reason="Regulator inquiry")
    assert retention.cases_anonymise_due(on=TODAY).cases == []
    assert Party.objects.get(pk=world.borrower.pk).name == "Zhang San"

    retention.case_legal_hold_release(actor=personas.legal_manager, case=case, version=case.version)
    assert retention.cases_anonymise_due(on=TODAY).cases == [case.pk]
    assert Party.objects.get(pk=world.borrower.pk).name == f"已匿名化 #{world.borrower.pk}"


def test_a_party_on_another_live_case_is_kept_until_that_case_is_due_too(personas):
    world = build_case_world(personas)
    other = _second_case(personas, world.borrower)
    _archive(world.case, days_ago=PERIOD)

    result = retention.cases_anonymise_due(on=TODAY)

    assert (result.cases, result.parties_anonymised, result.parties_kept) == ([world.case.pk], 0, 1)
    assert Party.objects.get(pk=world.borrower.pk).name == "Zhang San"
    assert Case.objects.get(pk=world.case.pk).anonymised_on == TODAY
    event = CaseEvent.objects.get(case=world.case, kind=CaseEvent.Kind.PERSONAL_DATA_ANONYMISED)
    assert event.params == {"parties_anonymised": 0, "parties_kept": 1}

    _archive(other, days_ago=PERIOD)
    result = retention.cases_anonymise_due(on=TODAY)
    assert (result.cases, result.parties_anonymised, result.parties_kept) == ([other.pk], 1, 0)
    assert Party.objects.get(pk=world.borrower.pk).name == f"已匿名化 #{world.borrower.pk}"


def test_a_party_on_another_case_under_legal_hold_is_kept(personas):
    world = build_case_world(personas)
    other = _second_case(personas, world.borrower)
    _archive(world.case, days_ago=PERIOD)
    _archive(other, days_ago=PERIOD)
    retention.case_legal_hold_set(actor=None, case=other, reason="Pending appeal")

    result = retention.cases_anonymise_due(on=TODAY)

    assert (result.cases, result.parties_anonymised, result.parties_kept) == ([world.case.pk], 0, 1)
    assert Party.objects.get(pk=world.borrower.pk).name == "Zhang San"


def test_a_party_with_a_loan_in_no_case_is_kept(personas):
    world = build_case_world(personas)
    factories.loan(personas.creditor, personas.beijing, borrower=world.borrower)
    _archive(world.case, days_ago=PERIOD)
    assert retention.cases_anonymise_due(on=TODAY).parties_kept == 1
    assert Party.objects.get(pk=world.borrower.pk).name == "Zhang San"


def test_a_guarantor_and_a_co_borrower_of_the_case_loan_are_anonymised_too(personas):
    world = build_case_world(personas)
    guarantor = factories.party(personas.creditor, "Li Si", ric=factories.make_ric(7))
    co_borrower = factories.party(personas.creditor, "Wang Wu", ric=factories.make_ric(8))
    contract = GuaranteeContract.objects.create(creditor=personas.creditor, contract_no="BZ-1", guarantor=guarantor)
    contract.loans.add(world.loan)
    LoanParty.objects.create(loan=world.loan, party=co_borrower, role=LoanParty.Role.CO_BORROWER)
    _archive(world.case, days_ago=PERIOD)
    assert retention.cases_anonymise_due(on=TODAY).parties_anonymised == 3
    assert Party.objects.get(pk=guarantor.pk).name == f"已匿名化 #{guarantor.pk}"
    assert Party.objects.get(pk=co_borrower.pk).name == f"已匿名化 #{co_borrower.pk}"


def test_a_second_run_writes_nothing(personas):
    world = build_case_world(personas)
    _archive(world.case, days_ago=PERIOD)
    retention.cases_anonymise_due(on=TODAY)
    before = (AuditEntry.objects.count(), CaseEvent.objects.count())
    assert retention.cases_anonymise_due(on=TODAY).cases == []
    assert (AuditEntry.objects.count(), CaseEvent.objects.count()) == before


def test_the_daily_task_is_registered_and_anonymises_due_cases(personas, time_machine):
    time_machine.move_to(dt.datetime(2036, 6, 30, 4, 0, tzinfo=dt.UTC), tick=False)
    world = build_case_world(personas)
    _archive(world.case, days_ago=PERIOD)
    assert periodic_tasks["cases.anonymise_archived"].func is anonymise_archived_daily
    anonymise_archived_daily()
    assert Case.objects.get(pk=world.case.pk).anonymised_on == TODAY


def test_the_command_dry_run_counts_and_writes_nothing_then_anonymises(personas, time_machine):
    time_machine.move_to(dt.datetime(2036, 6, 30, 4, 0, tzinfo=dt.UTC), tick=False)
    world = build_case_world(personas)
    _archive(world.case, days_ago=PERIOD)
    before = AuditEntry.objects.count()
    out = StringIO()
    call_command("anonymise_archived_cases", "--dry-run", stdout=out)
    assert out.getvalue().strip() == (
        "Dry run: 1 cases due (first batch of at most 200); 1 parties would be anonymised, 0 kept."
    )
    assert AuditEntry.objects.count() == before
    assert Case.objects.get(pk=world.case.pk).anonymised_on is None
    out = StringIO()
    call_command("anonymise_archived_cases", stdout=out)
    assert out.getvalue().strip() == "1 cases anonymised; 1 parties anonymised, 0 kept."
    assert Case.objects.get(pk=world.case.pk).anonymised_on == TODAY


def test_after_anonymisation_the_audit_and_access_log_pages_no_longer_name_the_person(personas):
    from django.test import Client
    from django.urls import reverse

    from loanlit.audit.models import AccessLog

    world = build_case_world(personas, name="Zhang Sanfeng")
    handler = Client()
    handler.force_login(personas.legal_manager)
    assert handler.post(reverse("cases:party_reveal", args=[world.borrower.pk])).status_code == 200
    _archive(world.case, days_ago=PERIOD + 1)
    retention.cases_anonymise_due(on=TODAY)
    world.borrower.refresh_from_db()
    assert world.borrower.name.endswith(f"#{world.borrower.pk}")
    # Nothing stored in the audit trail or the access log names the person any more …
    stored = [str(row) for row in AuditEntry.objects.values("target_repr", "changes")]
    stored += [str(row) for row in AccessLog.objects.values("target_repr", "detail")]
    assert [row for row in stored if "Zhang" in row or "Sanfeng" in row] == []
    # … the pages the auditor reads show none of it, and the chain still verifies.
    auditor = Client()
    auditor.force_login(personas.auditor)
    for url in (
        reverse("audit:entry_list"),
        reverse("audit:access_log_list"),
        reverse("audit:entry_list") + "?q=Zhang",
    ):
        response = auditor.get(url)
        assert response.status_code == 200
        # (the search term itself comes back in the page's own links; the full name must not)
        assert "Sanfeng" not in response.content.decode(), url
    assert audit.verify().ok
