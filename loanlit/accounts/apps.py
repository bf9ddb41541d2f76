from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "loanlit.accounts"
    label = "accounts"

    def ready(self) -> None:
        from loanlit.accounts import receivers
        from loanlit.accounts.services import builtin_roles_ensure

        receivers.connect()  # sign-in events into the access log (issue 10)

        # Also runs after `flush` (transactional tests), which empties the rows the migration seeded.
        post_migrate.connect(builtin_roles_ensure, sender=self, dispatch_uid="accounts.builtin_roles_ensure")
