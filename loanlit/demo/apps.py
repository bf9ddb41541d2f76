from django.apps import AppConfig


class DemoConfig(AppConfig):
    """First-run set-up: the administrator and demo data. The top layer: it may use every app."""

    name = "loanlit.demo"
    label = "demo"
