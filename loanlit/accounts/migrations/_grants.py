"""The data-migration step that grants permission codes added after the first release to built-in roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def grant_added(key: str) -> Callable[[Any, Any], None]:
    """A ``RunPython`` function adding ``permissions.GRANTS_ADDED[key]`` to the built-in roles in the database.

    Codes a role already has are left alone and nothing is removed, so an administrator's edits survive.
    """

    def grant(apps: Any, schema_editor: Any) -> None:
        from loanlit.accounts.permissions import GRANTS_ADDED

        Role = apps.get_model("accounts", "Role")
        for code, added in GRANTS_ADDED[key].items():
            role = Role.objects.filter(code=code, is_builtin=True).first()
            if role is None:
                continue
            missing = [p for p in added if p not in role.permissions]
            if missing:
                role.permissions = list(role.permissions) + missing
                role.save(update_fields=["permissions"])

    return grant
