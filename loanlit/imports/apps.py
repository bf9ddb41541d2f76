from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "loanlit.imports"
    label = "imports"
    verbose_name = _("Imports and exports")

    def ready(self) -> None:
        from loanlit.imports import kinds

        kinds.register_builtin_kinds()

        from loanlit.imports.exports import services as exports

        exports.connect()  # the executor of approved personal-data exports (workflow internal approvals)
