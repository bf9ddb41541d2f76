"""Every route × every persona: status as the access rule says, and nothing written when refused."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.authz import (
    ANONYMOUS,
    LOGIN,
    Access,
    Route,
    code,
    iter_route_names,
    only,
    row_counts,
    unnamed_routes,
)

pytestmark = pytest.mark.django_db

# The world's jobs belong to the case handler; auditors and administrators may see every job.
JOB_VIEWERS = ("case_handler", "administrator", "auditor")

# The world's case: who sees it, who may change it (the others who see it get 403, everyone else 404).
CASE_VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
CASE_EDITORS = ("administrator", "legal_manager", "case_handler")
CASE_WRITE = Access("users", users=CASE_EDITORS, denied=404, forbidden=("branch_manager", "auditor", "read_only"))

# Imports: who may open the list (an import permission or jobs.view_all), who may upload, who sees the
# world's import (its owner and jobs.view_all within the creditor).
IMPORTERS = (
    "administrator",
    "legal_manager",
    "case_handler",
    "external_lawyer",
    "outsider_branch",
    "outsider_creditor",
)
IMPORT_VIEWERS = (*IMPORTERS, "auditor")
IMPORT_BATCH_VIEWERS = ("case_handler", "administrator", "auditor")


def _import_batch(world):
    from loanlit.imports.tests.views_support import matrix_batch

    return matrix_batch(world)


def _enf():
    """The enforcement objects on the world's case, built per route as needed (issue 7)."""
    from loanlit.enforcement.tests import matrix_world

    return matrix_world


# Write-offs and debt transfers: enforcement.write_off (administrator, legal manager) on top of editing the case.
WRITE_OFF = Access(
    "users",
    users=("administrator", "legal_manager"),
    denied=404,
    forbidden=("case_handler", "branch_manager", "auditor", "read_only"),
)
UNMASKERS = ("administrator", "legal_manager", "case_handler")


# Documents store writes: editors are redirected back with the form's refusal (an empty POST writes nothing).
DOCUMENT_WRITE = Access(
    "users", users=CASE_EDITORS, ok=(302,), denied=404, forbidden=("branch_manager", "auditor", "read_only")
)


def _doc(world):
    from loanlit.documents.tests.support import matrix_document

    return matrix_document(world)


def _appr():
    from loanlit.documents.tests import approvals_matrix

    return approvals_matrix


def _docgen_template():
    from loanlit.docgen.models import DocTemplate

    return DocTemplate.objects.order_by("pk").first()


APPROVAL_VIEWERS_FORBIDDEN = ("administrator", "case_handler", "branch_manager", "auditor", "read_only")


# Batches (issue 8): everyone with cases.view but external lawyers; creating needs cases.edit too.
# (The security administrator has no cases.view: 404.)
BATCH_USERS = (
    "administrator",
    "legal_manager",
    "case_handler",
    "branch_manager",
    "auditor",
    "read_only",
    "outsider_branch",
    "outsider_creditor",
)
BATCH_CREATE = Access(
    "users",
    users=("administrator", "legal_manager", "case_handler", "outsider_branch", "outsider_creditor"),
    denied=404,
    forbidden=("branch_manager", "auditor", "read_only"),
)
BATCH_ACT = Access(
    "users", users=CASE_EDITORS, ok=(302,), denied=404, forbidden=("branch_manager", "auditor", "read_only")
)


def _batch(world):
    from loanlit.batches.tests.matrix import matrix_batch

    return matrix_batch(world)


def _batch_item(world):
    from loanlit.batches.tests.matrix import matrix_item

    return matrix_item(world)


