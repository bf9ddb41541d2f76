"""Export routes, included by ``loanlit/imports/urls.py`` under ``exports/`` (names ``imports:export_*``)."""

from django.urls import path

from loanlit.imports.exports import views

urlpatterns = [
    path("<slug:kind>/csv/", views.export_csv, name="export_csv"),
    path("<slug:kind>/xlsx/", views.export_xlsx, name="export_xlsx"),
]
