from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "loanlit.workflow"
    label = "workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from loanlit.workflow import listeners

        listeners.connect()
