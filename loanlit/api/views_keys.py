"""API key pages for ``api.manage`` holders: list, create (the secret shown once), revoke."""

from __future__ import annotations

urlpatterns: list = []
