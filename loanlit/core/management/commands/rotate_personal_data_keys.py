from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand

from loanlit.core.fields import personal_fields, reencrypt_personal_data


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data with the first key of LOANLIT_ENCRYPTION_KEY. With --all-rows, also "
        "recompute the search hashes (needed after LOANLIT_HMAC_KEY changed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all-rows", action="store_true")

    def handle(self, *args, **options) -> None:
        for model in apps.get_models():
            if personal_fields(model):
                count = reencrypt_personal_data(model, all_rows=options["all_rows"])
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
