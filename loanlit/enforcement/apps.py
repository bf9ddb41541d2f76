from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnforcementConfig(AppConfig):
    name = "loanlit.enforcement"
    label = "enforcement"
    verbose_name = _("Enforcement and recovery")

    def ready(self) -> None:
        from loanlit.enforcement import listeners, panels

        listeners.connect()
        panels.register()
