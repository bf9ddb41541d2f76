"""Workflow templates (流程设置) and bulk changes, mounted at /workflow/templates/."""

from django.urls import path

from loanlit.workflow.views import bulk, templates

urlpatterns = [
    path("", templates.template_list, name="template_list"),
    path("new/", templates.template_create, name="template_create"),
    path("<int:pk>/", templates.template_detail, name="template_detail"),
    path("<int:pk>/edit/", templates.template_edit, name="template_edit"),
    path("<int:pk>/publish/", templates.version_publish, name="version_publish"),
    path("<int:pk>/migrate/", templates.template_migrate, name="template_migrate"),
    path("bulk/", bulk.bulk_cases, name="bulk_cases"),
]
