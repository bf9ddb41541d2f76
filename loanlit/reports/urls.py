"""Routes of the reports app, mounted at the site root (``/dashboard/…`` and ``/reports/…``)."""

from django.urls import path

from loanlit.reports.views import builder, dashboard, management

app_name = "reports"

urlpatterns = [
    # Dashboard.
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/cases/", dashboard.drilldown, name="drilldown"),
    path("dashboard/export/<slug:widget>/<slug:fmt>/", dashboard.widget_export, name="widget_export"),
    # Report builder and saved reports — before the fixed reports' <slug:report>.
    path("reports/builder/", builder.builder, name="builder"),
    path("reports/saved/<int:pk>/", builder.saved_detail, name="saved_detail"),
    path("reports/saved/<int:pk>/edit/", builder.saved_edit, name="saved_edit"),
    path("reports/saved/<int:pk>/delete/", builder.saved_delete, name="saved_delete"),
    path("reports/saved/<int:pk>/export/<slug:fmt>/", builder.saved_export, name="saved_export"),
    # Fixed management reports.
    path("reports/", management.index, name="index"),
    path("reports/<slug:report>/", management.report, name="report"),
    path("reports/<slug:report>/export/<slug:fmt>/", management.report_export, name="report_export"),
]
