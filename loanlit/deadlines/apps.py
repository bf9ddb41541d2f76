from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "loanlit.deadlines"
    label = "deadlines"
