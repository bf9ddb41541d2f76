"""A revoke works on the very next request in every process (issue 10): no per-process permission cache.

A second Python process (another "worker": the whole middleware stack through Django's test client, with
the same settings and database) answers requests for a signed-in user. This process removes ``cases.view``
from the user's role through the role service — or withdraws the share that let the user see a case — and
the second process's next request is refused.

PostgreSQL only: on SQLite pytest-django's test database is in memory, so no second process can open it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent

# Reads "username path" lines; answers each with the status of GET path as that user, signed in once.
WORKER = r"""
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
from loanlit.accounts.models import User

clients = {}
print("ready", flush=True)
for line in sys.stdin:
    username, path = line.split()
    if username not in clients:
        clients[username] = Client(headers={"accept-language": "en"})
        clients[username].force_login(User.objects.get(username=username))
    print(clients[username].get(path).status_code, flush=True)
"""


class Worker:
    def __init__(self) -> None:
        from django.db import connection

        # The second process opens this test's database: under pytest-xdist that is the configured one with
        # the worker's suffix (loanlit_test_gw1), so its URL is rebuilt from the live connection.
        db = connection.settings_dict
        login = f"{quote(db['USER'])}:{quote(db['PASSWORD'])}" if db.get("PASSWORD") else quote(db["USER"])
        url = f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        env = {
            **os.environ,
            "LOANLIT_TESTING": "true",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOANLIT_DATABASE_URL": url,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def get(self, username: str, path: str) -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{username} {path}\n")
        self.process.stdin.flush()
        return int(self._line())

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def worker():
    running = Worker()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """An earlier transactional test may have flushed what the migrations seeded (roles, stages, courts)."""
    from tests.browser.test_case_pages import _reference_data

    _reference_data()


@pytest.fixture
def placed_world(personas):
    from loanlit.accounts import services as accounts
    from loanlit.cases.tests.views_support import build_case_world

    role = accounts.role_create(
        actor=None, code="desk_handler", name="Desk handler", permissions=["cases.view", "cases.edit"]
    )
    user = accounts.user_create(
        actor=None,
        username="desk.handler",
        password=None,
        role_code=role.code,
        unit=personas.beijing,
        creditors=[personas.creditor],
    )
    world = build_case_world(personas)
    return world, role, user


def test_removing_cases_view_from_a_role_refuses_the_other_process_next_request(placed_world, worker):
    from loanlit.accounts import services as accounts

    world, role, user = placed_world
    url = world.case.get_absolute_url()
    assert worker.get(user.username, url) == 200
    assert worker.get(user.username, url) == 200  # warm: anything a process might cache is cached now
    role.refresh_from_db()
    accounts.role_update(
        actor=None,
        role=role,
        name=role.name,
        description=role.description,
        permissions=["cases.edit"],
        is_external=False,
        updated_at=None,
    )
    assert worker.get(user.username, url) == 404


def test_withdrawing_a_share_refuses_the_other_process_next_request(personas, placed_world, worker):
    from loanlit.cases.services.sharing import case_share, case_unshare

    world, _role, _user = placed_world
    url = world.case.get_absolute_url()
    outsider = personas.outsider_branch.username
    assert worker.get(outsider, url) == 404
    share = case_share(actor=personas.case_handler, case=world.case, user=personas.outsider_branch)
    assert worker.get(outsider, url) == 200
    case_unshare(actor=personas.case_handler, share=share)
    assert worker.get(outsider, url) == 404
