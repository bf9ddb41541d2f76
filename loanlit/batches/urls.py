"""Batch litigation (批量诉讼) pages, mounted at /batches/."""

from __future__ import annotations

from django.urls import path

from loanlit.batches import views

app_name = "batches"

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("new/", views.batch_add, name="batch_add"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/select/", views.batch_select, name="batch_select"),
    path("<int:pk>/open-cases/", views.batch_open_cases, name="batch_open_cases"),
    path("<int:pk>/screen/", views.batch_screen, name="batch_screen"),
    path("<int:pk>/packs/", views.batch_packs, name="batch_packs"),
    path("<int:pk>/package/", views.batch_package, name="batch_package"),
    path("<int:pk>/court-list/", views.batch_write_back, name="batch_write_back"),
    path("<int:pk>/items/<int:item_pk>/court/", views.item_court, name="item_court"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
]
