"""Workflow pages; each area has its own url module and view module."""

from django.urls import include, path

app_name = "workflow"

urlpatterns = [
    path("", include("loanlit.workflow.urls_tasks")),
    path("templates/", include("loanlit.workflow.urls_templates")),
    path("decisions/", include("loanlit.workflow.urls_decisions")),
    path("settlements/", include("loanlit.workflow.urls_settlements")),
]
