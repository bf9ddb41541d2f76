"""``manage.py api_key_create --user NAME --codes cases.view,cases.edit``: create an API key, print its secret.

For scripts (scripts/schemathesis.sh) and first installs; the pages at /integration/keys/ do the same for
people. ``--codes role`` gives every code the user's role grants. Only the secret goes to stdout (once).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loanlit.accounts.models import User
from loanlit.accounts.permissions import PERMISSIONS
from loanlit.api.services.keys import api_key_create
from loanlit.core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API key acting as --user with --codes (comma-separated, or 'role'); prints the secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="User name the key acts as (a service account).")
        parser.add_argument("--codes", required=True, help="Permission codes, comma-separated; 'role': all of them.")
        parser.add_argument("--name", default="", help="Name shown in the key list (default: 'CLI key').")
        parser.add_argument("--rate-limit", default="", help="Requests per period, e.g. 600/min.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.select_related("role").filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user named {options['user']!r}.")
        if options["codes"].strip() == "role":
            codes = [code for code in PERMISSIONS if user.has_code(code)]
        else:
            codes = [code.strip() for code in options["codes"].split(",") if code.strip()]
        try:
            _key, secret = api_key_create(
                actor=None,
                name=options["name"] or "CLI key",
                user=user,
                permissions=codes,
                rate_limit=options["rate_limit"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(secret)
