from django.urls import path

from loanlit.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("access/", views.access_log_list, name="access_log_list"),
    path("archives/", views.archive_list, name="archive_list"),
]
