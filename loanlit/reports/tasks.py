"""Periodic tasks and job handlers of the reports app (discovered by ``jobs.registry``)."""

from loanlit.reports import tasks_refresh, tasks_schedule  # noqa: F401  (register their tasks)
