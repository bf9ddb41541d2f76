"""Backups for administrators: run one, follow its progress, download it (namespace ``backups``)."""

from __future__ import annotations

app_name = "backups"
urlpatterns: list = []
