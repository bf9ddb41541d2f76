"""``manage.py unlock_user USERNAME``: clear a user name's failed sign-ins (issue 10), audited."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from loanlit.accounts.lockout import lockout_reset


class Command(BaseCommand):
    help = "Unlock sign-in for a user name locked out after failed attempts (clears them from every address)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        cleared = lockout_reset(actor=None, username=username)
        self.stdout.write(f"{username}: {cleared} failed-attempt record(s) cleared.")
