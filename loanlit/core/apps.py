from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "loanlit.core"
    label = "core"
