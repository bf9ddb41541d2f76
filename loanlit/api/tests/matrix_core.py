"""API matrix rows: cases, parties, loans, balance snapshots, users, report aggregates, schema and docs."""

from __future__ import annotations

from loanlit.api.tests.api_matrix import ApiRoute
from tests.support.authz import Access, code

CASE_VIEWERS = ("administrator", "legal_manager", "case_handler", "branch_manager", "auditor", "read_only")
SEE_CASE = Access("users", users=CASE_VIEWERS, denied=404, forbidden=("security_admin",))

ROUTES: list[ApiRoute] = [
    ApiRoute("api:case-list", {"get": code("cases.view")}),
    ApiRoute("api:case-detail", {"get": SEE_CASE}, kwargs=lambda w: {"pk": w.cw.case.pk}),
    ApiRoute("api:schema", {"get": Access("login")}),
    ApiRoute("api:docs", {"get": Access("login")}),
    ApiRoute("api:redoc", {"get": Access("login")}),
]
