"""The report builder: saved reports (create, edit, stale version, delete), validation, sharing with roles,
figures per viewer scope, pages and exports.

The portfolio (``dashboard_support.build_portfolio``): BJ-1 (Beijing, court in Beijing, claim 12,345.67),
BJ-2 (Chaoyang, court in Shanghai, claim 8,000.00) and GD-1 (Guangdong, court in Guangdong, claim
31,000.00). The legal manager sees all three, the Beijing case handler the first two, the Guangdong case
handler (outsider_branch) the third.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from loanlit.accounts.models import Role
from loanlit.audit.models import AuditEntry
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.reports.models import SavedReport
from loanlit.reports.selectors import builder as selectors
from loanlit.reports.services import saved as services
from loanlit.reports.tests.dashboard_support import build_portfolio

pytestmark = pytest.mark.django_db

BY_REGION = {"dimensions": ["court_province"], "measures": ["cases", "claim"]}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _roles(*codes: str) -> list[Role]:
    return list(Role.objects.filter(code__in=codes).order_by("pk"))


def _audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def _figures(user, report) -> list[tuple[str, str, int, Decimal]]:
    result = selectors.saved_report_run(user, report)
    return [(r.key1, r.label1, r.measures.cases, r.measures.claim) for r in result.rows]


# --- create, edit, delete ---------------------------------------------------------------------------------


def test_a_case_handler_saves_a_private_report_audited(personas):
    report = services.saved_report_create(
        actor=personas.case_handler,
        name="  My   regions ",
        definition={
            "dimensions": ["court_province", "outcome"],
            "measures": ["cases", "recovery_rate"],
            "filters": {"period_from": "2026-01-15", "court_province": "11", "open_only": "1"},
        },
    )
    report.refresh_from_db()
    assert report.owner == personas.case_handler
    assert report.name == "My regions"
    assert report.definition == {
        "dimensions": ["court_province", "outcome"],
        "measures": ["cases", "recovery_rate"],
        "filters": {"period_from": "2026-01", "court_province": "11", "open_only": True},
    }
    assert report.version == 1 and report.schedule == "" and not report.shared_with_roles.exists()
    [entry] = _audit("reports.saved_report_created")
    assert entry.stream == "global" and entry.actor_id == personas.case_handler.pk
    assert entry.changes["name"] == "My regions" and entry.changes["shared_with_roles"] == []


def test_the_owner_edits_and_the_version_moves_on(personas):
    report = services.saved_report_create(actor=personas.case_handler, name="Mine", definition=BY_REGION)
    updated = services.saved_report_update(
        actor=personas.case_handler,
        report=report,
        version=1,
        name="Renamed",
        definition={"dimensions": ["court"], "measures": ["claim"]},
    )
    assert updated.version == 2
    report.refresh_from_db()
    assert report.name == "Renamed" and report.definition["dimensions"] == ["court"]
    [entry] = _audit("reports.saved_report_updated")
    assert entry.changes["name"] == ["Mine", "Renamed"]
    assert entry.changes["definition"][1] == {"dimensions": ["court"], "measures": ["claim"], "filters": {}}


def test_a_stale_version_is_refused_and_nothing_changes(personas):
    report = services.saved_report_create(actor=personas.case_handler, name="Mine", definition=BY_REGION)
    services.saved_report_update(actor=personas.case_handler, report=report, version=1, name="First edit")
    with pytest.raises(StaleVersionError) as refused:
        services.saved_report_update(actor=personas.case_handler, report=report, version=1, name="Lost update")
    assert refused.value.status_code == 409
    assert "changed by someone else" in refused.value.message
    report.refresh_from_db()
    assert report.name == "First edit" and report.version == 2
    assert len(_audit("reports.saved_report_updated")) == 1


def test_an_unchanged_edit_writes_nothing(personas):
    report = services.saved_report_create(actor=personas.case_handler, name="Mine", definition=BY_REGION)
    services.saved_report_update(actor=personas.case_handler, report=report, version=1, name="Mine")
    report.refresh_from_db()
    assert report.version == 1 and _audit("reports.saved_report_updated") == []


def test_delete_by_the_owner_is_audited(personas):
    report = services.saved_report_create(actor=personas.case_handler, name="Mine", definition=BY_REGION)
    services.saved_report_delete(actor=personas.case_handler, report=report)
    assert not SavedReport.objects.exists()
    [entry] = _audit("reports.saved_report_deleted")
    assert entry.target_id == str(report.pk) and entry.changes["name"] == "Mine"


def test_another_user_may_not_change_or_delete_a_private_report(personas):
    report = services.saved_report_create(actor=personas.case_handler, name="Mine", definition=BY_REGION)
    for who in (personas.legal_manager, personas.branch_manager, personas.outsider_branch):
        with pytest.raises(PermissionDeniedError):
            services.saved_report_update(actor=who, report=report, version=1, name="Theirs")
        with pytest.raises(PermissionDeniedError):
            services.saved_report_delete(actor=who, report=report)
    report.refresh_from_db()
    assert report.name == "Mine" and report.version == 1
    assert _audit("reports.saved_report_updated") == [] and _audit("reports.saved_report_deleted") == []


# --- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "definition, message",
    [
        ({"dimensions": [], "measures": ["cases"]}, "Choose one or two dimensions."),
        ({"dimensions": ["court", "product", "stage"], "measures": ["cases"]}, "Choose one or two dimensions."),
        ({"dimensions": ["court", "court"], "measures": ["cases"]}, "Choose two different dimensions."),
        ({"dimensions": ["colour"], "measures": ["cases"]}, "“colour” is not a dimension of the statistics."),
        ({"dimensions": ["court"], "measures": []}, "Choose at least one measure."),
        ({"dimensions": ["court"], "measures": ["profit"]}, "“profit” is not a measure of the statistics."),
        (
            {"dimensions": ["court"], "measures": ["cases"], "filters": {"colour": "red"}},
            "“colour” is not a filter of the statistics.",
        ),
        (
            {"dimensions": ["court"], "measures": ["cases"], "filters": {"period_from": "March"}},
            "The filter “Filed from” has a value that is not valid.",
        ),
        (
            {
                "dimensions": ["court"],
                "measures": ["cases"],
                "filters": {"period_from": "2026-05", "period_to": "2026-01"},
            },
            "The first filing month is after the last one.",
        ),
        (
            {"dimensions": ["court"], "measures": ["cases"], "filters": {"court_province": "99"}},
            "Choose a province from the list.",
        ),
        (
            {"dimensions": ["court"], "measures": ["cases"], "filters": {"outcome": "triumph"}},
            "Choose an outcome from the list.",
        ),
        (
            {"dimensions": ["court"], "measures": ["cases"], "filters": {"court": 999999}},
            "The filter “Court” names a record that does not exist.",
        ),
        (
            {"dimensions": ["court"], "measures": ["cases"], "sql": "drop"},
            "The report definition has unknown parts: sql.",
        ),
        ("court by cases", "The report definition is not valid."),
    ],
)
def test_a_bad_definition_is_refused_with_a_translated_message_and_nothing_written(personas, definition, message):
    with pytest.raises(DomainError) as refused:
        services.saved_report_create(actor=personas.case_handler, name="Bad", definition=definition)
    assert message in refused.value.params["errors"]
    assert not SavedReport.objects.exists() and _audit("reports.saved_report_created") == []


def test_a_definition_error_is_translated_to_chinese(personas):
    with translation.override("zh-hans"), pytest.raises(DomainError) as refused:
        services.saved_report_create(actor=personas.case_handler, name="Bad", definition={"measures": ["cases"]})
    assert refused.value.message == "请选择一个或两个维度。"


def test_a_filter_on_another_creditor_is_refused(personas):
    definition = {**BY_REGION, "filters": {"creditor": personas.other_creditor.pk}}
    with pytest.raises(DomainError) as refused:
        services.saved_report_create(actor=personas.case_handler, name="Other bank", definition=definition)
    assert refused.value.message == "You do not work for the creditor chosen in the filters."
    assert not SavedReport.objects.exists()


def test_a_name_is_required(personas):
    with pytest.raises(DomainError) as refused:
        services.saved_report_create(actor=personas.case_handler, name="   ", definition=BY_REGION)
    assert refused.value.message == "Enter a name for the report."
    assert not SavedReport.objects.exists()


def test_without_reports_view_nothing_can_be_saved(personas):
    for who in (personas.external_lawyer, personas.read_only, personas.security_admin):
        with pytest.raises(PermissionDeniedError):
            services.saved_report_create(actor=who, name="Mine", definition=BY_REGION)
    assert not SavedReport.objects.exists()


# --- sharing and scheduling need reports.manage ------------------------------------------------------------


def test_sharing_and_scheduling_need_reports_manage_and_nothing_is_written_when_refused(personas):
    personas.case_handler.email = "handler@bank.example"
    personas.case_handler.save(update_fields=["email"])
    for kwargs in (
        {"shared_with_roles": _roles("branch_manager")},
        {"schedule": "weekly", "subscribers": [personas.case_handler]},
    ):
        with pytest.raises(PermissionDeniedError) as refused:
            services.saved_report_create(actor=personas.case_handler, name="Shared", definition=BY_REGION, **kwargs)
        assert "manage reports" in refused.value.message
    assert not SavedReport.objects.exists() and _audit("reports.saved_report_created") == []
    report = services.saved_report_create(actor=personas.case_handler, name="Private", definition=BY_REGION)
    with pytest.raises(PermissionDeniedError):
        services.saved_report_update(
            actor=personas.case_handler,
            report=report,
            version=1,
            name="Now shared",
            shared_with_roles=_roles("auditor"),
        )
    report.refresh_from_db()
    assert report.name == "Private" and report.version == 1 and not report.shared_with_roles.exists()
    assert _audit("reports.saved_report_updated") == []


def test_a_manager_shares_with_roles_and_schedules_for_subscribers(personas):
    for user in (personas.legal_manager, personas.branch_manager):
        user.email = f"{user.username}@bank.example"
        user.save(update_fields=["email"])
    report = services.saved_report_create(
        actor=personas.legal_manager,
        name="Board pack",
        definition=BY_REGION,
        shared_with_roles=_roles("branch_manager", "case_handler"),
        schedule="weekly",
        subscribers=[personas.legal_manager, personas.branch_manager],
    )
    assert set(report.shared_with_roles.values_list("code", flat=True)) == {"branch_manager", "case_handler"}
    assert set(report.subscribers.all()) == {personas.legal_manager, personas.branch_manager}
    [entry] = _audit("reports.saved_report_created")
    assert entry.changes["shared_with_roles"] == ["branch_manager", "case_handler"]
    assert entry.changes["schedule"] == "weekly"


def test_subscribers_must_see_the_report_and_have_an_e_mail_address(personas):
    personas.auditor.email = "auditor@bank.example"
    personas.auditor.save(update_fields=["email"])
    personas.outsider_creditor.email = "other@bank.example"
    personas.outsider_creditor.save(update_fields=["email"])
    cases = [
        ([personas.auditor], _roles("branch_manager"), "does not see this report"),  # role not shared
        ([personas.outsider_creditor], _roles("case_handler"), "does not see this report"),  # another creditor
        ([personas.branch_manager], _roles("branch_manager"), "has no e-mail address"),
    ]
    for subscribers, roles, message in cases:
        with pytest.raises(DomainError) as refused:
            services.saved_report_create(
                actor=personas.legal_manager,
                name="Weekly",
                definition=BY_REGION,
                shared_with_roles=roles,
                schedule="weekly",
                subscribers=subscribers,
            )
        assert message in refused.value.message
    with pytest.raises(DomainError) as refused:
        services.saved_report_create(actor=personas.legal_manager, name="W", definition=BY_REGION, schedule="weekly")
    assert refused.value.message == "Choose who receives the report by e-mail."
    assert not SavedReport.objects.exists()


def test_a_report_cannot_be_shared_with_a_role_that_may_not_see_statistics(personas):
    for code in ("external_lawyer", "read_only"):
        with pytest.raises(DomainError) as refused:
            services.saved_report_create(
                actor=personas.legal_manager, name="Shared", definition=BY_REGION, shared_with_roles=_roles(code)
            )
        assert refused.value.code == "role_not_allowed"
    assert not SavedReport.objects.exists()


# --- who sees what --------------------------------------------------------------------------------------------


def test_a_shared_report_is_seen_by_the_role_within_the_owners_creditor_only(personas):
    report = services.saved_report_create(
        actor=personas.legal_manager, name="Shared", definition=BY_REGION, shared_with_roles=_roles("case_handler")
    )
    private = services.saved_report_create(actor=personas.case_handler, name="Private", definition=BY_REGION)
    assert list(selectors.saved_reports_for_user(personas.case_handler)) == [private, report]
    assert list(selectors.saved_reports_for_user(personas.outsider_branch)) == [report]
    assert list(selectors.saved_reports_for_user(personas.outsider_creditor)) == []  # another bank
    assert list(selectors.saved_reports_for_user(personas.branch_manager)) == []  # role not shared
    assert list(selectors.saved_reports_for_user(personas.legal_manager)) == [report]  # not the private one
    with pytest.raises(Http404):
        selectors.saved_report_get_for_user(personas.legal_manager, private.pk)
    with pytest.raises(PermissionDenied):
        selectors.saved_report_get_for_user(personas.case_handler, report.pk, for_write=True)
    assert selectors.saved_report_get_for_user(personas.legal_manager, report.pk, for_write=True) == report


def test_a_shared_reports_figures_are_computed_in_each_viewers_scope(personas):
    build_portfolio(personas)
    report = services.saved_report_create(
        actor=personas.legal_manager,
        name="By region",
        definition=BY_REGION,
        shared_with_roles=_roles("case_handler"),
    )
    assert _figures(personas.legal_manager, report) == [  # one case each: by name
        ("11", "Beijing", 1, Decimal("12345.67")),
        ("44", "Guangdong", 1, Decimal("31000.00")),
        ("31", "Shanghai", 1, Decimal("8000.00")),
    ]
    assert _figures(personas.case_handler, report) == [
        ("11", "Beijing", 1, Decimal("12345.67")),
        ("31", "Shanghai", 1, Decimal("8000.00")),
    ]
    assert _figures(personas.outsider_branch, report) == [("44", "Guangdong", 1, Decimal("31000.00"))]
    assert selectors.saved_report_run(personas.case_handler, report).totals.claim == Decimal("20345.67")
    assert selectors.saved_report_run(personas.legal_manager, report).totals.claim == Decimal("51345.67")


# --- pages ------------------------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def test_the_builder_previews_a_definition_from_the_query_string(personas):
    build_portfolio(personas)
    response = _client(personas.case_handler).get(
        reverse("reports:builder"), {"dimension1": "court_province", "measures": ["cases", "claim"]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="builder-table"' in html and "12,345.67" in html and "20,345.67" in html
    assert "31,000.00" not in html  # Guangdong is outside the case handler's scope
    assert 'id="builder-chart-data"' in html
    assert not SavedReport.objects.exists()


def test_the_builder_shows_a_bad_preview_as_form_errors(personas):
    response = _client(personas.case_handler).get(
        reverse("reports:builder"), {"dimension1": "court", "dimension2": "court", "measures": ["cases"]}
    )
    assert response.status_code == 200
    assert "Choose two different dimensions." in response.content.decode()


def test_saving_from_the_builder_creates_the_report_and_opens_it(personas):
    build_portfolio(personas)
    client = _client(personas.case_handler)
    response = client.post(
        reverse("reports:builder"),
        {"name": "Regions", "dimension1": "court_province", "measures": ["cases", "claim"], "period_from": "2026-01"},
    )
    report = SavedReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:saved_detail", args=[report.pk])
    assert report.definition == {
        "dimensions": ["court_province"],
        "measures": ["cases", "claim"],
        "filters": {"period_from": "2026-01"},
    }
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Regions" in page.content.decode() and "20,345.67" in page.content.decode()


def test_a_case_handler_cannot_share_through_the_form(personas):
    role = Role.objects.get(code="branch_manager")
    response = _client(personas.case_handler).post(
        reverse("reports:builder"),
        {
            "name": "R",
            "dimension1": "court",
            "measures": ["cases"],
            "shared_with_roles": [role.pk],
            "schedule": "weekly",
        },
    )
    assert response.status_code == 302
    report = SavedReport.objects.get()
    assert not report.shared_with_roles.exists() and report.schedule == ""  # the form does not offer sharing


def test_saving_without_a_name_writes_nothing(personas):
    response = _client(personas.case_handler).post(
        reverse("reports:builder"), {"dimension1": "court", "measures": ["cases"]}
    )
    assert response.status_code == 200 and "Enter a name for the report." in response.content.decode()
    assert not SavedReport.objects.exists()


def test_editing_through_the_form_and_a_stale_form_answers_409(personas):
    report = services.saved_report_create(actor=personas.case_handler, name="Mine", definition=BY_REGION)
    client = _client(personas.case_handler)
    url = reverse("reports:saved_edit", args=[report.pk])
    form = {"name": "Renamed", "dimension1": "court", "measures": ["cases"], "version": "1"}
    assert client.post(url, form).status_code == 302
    report.refresh_from_db()
    assert report.name == "Renamed" and report.version == 2
    stale = client.post(url, {**form, "name": "Lost"})
    assert stale.status_code == 409
    report.refresh_from_db()
    assert report.name == "Renamed" and report.version == 2


def test_deleting_through_the_page(personas):
    report = services.saved_report_create(actor=personas.case_handler, name="Mine", definition=BY_REGION)
    client = _client(personas.case_handler)
    assert client.get(reverse("reports:saved_delete", args=[report.pk])).status_code == 405
    response = client.post(reverse("reports:saved_delete", args=[report.pk]))
    assert response.status_code == 302 and not SavedReport.objects.exists()


def test_another_users_private_report_is_404_on_every_route(personas):
    report = services.saved_report_create(actor=personas.case_handler, name="Mine", definition=BY_REGION)
    client = _client(personas.legal_manager)
    for name, kwargs in (
        ("reports:saved_detail", {"pk": report.pk}),
        ("reports:saved_edit", {"pk": report.pk}),
        ("reports:saved_export", {"pk": report.pk, "fmt": "xlsx"}),
    ):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404
    assert client.post(reverse("reports:saved_delete", args=[report.pk])).status_code == 404
    assert SavedReport.objects.filter(pk=report.pk).exists()


# --- exports ------------------------------------------------------------------------------------------------------


def test_exports_hold_the_viewers_figures(personas):
    build_portfolio(personas)
    report = services.saved_report_create(
        actor=personas.legal_manager, name="By region", definition=BY_REGION, shared_with_roles=_roles("case_handler")
    )
    client = _client(personas.case_handler)
    response = client.get(reverse("reports:saved_export", args=[report.pk, "csv"]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Beijing", "1", "12345.67"] in rows
    assert ["Shanghai", "1", "8000.00"] in rows
    assert ["Total", "2", "20345.67"] in rows
    assert not any("Guangdong" in cell for row in rows for cell in row)

    response = client.get(reverse("reports:saved_export", args=[report.pk, "xlsx"]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert any(row[:3] == ("Beijing", 1, 12345.67) for row in values)
    assert any(row[:3] == ("Total", 2, 20345.67) for row in values)

    response = client.get(reverse("reports:saved_export", args=[report.pk, "pdf"]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(reverse("reports:saved_export", args=[report.pk, "docx"])).status_code == 404
