from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationConfig(AppConfig):
    name = "loanlit.collaboration"
    label = "collaboration"
    verbose_name = _("Collaboration")

    def ready(self) -> None:
        from loanlit.collaboration import panels

        panels.register()
