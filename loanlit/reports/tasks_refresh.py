"""Incremental refresh every STATS_REFRESH_MINUTES, full rebuild nightly (H1)."""
