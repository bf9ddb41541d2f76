from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "loanlit.documents"
    label = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from loanlit.documents import (
            panels,
            selectors_approvals,  # noqa: F401  (registers the filing stage gate)
        )

        panels.register()
