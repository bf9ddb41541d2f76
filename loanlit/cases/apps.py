from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "loanlit.cases"
    label = "cases"
