"""Jobs and periodic tasks of the cases app (discovered by loanlit.jobs.registry); one module per area."""

from loanlit.cases import jobs_retention  # noqa: F401
