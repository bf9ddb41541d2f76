"""Job handlers and periodic tasks of the automation area (imported by loanlit/workflow/tasks.py).

``workflow.stage_documents``: the documents a template generates when a case enters a stage, queued by
``services.automation`` in the move's transaction (so a refused or rolled-back move queues nothing). It
runs as the user who moved the case, through ``docgen.services.document_generate`` (scope, the
``personal_data.unmask`` permission, the access log and the audit all apply as if they had clicked
"generate"). A template that cannot be generated is a row error; the others are still generated. It runs
once (``max_attempts=1``): a retry after a crash could store a document twice.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit.core.errors import DomainError
from loanlit.jobs.context import JobContext
from loanlit.jobs.registry import job_handler


@job_handler("workflow.stage_documents", label=gettext_lazy("Generate a stage's documents"), max_attempts=1)
def stage_documents(job: JobContext) -> dict[str, Any]:
    from loanlit.accounts.models import User
    from loanlit.cases.models import Case
    from loanlit.docgen.services import document_generate

    try:
        case_id = int(job.params["case"])
        codes = [str(code) for code in job.params.get("templates", [])]
        actor_id = job.params.get("actor")
    except (KeyError, TypeError, ValueError):
        raise DomainError(_("The job parameters are not valid."), code="invalid_params") from None
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise DomainError(_("The case no longer exists."), code="case_missing")
    actor = User.objects.filter(pk=actor_id, is_active=True).first() if actor_id else None
    if actor is None:
        raise DomainError(
            _("Documents are generated as the user who moved the case; this move had no active user."),
            code="no_actor",
        )
    generated: list[int] = []
    job.set_progress(0, len(codes))
    for index, code in enumerate(codes, start=1):
        job.check_cancelled()
        try:
            document = document_generate(actor=actor, case=case, template_code=code)
        except DomainError as error:
            job.add_error(error.message, row=index, code=error.code, template=code)
        else:
            generated.append(document.pk)
        job.set_progress(index, len(codes))
    return {"case": case.pk, "stage": job.params.get("stage", ""), "documents": generated}
