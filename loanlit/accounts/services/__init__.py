"""Writes of the accounts area (one home each; DESIGN rule 1), re-exported here so callers keep using
``from loanlit.accounts import services; services.user_create(...)``.

- ``_base``: organisation units, creditors, creating users, setting passwords, seeding built-in roles.
- ``roles``: custom roles and the separation of duties (三员分立).
- ``users``: user administration (edit, disable / enable, password reset, unlock, dormant accounts).
- ``groups``: user groups (``auth.Group``) for explicit case sharing.
"""

from loanlit.accounts.services._base import (
    PATH_SEGMENT_WIDTH,
    builtin_roles_ensure,
    creditor_create,
    org_unit_create,
    user_create,
    user_password_set,
)
from loanlit.accounts.services.groups import group_create, group_delete, group_update
from loanlit.accounts.services.roles import (
    duties_of,
    may_manage_roles,
    role_create,
    role_delete,
    role_update,
    separation_check,
    separation_of_duties_on,
)
from loanlit.accounts.services.users import (
    dormant_accounts_disable,
    may_manage_users,
    user_admin_create,
    user_disable,
    user_enable,
    user_password_reset,
    user_two_factor_reset,
    user_unlock,
    user_update,
)

__all__ = [
    "PATH_SEGMENT_WIDTH",
    "builtin_roles_ensure",
    "creditor_create",
    "dormant_accounts_disable",
    "duties_of",
    "group_create",
    "group_delete",
    "group_update",
    "may_manage_roles",
    "may_manage_users",
    "org_unit_create",
    "role_create",
    "role_delete",
    "role_update",
    "separation_check",
    "separation_of_duties_on",
    "user_admin_create",
    "user_create",
    "user_disable",
    "user_enable",
    "user_password_reset",
    "user_password_set",
    "user_two_factor_reset",
    "user_unlock",
    "user_update",
]
