from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "loanlit.audit"
    label = "audit"
