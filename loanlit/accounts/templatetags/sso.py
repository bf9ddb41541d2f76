"""``{% sso_options as sso %}``: which bank sign-on methods the login page offers (issue 10)."""

from __future__ import annotations

from django import template

from loanlit.accounts.sso import ldap_enabled, oidc_enabled

register = template.Library()


@register.simple_tag
def sso_options() -> dict[str, bool]:
    return {"oidc": oidc_enabled(), "ldap": ldap_enabled()}
