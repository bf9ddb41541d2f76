"""Health checks, metrics and the system status page (namespace ``ops``, mounted at the site root)."""

from __future__ import annotations

app_name = "ops"
urlpatterns: list = []
