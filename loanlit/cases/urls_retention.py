"""Routes of the legal hold (issue 10), included by loanlit/cases/urls.py."""

from django.urls import path

from loanlit.cases.views import retention

urlpatterns = [
    path("<int:pk>/legal-hold/", retention.legal_hold_set, name="legal_hold_set"),
    path("<int:pk>/legal-hold/release/", retention.legal_hold_release, name="legal_hold_release"),
]
