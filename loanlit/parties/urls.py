from django.urls import path

from loanlit.parties import views

app_name = "parties"
urlpatterns = [
    path("merge-queue/", views.merge_queue, name="merge_queue"),
    path("merge-queue/<int:pk>/resolve/", views.merge_resolve, name="merge_resolve"),
]
