"""Celery app for deployments with Redis (LOANLIT_REDIS_URL). Celery only carries "run job N": the Job row
is the truth, and the task claims it with the same conditional UPDATE as ``run_worker``.

    celery -A config worker --loglevel=info
    celery -A config beat            # calls scheduler_tick every 30 s (run_worker does it too)
"""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("loanlit")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Imports each installed app's tasks.py, which is where job handlers and periodic tasks register.
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "loanlit-scheduler-tick": {"task": "loanlit.jobs.scheduler_tick", "schedule": 30.0},
}


@worker_init.connect
def _discover_job_handlers(**_kwargs: object) -> None:
    from loanlit.jobs.registry import ensure_discovered

    ensure_discovered()


@app.task(name="loanlit.jobs.run_job", ignore_result=True)
def run_job(job_id: int) -> str:
    from loanlit.jobs.worker import run_job_by_id

    return run_job_by_id(int(job_id))


@app.task(name="loanlit.jobs.scheduler_tick", ignore_result=True)
def scheduler_tick() -> list[str]:
    from loanlit.jobs.scheduler import scheduler_tick as tick
    from loanlit.jobs.worker import release_connections

    try:
        return tick()
    finally:
        release_connections()
