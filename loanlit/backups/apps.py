from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "loanlit.backups"
    verbose_name = _("Backup and restore")
    default_auto_field = "django.db.models.BigAutoField"
