from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "loanlit.accounts"
    label = "accounts"
