"""Sign-in against the bank's LDAP / Active Directory (django-auth-ldap), mapped by group.

django-auth-ldap binds as the user (after finding the user's DN with the service account) and loads the
user's groups; instead of letting it create or save the Django user itself, ``get_or_build_user`` hands
the directory's answer to ``services.directory_sign_in``, which maps the groups and creates or
re-synchronises the account (audited). The settings block "sso" turns off django-auth-ldap's own
attribute copying (AUTH_LDAP_ALWAYS_UPDATE_USER = False), so the user returned here is never saved by
the library. A user name that belongs to a local account is not looked up in the directory at all.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django_auth_ldap.backend import LDAPBackend

from loanlit.accounts.models import User
from loanlit.accounts.sso import services

DEFAULT_ATTRIBUTES = {"display_name": "displayName", "email": "mail", "staff_no": "employeeID"}


def _first_attr(attrs: Any, name: str) -> str:
    if not name or not attrs:
        return ""
    values = attrs.get(name) or attrs.get(name.lower()) or []
    return str(values[0]) if values else ""


def _is_local_account(username: str) -> bool:
    return User.objects.filter(username__iexact=username.strip(), auth_source=User.AuthSource.LOCAL).exists()


class LoanlitLDAPBackend(LDAPBackend):
    """django-auth-ldap with Loanlit's group mapping; directory users get auth_source "ldap"."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        self._request = request
        if username and _is_local_account(username):
            # Local accounts (administrators) never depend on the directory: no bind is tried, so their
            # password is not sent to it and they can sign in while it is down (ModelBackend follows).
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except services.SignOnRefused as refused:
            if request is not None and hasattr(request, "_messages"):
                messages.error(request, refused.message)
            raise

    def ldap_to_django_username(self, username: str) -> str:
        return username.strip().lower()

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        attribute_names = {**DEFAULT_ATTRIBUTES, **getattr(settings, "LDAP_ATTRIBUTES", {})}
        attrs = ldap_user.attrs
        groups = [*(ldap_user.group_dns or ()), *(ldap_user.group_names or ())]
        user = services.directory_sign_in(
            request=getattr(self, "_request", None),
            source=User.AuthSource.LDAP,
            username=username,
            groups=groups,
            display_name=_first_attr(attrs, attribute_names["display_name"]),
            email=_first_attr(attrs, attribute_names["email"]),
            staff_no=_first_attr(attrs, attribute_names["staff_no"]),
        )
        # Not "built": django-auth-ldap then neither populates nor saves it (the service already did).
        return user, False
