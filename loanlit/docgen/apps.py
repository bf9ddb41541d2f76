from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_builtin_templates(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from loanlit.docgen.services import ensure_builtin_templates

    tables = set(connections[using].introspection.table_names())
    # A partial migrate (e.g. `migrate documents 0001`) may not have created the tables yet.
    if using == "default" and {"docgen_doctemplateversion", "documents_documentcategory"} <= tables:
        ensure_builtin_templates()


class DocgenConfig(AppConfig):
    name = "loanlit.docgen"
    label = "docgen"
    verbose_name = _("Document generation")

    def ready(self) -> None:
        from loanlit.docgen import panels

        panels.register()
        # After every `migrate` (document categories are seeded by then): built-in templates, idempotent.
        post_migrate.connect(_seed_builtin_templates, sender=self, dispatch_uid="docgen_builtin_templates")
