"""Webhook delivery jobs and the periodic retry sweep (filled in by the webhooks work)."""
