"""Job-system tunables, read from settings with safe defaults (the deployment may set them via LOANLIT_* env)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def lease() -> timedelta:
    """How long a running job may go without a heartbeat before its worker is presumed dead."""
    return timedelta(seconds=getattr(settings, "JOB_LEASE_SECONDS", 120))


def heartbeat_interval() -> float:
    """Seconds between heartbeats; a quarter of the lease leaves room for a slow database."""
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", lease().total_seconds() / 4))


def max_attempts() -> int:
    return int(getattr(settings, "JOB_MAX_ATTEMPTS", 3))


def errors_cap() -> int:
    """Row-level errors kept on a job; more are counted but not stored, so a bad import cannot bloat the row."""
    return int(getattr(settings, "JOB_ERRORS_CAP", 1000))


def progress_interval() -> float:
    """Minimum seconds between progress writes and cancel checks, so a per-row loop does not hammer the database."""
    return float(getattr(settings, "JOB_PROGRESS_INTERVAL_SECONDS", 0.5))


def scheduler_lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "JOB_SCHEDULER_LEASE_SECONDS", 60))


def transport() -> str:
    return str(getattr(settings, "JOB_TRANSPORT", "worker"))
