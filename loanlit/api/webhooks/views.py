"""Webhook pages for ``api.manage`` holders: subscriptions, the delivery log, replay."""

from __future__ import annotations

urlpatterns: list = []
