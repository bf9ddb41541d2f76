from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "loanlit.loans"
    label = "loans"
