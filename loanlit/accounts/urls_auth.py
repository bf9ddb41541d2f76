"""Routes of this area (issue 10), included by loanlit/accounts/urls.py in the "accounts" namespace."""

from django.urls import URLPattern, path

from loanlit.accounts import views, views_auth

urlpatterns: list[URLPattern] = [
    path("login/code/", views.login_otp, name="login_otp"),
    path("password/", views_auth.password_change, name="password_change"),
    path("two-factor/", views_auth.two_factor_page, name="two_factor"),
    path("two-factor/enrol/", views_auth.two_factor_enrol, name="two_factor_enrol"),
    path("two-factor/disable/", views_auth.two_factor_disable, name="two_factor_disable"),
    path("two-factor/backup-codes/", views_auth.backup_codes, name="two_factor_backup_codes"),
    path("confirm/", views_auth.confirm, name="confirm"),
    path("history/", views_auth.history, name="history"),
]
