from django.urls import path

from loanlit.loans import views

app_name = "loans"
urlpatterns = [
    path("<int:pk>/", views.loan_detail, name="loan_detail"),
]
