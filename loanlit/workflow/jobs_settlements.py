"""Job handlers and periodic tasks of the settlements area (imported by loanlit/workflow/tasks.py)."""
