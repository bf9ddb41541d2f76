"""API matrix rows for the process resources (see api_matrix.py): proceedings, hearings, judgments,
events, deadlines, tasks, costs, recoveries, documents, comments and imports.

The world's case (``world.cw.case``) is in the Beijing branch, handled by the case handler and placed with
a firm the external lawyer is not a member of. Viewers without ``cases.edit`` get 403 on a write (the
permission check or the service), everyone who does not see the case 404. Each write's ``data`` is a valid
body for the allowed personas (201 / 200 and the row written) except the two multipart uploads (documents,
imports): the matrix sends JSON, so for them the allowed personas get 400 (no file) and nothing is written;
their uploads are tested in test_resources_b_*.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from loanlit.api.tests.api_matrix import ApiRoute
from tests.support.authz import LOGIN, Access, code, only

CASE_VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
CASE_EDITORS = ("administrator", "legal_manager", "case_handler")
VIEW_ONLY = ("branch_manager", "auditor", "read_only")
SEE_CASE = Access("users", users=CASE_VIEWERS, denied=404, forbidden=("security_admin",))
# A write needing cases.edit: the view-only personas and the security administrator lack the code (403).
EDIT_CASE = Access("users", users=CASE_EDITORS, denied=404, forbidden=(*VIEW_ONLY, "security_admin"))
# Task writes need no code: the case scope decides (the security administrator does not see the case).
EDIT_TASK = Access("users", users=CASE_EDITORS, denied=404, forbidden=VIEW_ONLY)
COMMENTERS = Access("users", users=CASE_VIEWERS, denied=404, forbidden=("security_admin",))
# Multipart uploads answered with a JSON body: 400 (no file) for those allowed.
UPLOAD_DOCUMENT = Access("users", users=CASE_EDITORS, ok=(400,), denied=404, forbidden=(*VIEW_ONLY, "security_admin"))
IMPORTERS = (
    "administrator",
    "legal_manager",
    "case_handler",
    "external_lawyer",
    "outsider_branch",
    "outsider_creditor",
)
START_IMPORT = Access("users", users=IMPORTERS, ok=(400,), denied=403)
IMPORT_BATCH_VIEWERS = ("case_handler", "administrator", "auditor")
# The world's import cannot be committed (required loan fields are unmapped): its owner gets that 400.
COMMIT_IMPORT = Access("users", users=("case_handler",), ok=(400,), denied=404, forbidden=("administrator", "auditor"))


# --- objects on the world's case, made once per world when a route needs them -------------------------------


def _once(world: Any, name: str, make: Any) -> Any:
    value = getattr(world, name, None)
    if value is None:
        value = make()
        setattr(world, name, value)
    return value


def hearing(world: Any) -> Any:
    from loanlit.cases import services

    return _once(
        world,
        "_api_hearing",
        lambda: services.hearing_schedule(
            actor=None,
            proceeding=world.cw.proceeding,
            starts_at=dt.datetime(2026, 12, 20, 9, 30, tzinfo=dt.UTC),
            room="Room 3",
        ),
    )


def judgment(world: Any) -> Any:
    from loanlit.cases import services
    from loanlit.cases.models import Proceeding

    def make() -> Any:
        proceeding = Proceeding.objects.get(pk=world.cw.proceeding.pk)
        return services.proceeding_record_judgment(
            actor=None,
            proceeding=proceeding,
            judged_on=dt.date(2026, 3, 2),
            items=[services.JudgmentItemInput(kind="principal", amount=Decimal("12000.00"))],
            version=proceeding.version,
        )

    return _once(world, "_api_judgment", make)


def cost(world: Any) -> Any:
    from loanlit.cases import services

    return _once(
        world,
        "_api_cost",
        lambda: services.cost_record(
            actor=None,
            case=world.cw.case,
            kind="acceptance_fee",
            amount=Decimal("50.00"),
            paid_on=dt.date(2026, 1, 12),
            payer="creditor",
            borne_by_defendant=True,
        ),
    )


def recovery(world: Any) -> Any:
    from loanlit.cases import services

    return _once(
        world,
        "_api_recovery",
        lambda: services.recovery_record(
            actor=None,
            case=world.cw.case,
            received_on=dt.date(2026, 2, 1),
            amount=Decimal("100.00"),
            source="borrower_payment",
        ),
    )


def task(world: Any) -> Any:
    from loanlit.workflow.services import tasks

    return _once(
        world,
        "_api_task",
        lambda: tasks.task_create_ad_hoc(
            actor=None, title="Call the court clerk", case=world.cw.case, assignee=world.case_handler
        ),
    )


def comment(world: Any) -> Any:
    from loanlit.collaboration import services

    return _once(
        world,
        "_api_comment",
        lambda: services.comment_post(actor=world.case_handler, case=world.cw.case, body="Filed today."),
    )


def event(world: Any) -> Any:
    from loanlit.cases.models import CaseEvent

    return CaseEvent.objects.filter(case=world.cw.case).order_by("pk").first()


def document(world: Any) -> Any:
    from loanlit.documents.tests.support import matrix_document

    return matrix_document(world)


def import_batch(world: Any) -> Any:
    from loanlit.imports.tests.views_support import matrix_batch

    return matrix_batch(world)


def _court_pk(world: Any) -> int:
    return world.cw.court.pk


ROUTES: list[ApiRoute] = [
    # proceedings, their participants, hearings, judgments
    ApiRoute(
        "api:proceeding-list",
        {"get": code("cases.view"), "post": EDIT_CASE},
        data=lambda w: {"case": w.cw.case.pk, "kind": "second_instance", "court": _court_pk(w)},
    ),
    ApiRoute(
        "api:proceeding-detail",
        {"get": SEE_CASE, "patch": EDIT_CASE},
        kwargs=lambda w: {"pk": w.cw.proceeding.pk},
        data=lambda w: {"version": w.cw.proceeding.version, "judge": "Li Si"},
    ),
    ApiRoute("api:proceeding-parties", {"get": SEE_CASE}, kwargs=lambda w: {"pk": w.cw.proceeding.pk}),
    ApiRoute(
        "api:hearing-list",
        {"get": code("cases.view"), "post": EDIT_CASE},
        data=lambda w: {"proceeding": w.cw.proceeding.pk, "starts_at": "2026-12-21T09:30:00+08:00"},
    ),
    ApiRoute("api:hearing-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": hearing(w).pk}),
    ApiRoute(
        "api:judgment-list",
        {"get": code("cases.view"), "post": EDIT_CASE},
        data=lambda w: {
            "proceeding": w.cw.proceeding.pk,
            "version": w.cw.proceeding.version,
            "judged_on": "2026-03-02",
            "items": [{"kind": "principal", "amount": "12000.00"}],
        },
    ),
    ApiRoute("api:judgment-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": judgment(w).pk}),
    # the timeline and deadlines
    ApiRoute("api:event-list", {"get": code("cases.view")}),
    ApiRoute("api:event-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": event(w).pk}),
    ApiRoute("api:deadline-list", {"get": code("cases.view")}),
    ApiRoute("api:deadline-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": w.deadline.pk}),
    ApiRoute(
        "api:deadline-done",
        {"post": EDIT_CASE},
        kwargs=lambda w: {"pk": w.deadline.pk},
        data=lambda w: {"version": w.deadline.version, "note": "Filed."},
    ),
    # tasks
    ApiRoute(
        "api:task-list",
        {"get": LOGIN, "post": EDIT_TASK},
        data=lambda w: {"title": "Prepare the hearing", "case": w.cw.case.pk, "assignee": w.case_handler.pk},
    ),
    ApiRoute("api:task-detail", {"get": only(*CASE_VIEWERS)}, kwargs=lambda w: {"pk": task(w).pk}),
    ApiRoute(
        "api:task-complete",
        {"post": EDIT_TASK},
        kwargs=lambda w: {"pk": task(w).pk},
        data=lambda w: {"version": w._api_task.version, "completion_note": "Done."},
    ),
    # the ledger
    ApiRoute(
        "api:cost-list",
        {"get": code("cases.view"), "post": EDIT_CASE},
        data=lambda w: {
            "case": w.cw.case.pk,
            "kind": "acceptance_fee",
            "amount": "1234.56",
            "paid_on": "2026-01-12",
            "payer": "creditor",
            "borne_by_defendant": True,
        },
    ),
    ApiRoute("api:cost-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": cost(w).pk}),
    ApiRoute(
        "api:recovery-list",
        {"get": code("cases.view"), "post": EDIT_CASE},
        data=lambda w: {
            "case": w.cw.case.pk,
            "received_on": "2026-02-01",
            "amount": "100.00",
            "source": "borrower_payment",
        },
    ),
    ApiRoute("api:recovery-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": recovery(w).pk}),
    # documents (uploads are multipart: see the module docstring)
    ApiRoute(
        "api:document-list",
        {"get": code("cases.view"), "post": UPLOAD_DOCUMENT},
        data=lambda w: {"case": w.cw.case.pk, "category": "other"},
    ),
    ApiRoute("api:document-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": document(w).pk}),
    ApiRoute(
        "api:document-versions",
        {"post": UPLOAD_DOCUMENT},
        kwargs=lambda w: {"pk": document(w).pk},
        data=lambda w: {"version": w._documents_store_document.version},
    ),
    ApiRoute("api:document-download", {"get": SEE_CASE}, kwargs=lambda w: {"pk": document(w).pk, "number": 1}),
    # comments
    ApiRoute(
        "api:comment-list",
        {"get": code("cases.view"), "post": COMMENTERS},
        data=lambda w: {"case": w.cw.case.pk, "body": "Hearing moved, @case_handler please check."},
    ),
    ApiRoute("api:comment-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": comment(w).pk}),
    # imports (the start is multipart: see the module docstring)
    ApiRoute("api:import-list", {"get": LOGIN, "post": START_IMPORT}, data=lambda w: {"kind": "loans"}),
    ApiRoute("api:import-detail", {"get": only(*IMPORT_BATCH_VIEWERS)}, kwargs=lambda w: {"pk": import_batch(w).pk}),
    ApiRoute(
        "api:import-commit",
        {"post": COMMIT_IMPORT},
        kwargs=lambda w: {"pk": import_batch(w).pk},
        data=lambda w: {"version": w.import_batch.version},
    ),
]
