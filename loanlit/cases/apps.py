from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "loanlit.cases"
    label = "cases"

    def ready(self) -> None:
        from loanlit.cases.services.reference import reference_data_ensure

        post_migrate.connect(reference_data_ensure, sender=self, dispatch_uid="cases.reference_data_ensure")
        from loanlit.cases import panels_sharing

        panels_sharing.register()
        from loanlit.cases import panels_retention

        panels_retention.register()
