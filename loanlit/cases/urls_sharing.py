"""Routes of case sharing (issue 10), included into the cases namespace from cases/urls.py."""

from django.urls import path

from loanlit.cases.views import sharing

urlpatterns = [
    path("<int:pk>/shares/add/", sharing.share_add, name="share_add"),
    path("<int:pk>/shares/<int:share_pk>/remove/", sharing.share_remove, name="share_remove"),
]