ROUTES: list[Route] = [
    Route("core:home", get=LOGIN),
    Route("accounts:login", get=Access("public", ok=(200, 302)), post=Access("public", ok=(200, 302))),
    Route("accounts:logout", get=None, post=Access("login", ok=(302,))),
    Route("notifications:list", get=LOGIN),
    Route(
        "notifications:mark_read",
        get=None,
        post=only("case_handler", ok=(200, 302)),
        kwargs=lambda w: {"pk": w.notification.pk},
    ),
    Route("notifications:mark_all_read", get=None, post=Access("login", ok=(302,))),
    Route("audit:entry_list", get=code("audit.view")),
    Route("audit:access_log_list", get=code("audit.view")),
    Route("jobs:job_list", get=LOGIN),
    Route("jobs:job_detail", get=only(*JOB_VIEWERS), kwargs=lambda w: {"pk": w.job_queued.pk}),
    Route("jobs:job_progress", get=only(*JOB_VIEWERS), kwargs=lambda w: {"pk": w.job_queued.pk}),
    Route(
        "jobs:job_cancel",
        get=None,
        post=Access("users", users=("case_handler", "administrator"), ok=(302,), denied=404, forbidden=("auditor",)),
        kwargs=lambda w: {"pk": w.job_queued.pk},
    ),
    Route("jobs:job_download", get=only(*JOB_VIEWERS), kwargs=lambda w: {"pk": w.job_done.pk}),
    Route("set_language", get=None, post=Access("public", ok=(302,)), data=lambda w: {"language": "en"}),
    # rules: calculators for every signed-in user; reference data for admin.manage_reference_data.
    Route("rules:calculators", get=LOGIN),
    Route("rules:calculate", get=None, post=LOGIN, kwargs=lambda w: {"kind": "fee"}),
    Route("rules:claim_export", get=None, post=LOGIN),
    Route("rules:holiday_list", get=Access("code", code="admin.manage_reference_data")),
    Route(
        "rules:holiday_add",
        get=Access("code", code="admin.manage_reference_data"),
        post=Access("code", code="admin.manage_reference_data"),
    ),
    Route(
        "rules:holiday_edit",
        get=Access("code", code="admin.manage_reference_data"),
        post=Access("code", code="admin.manage_reference_data"),
        kwargs=lambda w: {"year": 2027},
    ),
    Route(
        "rules:holiday_delete",
        get=None,
        post=Access("code", code="admin.manage_reference_data", ok=(302, 404)),
        kwargs=lambda w: {"year": 2027},
    ),
    Route("rules:lpr_list", get=Access("code", code="admin.manage_reference_data")),
    Route("rules:lpr_add", get=None, post=Access("code", code="admin.manage_reference_data")),
    # cases (issue 4): the world's case is in the Beijing branch, handled by case_handler, placed with a
    # firm the external lawyer is not a member of. Out of scope answers 404; viewers without cases.edit 403.
    Route("cases:case_list", get=LOGIN),
    Route("cases:case_detail", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": w.cw.case.pk}),
    *[
        Route("cases:case_tab", get=only(*CASE_VIEWERS), kwargs=lambda w, tab=tab: {"pk": w.cw.case.pk, "tab": tab})
        for tab in ("overview",)
    ],
    *[
        Route(f"cases:{name}", get=CASE_WRITE, post=CASE_WRITE, kwargs=lambda w: {"pk": w.cw.case.pk})
        for name in (
            "case_edit",
            "case_stage",
            "claim_compute",
            "placement_add",
            "placement_recall",
            "proceeding_add",
            "cost_add",
            "recovery_add",
        )
    ],
    *[
        Route(
            f"cases:{name}",
            get=CASE_WRITE,
            post=CASE_WRITE,
            kwargs=lambda w: {"pk": w.cw.case.pk, "proceeding_pk": w.cw.proceeding.pk},
        )
        for name in (
            "proceeding_edit",
            "proceeding_result",
            "proceeding_party_add",
            "hearing_add",
            "service_record_add",
            "judgment_record",
        )
    ],
    Route("cases:party_detail", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": w.cw.borrower.pk}),
    Route("cases:party_reveal", get=None, post=CASE_WRITE, kwargs=lambda w: {"pk": w.cw.borrower.pk}),
    Route("cases:party_contact_add", get=CASE_WRITE, post=CASE_WRITE, kwargs=lambda w: {"pk": w.cw.borrower.pk}),
    Route("loans:loan_detail", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": w.cw.loan.pk}),
    # reminders (issue 5): settings and the delivery log for admin.manage_reference_data; the ICS feed
    # settings for every signed-in user; the feed itself is public with its secret token (wrong token → 404,
    # tests in loanlit/deadlines/tests/test_ics.py).
    Route("deadlines:reminder_policy_list", get=code("admin.manage_reference_data")),
    Route(
        "deadlines:reminder_policy_edit",
        get=code("admin.manage_reference_data"),
        post=code("admin.manage_reference_data"),
        kwargs=lambda w: {"kind": "appeal"},
    ),
    Route(
        "deadlines:reminder_policy_delete",
        get=None,
        post=code("admin.manage_reference_data", ok=(404,)),
        kwargs=lambda w: {"kind": "appeal"},
    ),
    Route("deadlines:robot_list", get=code("admin.manage_reference_data")),
    Route("deadlines:robot_add", get=None, post=code("admin.manage_reference_data")),
    Route(
        "deadlines:robot_toggle",
        get=None,
        post=code("admin.manage_reference_data", ok=(302,)),
        kwargs=lambda w: {"pk": w.robot.pk},
    ),
    Route("deadlines:reminder_log", get=code("admin.manage_reference_data")),
    Route("deadlines:ics_feed_settings", get=LOGIN),
    Route("deadlines:ics_feed_regenerate", get=None, post=LOGIN),
    Route("deadlines:ics_feed_revoke", get=None, post=Access("login", ok=(302,))),
    Route("deadlines:ics_feed", get=Access("public"), kwargs=lambda w: {"token": w.ics_token}),
    Route("parties:merge_queue", get=code("admin.manage_reference_data")),
    # deadlines (issue 5): the world's case has its trial-limit deadline; scope follows the case.
    Route("deadlines:list", get=LOGIN),
    Route("deadlines:calendar", get=LOGIN),
    Route("deadlines:detail", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": w.deadline.pk}),
    Route("deadlines:case", get=only(*CASE_VIEWERS), kwargs=lambda w: {"case_pk": w.cw.case.pk}),
    *[
        Route(
            f"deadlines:{name}",
            get=None,
            post=Access(
                "users",
                users=CASE_EDITORS,
                ok=(302, 400),
                denied=404,
                forbidden=("branch_manager", "auditor", "read_only"),
            ),
            kwargs=lambda w: {"pk": w.deadline.pk},
            data=lambda w: {"version": w.deadline.version},
        )
        for name in ("done", "waive", "override")
    ],
    # deadlines (issue 5): recording a fee notice or a measure on the case, a collection action on its loan.
    # Out of scope 404; viewers without cases.edit 403; external lawyers never see the bank's loan book.
    *[
        Route(
            f"deadlines:{name}",
            get=None,
            post=Access(
                "users",
                users=CASE_EDITORS,
                ok=(302,),
                denied=404,
                forbidden=("branch_manager", "auditor", "read_only"),
            ),
            kwargs=lambda w: {"case_pk": w.cw.case.pk},
            data=lambda w, data=data: data,
        )
        for name, data in (
            ("fee_notice_add", {"fee-received_on": "2026-01-12"}),
            (
                "measure_add",
                {"measure-kind": "seizure", "measure-took_effect_on": "2026-01-12", "measure-asset_type": "movable"},
            ),
        )
    ],
    Route("deadlines:loan", get=only(*CASE_VIEWERS), kwargs=lambda w: {"loan_pk": w.cw.loan.pk}),
    Route(
        "deadlines:collection_action_add",
        get=None,
        post=Access(
            "users",
            users=CASE_EDITORS,
            ok=(302,),
            denied=404,
            forbidden=("branch_manager", "auditor", "read_only"),
        ),
        kwargs=lambda w: {"loan_pk": w.cw.loan.pk},
        data=lambda w: {"acted_on": "2026-01-12", "method": "phone", "proof": "call log"},
    ),
    # exports (issue 6): cases.export; the rows are the user's own scope (outsiders export their own, none
    # of the world's). CSV streams (GET); xlsx starts a job and redirects to its page (POST).
    *[
        Route("imports:export_csv", get=code("cases.export"), kwargs=lambda w, kind=kind: {"kind": kind})
        for kind in ("cases", "ledger")
    ],
    *[
        Route(
            "imports:export_xlsx",
            get=None,
            post=code("cases.export", ok=(302,)),
            kwargs=lambda w, kind=kind: {"kind": kind},
        )
        for kind in ("cases", "ledger")
    ],
    # imports (issue 6): the list for whoever may import (or sees every job); the world's import belongs to
    # the case handler, who alone moves it on; administrator and auditor (jobs.view_all) see it and get 403
    # on a step; everyone else 404. A POST without data is refused on the form (nothing written).
    Route(
        "imports:batch_list",
        get=Access("users", users=IMPORT_VIEWERS, denied=403),
        post=Access("users", users=IMPORTERS, denied=403),
    ),
    Route("imports:template_download", get=code("imports.run"), kwargs=lambda w: {"kind": "loans"}),
    *[
        Route(f"imports:{name}", get=only(*IMPORT_BATCH_VIEWERS), kwargs=lambda w: {"pk": _import_batch(w).pk})
        for name in ("batch_detail", "batch_status", "error_report")
    ],
    *[
        Route(
            f"imports:{name}",
            get=None,
            post=Access(
                "users", users=("case_handler",), ok=(302,), denied=404, forbidden=("administrator", "auditor")
            ),
            kwargs=lambda w: {"pk": _import_batch(w).pk},
        )
        for name in ("batch_configure", "batch_resolve_duplicates", "batch_commit", "batch_cancel")
    ],
    Route(
        "parties:merge_resolve",
        get=None,
        post=Access("code", code="admin.manage_reference_data", ok=(302,)),
        kwargs=lambda w: {"pk": w.merge_candidate.pk},
    ),
    # enforcement (issue 7): lists for every signed-in user (scoped rows); the world's case for its viewers,
    # its forms for its editors (viewers 403, everyone else 404); write-offs need enforcement.write_off too.
    # A POST without data is refused on the form (nothing written).
    *[
        Route(f"enforcement:{name}", get=LOGIN)
        for name in (
            "dashboard_panel",
            "expiring_measures",
            "termination_pool",
            "over_limit",
            "follow_ups",
            "transfer_list",
        )
    ],
    Route("enforcement:transfer_add", get=code("enforcement.write_off"), post=code("enforcement.write_off")),
    Route("enforcement:transfer_detail", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": _enf().transfer(w).pk}),
    Route("enforcement:case", get=only(*CASE_VIEWERS), kwargs=lambda w: {"case_pk": w.cw.case.pk}),
    *[
        Route(f"enforcement:{name}", get=CASE_WRITE, post=CASE_WRITE, kwargs=lambda w: {"case_pk": w.cw.case.pk})
        for name in (
            "asset_add",
            "measure_add",
            "guarantee_add",
            "apply",
            "search_add",
            "restriction_add",
            "auction_step_add",
            "distribution_add",
            "payment_add",
            "settlement_add",
            "objection_add",
        )
    ],
    Route("enforcement:write_off_add", get=WRITE_OFF, post=WRITE_OFF, kwargs=lambda w: {"case_pk": w.cw.case.pk}),
    Route(
        "enforcement:asset_reveal",
        get=None,
        post=Access("users", users=UNMASKERS, denied=404, forbidden=("branch_manager", "auditor", "read_only")),
        kwargs=lambda w: {"case_pk": w.cw.case.pk, "pk": _enf().asset(w).pk},
    ),
    *[
        Route(
            f"enforcement:{name}",
            get=CASE_WRITE,
            post=CASE_WRITE,
            kwargs=lambda w, builder=builder: {"case_pk": w.cw.case.pk, "pk": getattr(_enf(), builder)(w).pk},
        )
        for name, builder in (
            ("asset_edit", "asset"),
            ("measure_renew", "measure"),
            ("measure_release", "measure"),
            ("record_edit", "record"),
            ("restriction_edit", "restriction"),
            ("distribution_edit", "distribution"),
            ("settlement_breach", "settlement"),
            ("review_record", "review"),
            ("follow_up_done", "review"),
            ("resume", "termination"),
        )
    ],
    Route(
        "enforcement:instalment_pay",
        get=CASE_WRITE,
        post=CASE_WRITE,
        kwargs=lambda w: {
            "case_pk": w.cw.case.pk,
            "pk": _enf().settlement(w).pk,
            "instalment_pk": _enf().settlement(w).instalments.order_by("seq").first().pk,
        },
    ),
    Route(
        "enforcement:terminate",
        get=CASE_WRITE,
        post=CASE_WRITE,
        kwargs=lambda w: {"case_pk": w.cw.case.pk, "proceeding_pk": _enf().record(w).proceeding_id},
    ),
    Route(
        "enforcement:evidence_edit",
        get=CASE_WRITE,
        post=CASE_WRITE,
        kwargs=lambda w: {
            "case_pk": w.cw.case.pk,
            "write_off_pk": _enf().evidence(w).write_off_id,
            "pk": _enf().evidence(w).pk,
        },
    ),
    # documents store (issue 8): the world's case for its viewers (404 for everyone else), writes for its
    # editors (viewers 403); an empty POST is refused on the form and redirects (nothing written). Purge is
    # for administrators only; categories and the stored-files check need documents.manage.
    *[
        Route(f"documents:{name}", get=only(*CASE_VIEWERS), kwargs=lambda w: {"case_pk": w.cw.case.pk})
        for name in ("case", "case_bin", "manifest_json", "manifest_xlsx")
    ],
    Route("documents:upload", get=None, post=DOCUMENT_WRITE, kwargs=lambda w: {"case_pk": w.cw.case.pk}),
    *[
        Route(f"documents:{name}", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": _doc(w).pk})
        for name in ("document", "versions")
    ],
    Route("documents:download", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": _doc(w).pk, "number": 1}),
    Route("documents:document_edit", get=CASE_WRITE, post=CASE_WRITE, kwargs=lambda w: {"pk": _doc(w).pk}),
    *[
        Route(f"documents:{name}", get=None, post=DOCUMENT_WRITE, kwargs=lambda w: {"pk": _doc(w).pk})
        for name in ("version_upload", "bin", "restore")
    ],
    Route(
        "documents:purge",
        get=None,
        post=Access(
            "users",
            users=("administrator",),
            ok=(302,),
            denied=404,
            forbidden=("legal_manager", "case_handler", "branch_manager", "auditor", "read_only"),
        ),
        kwargs=lambda w: {"pk": _doc(w).pk},
    ),
    Route("documents:categories", get=code("documents.manage"), post=code("documents.manage")),
    Route(
        "documents:category_toggle",
        get=None,
        post=code("documents.manage", ok=(302,)),
        kwargs=lambda w: {"code": "other"},
    ),
    Route("documents:integrity", get=code("documents.manage")),
    # previews and search (issue 8): a version's preview pages for the case's viewers; search for everyone
    # signed in (results scoped).
    Route("documents:search", get=LOGIN),
    *[
        Route(
            f"documents:{name}",
            get=only(*CASE_VIEWERS),
            kwargs=lambda w, extra=extra: {"pk": _doc(w).pk, "number": 1, **extra},
        )
        for name, extra in (("version_preview", {}), ("preview_page", {"page": 1}))
    ],
    # approvals (issue 8): the request for the case's viewers; deciding is for the approver whose turn it is
    # (the world's legal manager), withdrawing and submitting for the case's editors.
    Route("documents:approvals_mine", get=LOGIN),
    Route("documents:approval_detail", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": _appr().request(w).pk}),
    Route(
        "documents:approval_decide",
        get=None,
        post=Access("users", users=("legal_manager",), ok=(400,), denied=404, forbidden=APPROVAL_VIEWERS_FORBIDDEN),
        kwargs=lambda w: {"pk": _appr().request(w).pk},
    ),
    Route(
        "documents:approval_withdraw",
        get=None,
        post=Access(
            "users", users=CASE_EDITORS, ok=(302,), denied=404, forbidden=("branch_manager", "auditor", "read_only")
        ),
        kwargs=lambda w: {"pk": _appr().request(w).pk},
    ),
    Route(
        "documents:approval_submit",
        get=CASE_WRITE,
        post=Access(
            "users", users=CASE_EDITORS, ok=(400,), denied=404, forbidden=("branch_manager", "auditor", "read_only")
        ),
        kwargs=lambda w: {"document_pk": _appr().document(w).pk},
    ),
    # Word templates (issue 8): the template pages for reference-data administrators; a case's generation
    # page for its viewers, generating for its editors (an empty POST is refused on the form: 400).
    Route("docgen:template_list", get=code("admin.manage_reference_data")),
    Route(
        "docgen:template_create",
        get=code("admin.manage_reference_data"),
        post=code("admin.manage_reference_data", ok=(400,)),
    ),
    Route(
        "docgen:template_detail",
        get=code("admin.manage_reference_data"),
        kwargs=lambda w: {"pk": _docgen_template().pk},
    ),
    Route(
        "docgen:version_upload",
        get=None,
        post=code("admin.manage_reference_data", ok=(400,)),
        kwargs=lambda w: {"pk": _docgen_template().pk},
    ),
    Route(
        "docgen:case",
        get=only(*CASE_VIEWERS),
        post=Access(
            "users", users=CASE_EDITORS, ok=(400,), denied=404, forbidden=("branch_manager", "auditor", "read_only")
        ),
        kwargs=lambda w: {"case_pk": w.cw.case.pk},
    ),
    # batches (issue 8): bank staff who see cases (never external lawyers: 404); the world's batch (Beijing
    # branch) for the case viewers, its actions for those with cases.edit (viewers 403, everyone else 404).
    Route("batches:batch_list", get=Access("users", users=BATCH_USERS, denied=404)),
    Route("batches:batch_add", get=BATCH_CREATE, post=BATCH_CREATE),
    Route("batches:batch_detail", get=only(*CASE_VIEWERS), kwargs=lambda w: {"pk": _batch(w).pk}),
    Route(
        "batches:batch_select",
        get=CASE_WRITE,
        post=BATCH_ACT,
        kwargs=lambda w: {"pk": _batch(w).pk},
    ),
    *[
        Route(f"batches:{name}", get=None, post=BATCH_ACT, kwargs=lambda w: {"pk": _batch(w).pk})
        for name in ("batch_screen", "batch_packs", "batch_write_back", "batch_open_cases")
    ],
    Route(
        "batches:batch_package",
        get=None,
        post=BATCH_ACT,
        kwargs=lambda w: {"pk": _batch(w).pk},
        data=lambda w: {"court": _batch_item(w).court_id},
    ),
    *[
        Route(
            f"batches:{name}",
            get=None,
            post=BATCH_ACT,
            kwargs=lambda w: {"pk": _batch(w).pk, "item_pk": _batch_item(w).pk},
        )
        for name in ("item_court", "item_remove")
    ],
]

# Issue 9: each area keeps its own rows beside its views (one module each, so areas never edit this file).
for _rows in (
    "workflow.tests.matrix_tasks",
    "workflow.tests.matrix_templates",
    "workflow.tests.matrix_decisions",
    "workflow.tests.matrix_settlements",
    "collaboration.tests.matrix",
    # Issue 10: security hardening, one module per area.
    "accounts.tests.matrix_admin",
    "accounts.tests.matrix_auth",
    "accounts.tests.matrix_sso",
    "cases.tests.matrix_sharing",
    "cases.tests.matrix_retention",
    "audit.tests.matrix_retention",
    "core.tests.matrix_protection",
    "reports.tests.matrix_dashboard",
    "reports.tests.matrix_management",
    "reports.tests.matrix_builder",
    # Issue 12: platform pages (the /api/ routes have their own matrix: loanlit/api/tests/test_api_matrix.py).
    "ops.tests.matrix",
    "api.tests.matrix_keys",
    "api.tests.matrix_webhooks",
    "backups.tests.matrix",
    "imports.tests.matrix_drop",
):
    ROUTES.extend(importlib.import_module(f"loanlit.{_rows}").ROUTES)

PERSONAS = [
    ANONYMOUS,
    "administrator",
    "legal_manager",
    "case_handler",
    "external_lawyer",
    "branch_manager",
    "auditor",
    "security_admin",
    "read_only",
    "outsider_branch",
    "outsider_creditor",
]


def test_every_route_is_in_the_matrix():
    listed = {route.name for route in ROUTES}
    known = {name for name in iter_route_names() if not name.startswith("api:")}
    assert sorted(known - listed) == [], "routes missing from the authorization matrix"
    assert sorted(listed - known) == [], "matrix lists routes that no longer exist"
    assert list(unnamed_routes()) == [], "every route needs a name to be in the matrix"


@pytest.fixture
def world(personas):
    from loanlit.jobs.services import job_enqueue
    from loanlit.jobs.worker import run_pending
    from loanlit.notifications.services import notify

    personas.job_done = job_enqueue(
        kind="jobs.demo_count", params={"n": 2, "with_file": True}, actor=personas.case_handler
    )
    run_pending(worker_id="matrix", limit=1)
    personas.job_done.refresh_from_db()
    assert personas.job_done.state == "succeeded"
    personas.notification = notify(recipients=[personas.case_handler], code="matrix", title="T")[0]
    personas.job_queued = job_enqueue(kind="jobs.demo_count", params={"n": 2}, actor=personas.case_handler)
    _case_world(personas)
    _reminder_world(personas)
    return personas


def _reminder_world(personas):
    from loanlit.deadlines.services import reminders

    personas.robot = reminders.robot_endpoint_create(
        actor=None, kind="wecom", name="Matrix robot", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    )
    personas.ics_token = reminders.ics_feed_regenerate(user=personas.case_handler)


def _case_world(personas):
    from loanlit.cases import services as cases
    from loanlit.cases.tests.views_support import build_case_world
    from loanlit.parties.models import PartyMergeCandidate

    personas.cw = build_case_world(personas)
    firm = cases.law_firm_create(actor=None, name="Panel Firm", creditors=[personas.creditor])
    cases.case_place_with_firm(actor=None, case=personas.cw.case, law_firm=firm, version=personas.cw.case.version)
    from loanlit.deadlines.models import Deadline

    personas.deadline = Deadline.objects.filter(case=personas.cw.case).order_by("pk").first()
    personas.merge_candidate = PartyMergeCandidate.objects.create(
        creditor=personas.creditor,
        party=personas.cw.borrower,
        incoming_name="Zhang Shan",
        reason=PartyMergeCandidate.Reason.SAME_ID_DIFFERENT_NAME,
    )


def _client_for(world, persona: str) -> tuple[Client, object]:
    client = Client()
    if persona == ANONYMOUS:
        return client, None
    user = getattr(world, persona)
    client.force_login(user)
    return client, user


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_route_answers_each_persona_as_its_access_rule_says(route, persona, world):
    client, user = _client_for(world, persona)
    url = reverse(route.name, kwargs=route.kwargs(world))
    for method, access in (("get", route.get), ("post", route.post)):
        before = row_counts()
        response = getattr(client, method)(url, route.data(world) if method == "post" else None)
        if access is None:
            other = route.get or route.post
            expected = 302 if persona == ANONYMOUS and other is not None and other.kind != "public" else 405
            assert response.status_code == expected, f"{persona} {method.upper()} {url} should not be allowed"
            assert row_counts() == before
            continue
        if access.allows(persona, user):
            assert response.status_code in access.ok, f"{persona} {method.upper()} {url}: {response.status_code}"
        elif persona == ANONYMOUS:
            assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
            assert row_counts() == before
        else:
            assert response.status_code == access.denied_status(persona), (
                f"{persona} {method.upper()} {url}: {response.status_code}"
            )
            assert row_counts() == before, "a refused request changed data"
