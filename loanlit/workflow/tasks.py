"""Jobs and periodic tasks of the workflow app (discovered by loanlit.jobs.registry); one module per area."""

from loanlit.workflow import jobs_automation, jobs_settlements  # noqa: F401
