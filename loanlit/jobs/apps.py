from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "loanlit.jobs"
    label = "jobs"
