from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "loanlit.reports"
    verbose_name = _("Statistics and reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Writes to cases and their money mark the case's statistics for refresh after commit.
        from loanlit.reports import receivers  # noqa: F401
