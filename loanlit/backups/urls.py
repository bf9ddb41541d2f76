"""Backups for administrators: run one, follow its progress, download it (namespace ``backups``)."""

from __future__ import annotations

from django.urls import path

from loanlit.backups import views

app_name = "backups"
urlpatterns = [
    path("", views.backup_list, name="backup_list"),
    path("run/", views.backup_now, name="backup_now"),
    path("<int:pk>/download/", views.backup_download, name="backup_download"),
]
