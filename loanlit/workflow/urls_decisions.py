"""Internal approvals (maker-checker), mounted at /workflow/decisions/ (names ``workflow:decision_*``)."""

from django.urls import path

from loanlit.workflow.views import decisions as views

urlpatterns = [
    path("", views.inbox, name="decision_inbox"),
    path("<int:pk>/", views.request_detail, name="decision_detail"),
    path("<int:pk>/decide/", views.request_decide, name="decision_decide"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="decision_withdraw"),
    path("policies/", views.policy_list, name="decision_policy_list"),
    path("policies/new/", views.policy_create, name="decision_policy_create"),
    path("policies/<int:pk>/", views.policy_edit, name="decision_policy_edit"),
    path("policies/<int:pk>/deactivate/", views.policy_deactivate, name="decision_policy_deactivate"),
    path("case/<int:case_pk>/file-suit/", views.request_file_suit, name="decision_file_suit"),
    path("case/<int:case_pk>/cost/", views.request_cost, name="decision_cost"),
    path(
        "case/<int:case_pk>/proceeding/<int:proceeding_pk>/withdraw/",
        views.request_withdrawal,
        name="decision_withdrawal",
    ),
]
