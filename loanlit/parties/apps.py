from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "loanlit.parties"
    label = "parties"
