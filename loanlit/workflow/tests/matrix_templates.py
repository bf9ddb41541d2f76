"""Authorization-matrix rows of this area's routes (collected by tests/test_authorization_matrix.py).

Template pages need ``workflow.manage_templates``; the world's template is the built-in financial loan
suit template (offered to every creditor). The bulk page needs ``workflow.bulk``. An empty POST is a form
error (400) for those allowed, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from tests.support.authz import Route, code

MANAGE = "workflow.manage_templates"
BULK = "workflow.bulk"


def _template(world: Any) -> dict[str, int]:
    from loanlit.workflow.models import WorkflowTemplate

    return {"pk": WorkflowTemplate.objects.get(code="financial_loan_suit").pk}


ROUTES: list[Route] = [
    Route("workflow:template_list", get=code(MANAGE)),
    Route("workflow:template_create", get=code(MANAGE), post=code(MANAGE, ok=(400,))),
    Route("workflow:template_detail", get=code(MANAGE), kwargs=_template),
    Route("workflow:template_edit", get=None, post=code(MANAGE, ok=(400,)), kwargs=_template),
    Route("workflow:version_publish", get=code(MANAGE), post=code(MANAGE, ok=(400,)), kwargs=_template),
    Route("workflow:template_migrate", get=code(MANAGE), post=code(MANAGE, ok=(400,)), kwargs=_template),
    Route("workflow:bulk_cases", get=code(BULK), post=code(BULK, ok=(400,))),
]
