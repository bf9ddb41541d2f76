from django.urls import path

from loanlit.rules import views

app_name = "rules"
urlpatterns = [
    path("calculators/", views.calculator_page, name="calculators"),
    path("calculators/<slug:kind>/", views.calculate, name="calculate"),
    path("calculators/claim/export/", views.claim_export, name="claim_export"),
    path("holidays/", views.holiday_list, name="holiday_list"),
    path("holidays/add/", views.holiday_add, name="holiday_add"),
    path("holidays/<int:year>/", views.holiday_edit, name="holiday_edit"),
    path("holidays/<int:year>/delete/", views.holiday_delete, name="holiday_delete"),
    path("lpr/", views.lpr_list, name="lpr_list"),
    path("lpr/add/", views.lpr_add, name="lpr_add"),
]
