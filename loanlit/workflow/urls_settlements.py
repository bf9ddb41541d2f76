"""Settlement plans (和解 / 分期还款), mounted at /workflow/settlements/ (views/settlements.py)."""

from django.urls import path

from loanlit.workflow.views import settlements as views

urlpatterns = [
    path("case/<int:case_pk>/add/", views.settlement_add, name="settlement_add"),
    path("<int:pk>/", views.settlement_detail, name="settlement_detail"),
    path("<int:pk>/cancel/", views.settlement_cancel, name="settlement_cancel"),
    path("<int:pk>/match/", views.settlement_match, name="settlement_match"),
]
