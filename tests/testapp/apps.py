from django.apps import AppConfig


class TestappConfig(AppConfig):
    """Models used only by tests of the cross-cutting fields (installed only when testing)."""

    name = "tests.testapp"
    label = "testapp"
