from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "loanlit.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db import connections
        from django.db.backends.signals import connection_created

        from loanlit.audit import maintenance, services

        connection_created.connect(maintenance.install_sqlite_guard, dispatch_uid="loanlit.audit.sqlite_guard")
        for connection in connections.all(initialized_only=True):
            if connection.connection is not None:
                maintenance.install_sqlite_guard(None, connection)
        # Access-log rows recorded inside a transaction that was rolled back (a 404) are written
        # once the request is over.
        request_finished.connect(services.flush_pending_access_log, dispatch_uid="loanlit.audit.flush_access_log")
