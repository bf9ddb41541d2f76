"""Routes of bank sign-on (issue 10), included by loanlit/accounts/urls.py in the "accounts" namespace.

LDAP needs no route (the ordinary sign-in form authenticates against the directory). The OpenID Connect
routes always exist and answer 404 while OIDC is not configured (LOANLIT_OIDC_CLIENT_ID unset).
"""

from django.urls import URLPattern, path

from loanlit.accounts.sso.oidc import OIDCCallbackView, OIDCStartView
from loanlit.core.views import public

urlpatterns: list[URLPattern] = [
    path("oidc/start/", public(OIDCStartView.as_view()), name="oidc_start"),
    path("oidc/callback/", public(OIDCCallbackView.as_view()), name="oidc_callback"),
]
