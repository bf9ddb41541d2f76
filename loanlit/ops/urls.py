"""Health checks, metrics and the system status page (namespace ``ops``, mounted at the site root)."""

from __future__ import annotations

from django.urls import path

from loanlit.ops import views

app_name = "ops"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("system/status/", views.system_status, name="status"),
]
