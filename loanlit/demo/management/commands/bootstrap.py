from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from loanlit.demo import services
from loanlit.demo.portfolio import loader


class Command(BaseCommand):
    help = (
        "Create the administrator (password from LOANLIT_ADMIN_PASSWORD or generated and shown once), "
        "the security administrator and the auditor (generated passwords shown once), and load demo data once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Create the administrator only.")
        parser.add_argument(
            "--no-portfolio", action="store_true", help="Load the demo organisation and users but no loans or cases."
        )

    def handle(self, *args, **options) -> None:
        admin = services.admin_ensure(password=settings.ADMIN_PASSWORD or None)
        if admin.created:
            self.stdout.write(self.style.SUCCESS(f"Administrator created: user name '{admin.user.username}'."))
            if admin.password:
                self.stdout.write(
                    self.style.WARNING(f"Generated password (shown once, write it down): {admin.password}")
                )
        else:
            self.stdout.write(f"Administrator '{admin.user.username}' exists; password unchanged.")
        # Separation of duties: a security administrator and an auditor beside the (system) administrator,
        # each with its own generated password, shown once and changed at the first sign-in.
        for duty in services.duty_accounts_ensure(admin=admin.user):
            if duty.created:
                self.stdout.write(
                    self.style.SUCCESS(f"{duty.user.display_name} created: user name '{duty.user.username}'.")
                )
                self.stdout.write(
                    self.style.WARNING(
                        f"Generated password for '{duty.user.username}' (shown once, write it down; "
                        f"to be changed at the first sign-in): {duty.password}"
                    )
                )
        if options["no_demo"]:
            return
        demo_password = settings.ADMIN_PASSWORD or admin.password
        if demo_password is None:
            if services.demo_organisation_loaded():
                self.stdout.write("Demo organisation and users: already loaded.")
            else:
                self.stdout.write(
                    "Demo users skipped: their password is the administrator's, which is only known when it is "
                    "generated or given in LOANLIT_ADMIN_PASSWORD."
                )
        else:
            demo = services.demo_load(actor=admin.user, password=demo_password)
            if demo.created:
                users = ", ".join(demo.users)
                self.stdout.write(f"Demo data loaded. Demo users (same password as the administrator): {users}.")
            else:
                self.stdout.write("Demo data already loaded.")
        if not options["no_portfolio"] and loader.demo_ready():
            call_command("load_demo", stdout=self.stdout)
