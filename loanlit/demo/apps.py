from django.apps import AppConfig


class DemoConfig(AppConfig):
    """First-run set-up: the administrator and demo data. The top layer: it may use every app."""

    name = "loanlit.demo"
    label = "demo"

    def ready(self) -> None:
        # The import presets for the public data sets and the built-in sample (loanlit.demo.presets).
        from loanlit.demo import presets

        presets.register()
