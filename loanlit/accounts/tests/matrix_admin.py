"""Authorization-matrix rows for this area (issue 10); collected by tests/test_authorization_matrix.py.

Users and groups need ``admin.manage_users``, roles ``admin.manage_roles`` (the security administrator
persona; the administrator lost both with the separation of duties). The world's account is the
read-only persona (Beijing branch, creditor A: in the head-office security administrator's scope), the
world's role the built-in read-only role, the world's group one made for the row. Empty POSTs are form
errors (400) or a refused action sent back to its page (302); role changes may first ask to confirm the
identity again (302 to the confirmation page).
"""

from __future__ import annotations

from typing import Any

from tests.support.authz import Route, code

USERS = "admin.manage_users"
ROLES = "admin.manage_roles"


def _user(world: Any) -> dict[str, int]:
    return {"pk": world.read_only.pk}


def _role(world: Any) -> dict[str, int]:
    from loanlit.accounts.models import Role

    return {"pk": Role.objects.get(code="read_only").pk}


def _group(world: Any) -> dict[str, int]:
    from loanlit.accounts import services

    group = getattr(world, "matrix_group", None)
    if group is None:
        group = world.matrix_group = services.group_create(actor=None, name="Matrix group", members=[world.read_only])
    return {"pk": group.pk}


ROUTES: list[Route] = [
    Route("accounts:admin_role_list", get=code(ROLES)),
    Route("accounts:admin_role_create", get=code(ROLES), post=code(ROLES, ok=(400, 302))),
    Route("accounts:admin_role_edit", get=code(ROLES), post=code(ROLES, ok=(400, 302)), kwargs=_role),
    Route("accounts:admin_role_delete", get=None, post=code(ROLES, ok=(302,)), kwargs=_role),
    Route("accounts:admin_user_list", get=code(USERS)),
    Route("accounts:admin_user_create", get=code(USERS), post=code(USERS, ok=(400,))),
    Route("accounts:admin_user_edit", get=code(USERS), post=code(USERS, ok=(400, 302)), kwargs=_user),
    Route("accounts:admin_user_disable", get=None, post=code(USERS, ok=(302,)), kwargs=_user),
    Route("accounts:admin_user_enable", get=None, post=code(USERS, ok=(302,)), kwargs=_user),
    Route("accounts:admin_user_unlock", get=None, post=code(USERS, ok=(302,)), kwargs=_user),
    Route("accounts:admin_user_two_factor_reset", get=None, post=code(USERS, ok=(302,)), kwargs=_user),
    Route("accounts:admin_user_password", get=code(USERS), post=code(USERS, ok=(400,)), kwargs=_user),
    Route("accounts:admin_user_history", get=code(USERS), kwargs=_user),
    Route("accounts:admin_group_list", get=code(USERS)),
    Route("accounts:admin_group_create", get=code(USERS), post=code(USERS, ok=(400,))),
    Route("accounts:admin_group_edit", get=code(USERS), post=code(USERS, ok=(400,)), kwargs=_group),
    Route("accounts:admin_group_delete", get=None, post=code(USERS, ok=(302,)), kwargs=_group),
]
