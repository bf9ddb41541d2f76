"""Routes of this area (issue 10), included by loanlit/accounts/urls.py in the "accounts" namespace:
user, role and group administration under /accounts/admin/."""

from django.urls import URLPattern, path

from loanlit.accounts import views_admin as views

urlpatterns: list[URLPattern] = [
    path("admin/roles/", views.role_list, name="admin_role_list"),
    path("admin/roles/new/", views.role_create, name="admin_role_create"),
    path("admin/roles/<int:pk>/", views.role_edit, name="admin_role_edit"),
    path("admin/roles/<int:pk>/delete/", views.role_delete, name="admin_role_delete"),
    path("admin/users/", views.user_list, name="admin_user_list"),
    path("admin/users/new/", views.user_create, name="admin_user_create"),
    path("admin/users/<int:pk>/", views.user_edit, name="admin_user_edit"),
    path("admin/users/<int:pk>/disable/", views.user_disable, name="admin_user_disable"),
    path("admin/users/<int:pk>/enable/", views.user_enable, name="admin_user_enable"),
    path("admin/users/<int:pk>/unlock/", views.user_unlock, name="admin_user_unlock"),
    path("admin/users/<int:pk>/password/", views.user_password_reset, name="admin_user_password"),
    path("admin/users/<int:pk>/two-factor/reset/", views.user_two_factor_reset, name="admin_user_two_factor_reset"),
    path("admin/users/<int:pk>/sign-ins/", views.user_history, name="admin_user_history"),
    path("admin/groups/", views.group_list, name="admin_group_list"),
    path("admin/groups/new/", views.group_create, name="admin_group_create"),
    path("admin/groups/<int:pk>/", views.group_edit, name="admin_group_edit"),
    path("admin/groups/<int:pk>/delete/", views.group_delete, name="admin_group_delete"),
]
