"""User, role and group administration pages under /accounts/admin/ (issue 10).

Roles need ``admin.manage_roles``; users and groups ``admin.manage_users`` (within the security
administrator's scope: an account outside it answers 404 like a missing id). Writes go through
``accounts.services``; every change (roles, accounts, passwords, unlocks, groups) needs a recent re-authentication
(``reauth.require_recent_auth``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit import audit
from loanlit.accounts import lockout, selectors, services, two_factor
from loanlit.accounts.forms_admin import (
    GroupForm,
    PasswordResetForm,
    RoleForm,
    UserCreateForm,
    UserDisableForm,
    UserEditForm,
    UserFilterForm,
    permission_groups,
)
from loanlit.accounts.models import Role, User
from loanlit.accounts.reauth import require_recent_auth
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError

PAGE_SIZE = 50
MANAGE_USERS = "admin.manage_users"
MANAGE_ROLES = "admin.manage_roles"


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, AbstractBaseUser)
    return request.user  # type: ignore[return-value]


def _require(request: HttpRequest, code: str) -> None:
    if not request.user.has_code(code):  # type: ignore[union-attr]
        audit.access_log(user=request.user, action=audit.AccessAction.DENIED, request=request, detail={"reason": code})
        raise PermissionDenied(code)


def _run(form: forms.BaseForm | None, fn: Callable[..., Any], **kwargs: Any) -> tuple[bool, Any]:
    """Run a service; a refused rule becomes a form error (or, without a form, raises)."""
    try:
        return True, fn(**kwargs)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        if form is None:
            raise
        form.add_error(None, error.message)
        return False, None


def _act(request: HttpRequest, url: str, fn: Callable[..., Any], success: str, **kwargs: Any) -> HttpResponse:
    """A POST-only action: run it, show its outcome (or the refusal) and go back to ``url``."""
    try:
        fn(**kwargs)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(url)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- roles ------------------------------------------------------------------------------------------------


@require_GET
def role_list(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_ROLES)
    roles = list(selectors.role_list_for_admin())
    for role in roles:
        role.duties = services.duties_of(role.permissions)  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/admin/role_list.html",
        {"roles": roles, "separation": services.separation_of_duties_on()},
    )


def _role_form_page(request: HttpRequest, form: RoleForm, role: Role | None, status: int) -> HttpResponse:
    checked = request.POST.getlist("permissions") if form.is_bound else (role.permissions if role else [])
    context = {
        "form": form,
        "role": role,
        "groups": permission_groups(checked),
        "separation": services.separation_of_duties_on(),
    }
    return render(request, "accounts/admin/role_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def role_create(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_ROLES)
    if request.method != "POST":
        return _role_form_page(request, RoleForm(), None, 200)
    return _role_create_post(request)


@require_recent_auth
def _role_create_post(request: HttpRequest) -> HttpResponse:
    form = RoleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, role = _run(
            form,
            services.role_create,
            actor=_actor(request),
            code=data["code"],
            name=data["name"],
            description=data["description"],
            permissions=data["permissions"],
            is_external=data["is_external"],
        )
        if ok:
            messages.success(request, _("Role created."))
            return redirect("accounts:admin_role_edit", pk=role.pk)
    return _role_form_page(request, form, None, 400)


@require_http_methods(["GET", "POST"])
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_ROLES)
    role = selectors.role_get_for_admin(pk=pk)
    if request.method != "POST":
        form = RoleForm(
            role=role,
            initial={
                "name": role.name,
                "description": role.description,
                "permissions": role.permissions,
                "is_external": role.is_external,
                "updated_at": role.updated_at.isoformat(),
            },
        )
        return _role_form_page(request, form, role, 200)
    return _role_edit_post(request, role)


@require_recent_auth
def _role_edit_post(request: HttpRequest, role: Role) -> HttpResponse:
    form = RoleForm(request.POST, role=role, initial={"name": role.name})
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.role_update(
                actor=_actor(request),
                role=role,
                name=data["name"],
                description=data["description"],
                permissions=data["permissions"],
                is_external=data["is_external"],
                updated_at=data["updated_at"],
            )
        except StaleVersionError as error:
            form.add_error(None, error.message)
            status = 409
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Role saved."))
            return redirect("accounts:admin_role_edit", pk=role.pk)
    return _role_form_page(request, form, role, status)


@require_POST
@require_recent_auth
def role_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_ROLES)
    role = selectors.role_get_for_admin(pk=pk)
    try:
        services.role_delete(actor=_actor(request), role=role)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounts:admin_role_edit", pk=role.pk)
    messages.success(request, _("Role deleted."))
    return redirect("accounts:admin_role_list")


# --- users ------------------------------------------------------------------------------------------------


@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    form = UserFilterForm(request.GET or None, user=actor)
    users = selectors.user_list_for_admin(user=actor, filters=form.filters())
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": _query_without_page(request),
    }
    return render(request, "accounts/admin/user_list.html", context)


@require_http_methods(["GET", "POST"])
@require_recent_auth
def user_create(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    posted = request.method == "POST"
    form = UserCreateForm(request.POST if posted else None, actor=actor, initial={"unit": actor.unit_id})
    if posted and form.is_valid():
        data = form.cleaned_data
        ok, user = _run(
            form,
            services.user_admin_create,
            actor=actor,
            username=data["username"],
            role=data["role"],
            unit=data["unit"],
            creditors=data["creditors"],
            display_name=data["display_name"],
            staff_no=data["staff_no"],
            email=data["email"],
            password=data["password"] or None,
            auth_source=data["auth_source"],
        )
        if ok:
            messages.success(request, _("Account created."))
            return redirect("accounts:admin_user_edit", pk=user.pk)
    return render(request, "accounts/admin/user_create.html", {"form": form}, status=400 if posted else 200)


def _user_page(request: HttpRequest, user: User, form: UserEditForm, status: int = 200) -> HttpResponse:
    context = {
        "subject": user,
        "form": form,
        "disable_form": UserDisableForm(),
        "locked_out": lockout.is_locked_out(user.username),
        "has_two_factor": two_factor.has_two_factor(user),
        "is_self": user.pk == request.user.pk,
        "groups": list(user.groups.order_by("name")),
    }
    return render(request, "accounts/admin/user_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    user = selectors.user_get_for_admin(user=actor, pk=pk)
    if request.method != "POST":
        form = UserEditForm(
            actor=actor,
            initial={
                "display_name": user.display_name,
                "staff_no": user.staff_no,
                "email": user.email,
                "role": user.role_id,
                "unit": user.unit_id,
                "creditors": list(user.creditors.values_list("pk", flat=True)),
            },
        )
        return _user_page(request, user, form)
    return _user_edit_post(request, user)


@require_recent_auth
def _user_edit_post(request: HttpRequest, user: User) -> HttpResponse:
    actor = _actor(request)
    form = UserEditForm(request.POST, actor=actor)
    if form.is_valid():
        data = form.cleaned_data
        ok, _user = _run(
            form,
            services.user_update,
            actor=actor,
            user=user,
            role=data["role"],
            unit=data["unit"],
            creditors=data["creditors"],
            display_name=data["display_name"],
            staff_no=data["staff_no"],
            email=data["email"],
        )
        if ok:
            messages.success(request, _("Account saved."))
            return redirect("accounts:admin_user_edit", pk=user.pk)
    return _user_page(request, user, form, status=400)


@require_POST
@require_recent_auth
def user_disable(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    user = selectors.user_get_for_admin(user=actor, pk=pk)
    form = UserDisableForm(request.POST)
    url = reverse("accounts:admin_user_edit", args=[user.pk])
    if not form.is_valid():
        messages.error(request, _("Choose why the account is disabled."))
        return redirect(url)
    return _act(
        request,
        url,
        services.user_disable,
        _("Account disabled."),
        actor=actor,
        user=user,
        reason=form.cleaned_data["reason"],
    )


def _account_action(request: HttpRequest, pk: int, fn: Callable[..., Any], success: str) -> HttpResponse:
    """A POST changing one account in scope through ``fn(actor=, user=)``, back to the account's page."""
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    user = selectors.user_get_for_admin(user=actor, pk=pk)
    return _act(request, reverse("accounts:admin_user_edit", args=[user.pk]), fn, success, actor=actor, user=user)


