"""``{% user_has_code user "admin.manage_users" as can_manage %}``: the role check templates need (it
follows ``User.has_code``, so a superuser's codes respect the separation of duties)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def user_has_code(user: Any, code: str) -> bool:
    has_code = getattr(user, "has_code", None)
    return bool(getattr(user, "is_authenticated", False) and has_code is not None and has_code(code))
