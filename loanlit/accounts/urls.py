from django.urls import path

from loanlit.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoanlitLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
]
