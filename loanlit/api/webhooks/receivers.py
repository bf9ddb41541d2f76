"""Case events → webhook deliveries, queued after commit (filled in by the webhooks work)."""
