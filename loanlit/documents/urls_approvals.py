"""Document approval (文档审批), mounted at /documents/approvals/."""

from django.urls import path

from loanlit.documents.views import approvals as views

urlpatterns = [
    path("", views.my_approvals, name="approvals_mine"),
    path("<int:pk>/", views.approval_detail, name="approval_detail"),
    path("<int:pk>/decide/", views.approval_decide, name="approval_decide"),
    path("<int:pk>/withdraw/", views.approval_withdraw, name="approval_withdraw"),
    path("submit/<int:document_pk>/", views.approval_submit, name="approval_submit"),
]
