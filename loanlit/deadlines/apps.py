from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "loanlit.deadlines"
    label = "deadlines"
    verbose_name = _("Deadlines")

    def ready(self) -> None:
        from loanlit.deadlines import channels, listeners, panels

        listeners.connect()
        channels.register_channels()
        panels.register()
