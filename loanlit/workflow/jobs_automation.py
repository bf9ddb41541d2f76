"""Job handlers and periodic tasks of the automation area (imported by loanlit/workflow/tasks.py)."""
