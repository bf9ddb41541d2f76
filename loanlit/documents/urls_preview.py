"""Previews and search of documents (views/preview.py)."""

from django.urls import path

from loanlit.documents.views import preview

urlpatterns = [
    path("search/", preview.document_search, name="search"),
    path("<int:pk>/v<int:number>/preview/", preview.version_preview, name="version_preview"),
    path("<int:pk>/v<int:number>/preview/<int:page>.png", preview.preview_page_png, name="preview_page"),
]
