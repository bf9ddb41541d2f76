from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "loanlit.notifications"
    label = "notifications"
