from django.urls import path

from loanlit.accounts import urls_admin, urls_auth, urls_sso, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoanlitLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    # Issue 10: sign-in security (password change, two-factor, re-authentication, history) …
    *urls_auth.urlpatterns,
    # … user, role and group administration …
    *urls_admin.urlpatterns,
    # … and bank sign-on (LDAP needs no route; OpenID Connect has its callback here).
    *urls_sso.urlpatterns,
]
