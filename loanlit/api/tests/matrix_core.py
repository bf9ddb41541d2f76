"""API matrix rows: cases, parties, loans, balance snapshots, users, report aggregates, schema and docs."""

from __future__ import annotations

from loanlit.api.tests.api_matrix import ApiRoute
from tests.support.authz import Access, code

CASE_VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
CASE_EDITORS = ("administrator", "legal_manager", "case_handler")
SEE_CASE = Access("users", users=CASE_VIEWERS, denied=404, forbidden=("security_admin",))
# Viewers without cases.edit (and the security administrator, who has no cases code at all) get 403.
CASE_WRITE = Access(
    "users",
    users=CASE_EDITORS,
    denied=404,
    forbidden=("branch_manager", "auditor", "read_only", "security_admin"),
)
# Opening a case: the bank's staff with cases.edit whose scope holds the unit; everyone else 403.
CASE_OPEN = Access("users", users=CASE_EDITORS, ok=(201,), denied=403)
CREDITOR_A_USERS = (
    "administrator",
    "legal_manager",
    "case_handler",
    "external_lawyer",
    "branch_manager",
    "auditor",
    "read_only",
    "outsider_branch",
)
SEE_USER = Access("users", users=CREDITOR_A_USERS, denied=404, forbidden=("security_admin",))
NOT_FOUND = Access("login", ok=(404,))


def _case_version(world) -> dict:
    from loanlit.cases.models import Case

    return {"version": Case.objects.get(pk=world.cw.case.pk).version}


def _case_open(world) -> dict:
    return {
        "creditor": world.creditor.pk,
        "handling_unit": world.beijing.pk,
        "cause_of_action": world.cw.case.cause_of_action,
    }


ROUTES: list[ApiRoute] = [
    ApiRoute("api:case-list", {"get": code("cases.view"), "post": CASE_OPEN}, data=_case_open),
    ApiRoute(
        "api:case-detail",
        {"get": SEE_CASE, "patch": CASE_WRITE},
        kwargs=lambda w: {"pk": w.cw.case.pk},
        data=_case_version,
    ),
    ApiRoute("api:party-list", {"get": code("cases.view")}),
    ApiRoute("api:party-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": w.cw.borrower.pk}),
    ApiRoute("api:loan-list", {"get": code("cases.view")}),
    ApiRoute("api:loan-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": w.cw.loan.pk}),
    ApiRoute("api:loan-snapshots", {"get": SEE_CASE}, kwargs=lambda w: {"pk": w.cw.loan.pk}),
    ApiRoute("api:user-list", {"get": code("cases.view")}),
    ApiRoute("api:user-detail", {"get": SEE_USER}, kwargs=lambda w: {"pk": w.case_handler.pk}),
    ApiRoute("api:report-summary", {"get": code("reports.view")}),
    ApiRoute("api:schema", {"get": Access("login")}),
    ApiRoute("api:docs", {"get": Access("login")}),
    ApiRoute("api:redoc", {"get": Access("login")}),
    ApiRoute(
        "api:not_found",
        dict.fromkeys(("get", "post", "put", "patch", "delete"), NOT_FOUND),
        kwargs=lambda w: {"rest": "v1/no-such-thing/"},
    ),
]
