from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "loanlit.api"
    verbose_name = _("REST API and integration")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Case events (case opened, stage changed, judgment, recovery, cost paid, document approved) queue the
        # matching webhook deliveries after commit.
        from loanlit.api.webhooks import receivers  # noqa: F401
