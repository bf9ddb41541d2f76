"""Collaboration (沟通协作), mounted at /collaboration/."""

from django.urls import path

from loanlit.collaboration import views

app_name = "collaboration"

urlpatterns = [
    path("feed/", views.feed, name="feed"),
    path("case/<int:case_pk>/comments/", views.case_comments, name="case_comments"),
    path("case/<int:case_pk>/comments/add/", views.comment_add, name="comment_add"),
    path("case/<int:case_pk>/mentions/", views.mention_suggest, name="mention_suggest"),
    path("case/<int:case_pk>/follow/", views.case_follow, name="case_follow"),
    path("case/<int:case_pk>/unfollow/", views.case_unfollow, name="case_unfollow"),
    path("document/<int:document_pk>/comments/", views.document_comments, name="document_comments"),
    path("comments/<int:pk>/", views.comment_detail, name="comment_detail"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/history/", views.comment_history, name="comment_history"),
]
