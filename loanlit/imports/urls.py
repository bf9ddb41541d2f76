from django.urls import include, path

from loanlit.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("template/<slug:kind>.xlsx", views.template_download, name="template_download"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/status/", views.batch_status, name="batch_status"),
    path("<int:pk>/configure/", views.batch_configure, name="batch_configure"),
    path("<int:pk>/duplicates/", views.batch_resolve_duplicates, name="batch_resolve_duplicates"),
    path("<int:pk>/commit/", views.batch_commit, name="batch_commit"),
    path("<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("<int:pk>/errors.xlsx", views.error_report, name="error_report"),
    # Case, loan and party exports (loanlit/imports/exports): names imports:export_*.
    path("exports/", include("loanlit.imports.exports.urls")),
]

# Drop folders (loanlit/imports/views_drop.py): names imports:drop_*.
from loanlit.imports import views_drop  # noqa: E402

urlpatterns += [
    path("drop-folders/", views_drop.drop_list, name="drop_list"),
    path("drop-folders/new/", views_drop.drop_create, name="drop_create"),
    path("drop-folders/<int:pk>/", views_drop.drop_detail, name="drop_detail"),
    path("drop-folders/<int:pk>/edit/", views_drop.drop_edit, name="drop_edit"),
]
