from django.urls import path

from loanlit.docgen import views

app_name = "docgen"

urlpatterns = [
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/upload/", views.version_upload, name="version_upload"),
    path("case/<int:case_pk>/", views.case_generate, name="case"),
]
