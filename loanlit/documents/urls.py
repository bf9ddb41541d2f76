"""Documents URLs: the store (urls_store.py), previews and search (urls_preview.py), approvals
(urls_approvals.py), each owned by its module."""

from django.urls import include, path

app_name = "documents"

urlpatterns = [
    path("", include("loanlit.documents.urls_store")),
    path("", include("loanlit.documents.urls_preview")),
    path("approvals/", include("loanlit.documents.urls_approvals")),
]
