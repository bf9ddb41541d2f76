"""URLs of the document store (included by loanlit/documents/urls.py under /documents/)."""

from django.urls import path

from loanlit.documents.views import store

urlpatterns = [
    path("case/<int:case_pk>/", store.case_documents, name="case"),
    path("case/<int:case_pk>/upload/", store.upload, name="upload"),
    path("case/<int:case_pk>/bin/", store.case_bin, name="case_bin"),
    path("case/<int:case_pk>/manifest.json", store.manifest_json, name="manifest_json"),
    path("case/<int:case_pk>/manifest.xlsx", store.manifest_xlsx, name="manifest_xlsx"),
    path("<int:pk>/", store.document_detail, name="document"),
    path("<int:pk>/edit/", store.document_edit, name="document_edit"),
    path("<int:pk>/versions/", store.version_list, name="versions"),
    path("<int:pk>/versions/new/", store.version_upload, name="version_upload"),
    path("<int:pk>/versions/<int:number>/download/", store.version_download, name="download"),
    path("<int:pk>/bin/", store.document_bin, name="bin"),
    path("<int:pk>/restore/", store.document_restore, name="restore"),
    path("<int:pk>/purge/", store.document_purge, name="purge"),
    path("categories/", store.categories, name="categories"),
    path("categories/<slug:code>/toggle/", store.category_toggle, name="category_toggle"),
    path("integrity/", store.integrity, name="integrity"),
]