@require_POST
@require_recent_auth
def user_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(request, pk, services.user_enable, _("Account enabled."))


@require_POST
@require_recent_auth
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(request, pk, services.user_unlock, _("Sign-in unlocked."))


@require_POST
@require_recent_auth
def user_two_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(request, pk, services.user_two_factor_reset, _("Two-factor sign-in removed."))


@require_http_methods(["GET", "POST"])
@require_recent_auth
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    user = selectors.user_get_for_admin(user=actor, pk=pk)
    posted = request.method == "POST"
    form = PasswordResetForm(request.POST if posted else None)
    if posted and form.is_valid():
        ok, _user = _run(
            form, services.user_password_reset, actor=actor, user=user, password=form.cleaned_data["password"]
        )
        if ok:
            messages.success(request, _("Temporary password set: the user must change it at the next sign-in."))
            return redirect("accounts:admin_user_edit", pk=user.pk)
    return render(
        request, "accounts/admin/user_password.html", {"subject": user, "form": form}, status=400 if posted else 200
    )


@require_GET
def user_history(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    user = selectors.user_get_for_admin(user=actor, pk=pk)
    rows = selectors.sign_in_history(target=user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/admin/user_history.html", {"subject": user, "page": page, "query": ""})


# --- groups -----------------------------------------------------------------------------------------------


@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_USERS)
    return render(
        request, "accounts/admin/group_list.html", {"groups": selectors.group_list_for_admin(user=_actor(request))}
    )


@require_http_methods(["GET", "POST"])
@require_recent_auth
def group_create(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    posted = request.method == "POST"
    form = GroupForm(request.POST if posted else None, actor=actor)
    if posted and form.is_valid():
        ok, group = _run(
            form,
            services.group_create,
            actor=actor,
            name=form.cleaned_data["name"],
            members=form.cleaned_data["members"],
        )
        if ok:
            messages.success(request, _("Group created."))
            return redirect("accounts:admin_group_edit", pk=group.pk)
    context = {"form": form, "group": None, "others": 0}
    return render(request, "accounts/admin/group_form.html", context, status=400 if posted else 200)


@require_http_methods(["GET", "POST"])
@require_recent_auth
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_USERS)
    actor = _actor(request)
    group = selectors.group_get_for_admin(user=_actor(request), pk=pk)
    members, others = selectors.group_members_for_admin(user=actor, group=group)
    posted = request.method == "POST"
    form = GroupForm(
        request.POST if posted else None, actor=actor, initial={"name": group.name, "members": [m.pk for m in members]}
    )
    if posted and form.is_valid():
        ok, _group = _run(
            form,
            services.group_update,
            actor=actor,
            group=group,
            name=form.cleaned_data["name"],
            members=form.cleaned_data["members"],
        )
        if ok:
            messages.success(request, _("Group saved."))
            return redirect("accounts:admin_group_edit", pk=group.pk)
    context = {"form": form, "group": group, "others": others}
    return render(request, "accounts/admin/group_form.html", context, status=400 if posted else 200)


@require_POST
@require_recent_auth
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_USERS)
    group = selectors.group_get_for_admin(user=_actor(request), pk=pk)
    try:
        services.group_delete(actor=_actor(request), group=group)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounts:admin_group_edit", pk=group.pk)
    messages.success(request, _("Group deleted."))
    return redirect("accounts:admin_group_list")
