"""API key pages for ``api.manage`` holders: list, create (the secret shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit import audit
from loanlit.accounts.permissions import PERMISSIONS
from loanlit.api import selectors_keys
from loanlit.api.forms_keys import ApiKeyForm
from loanlit.api.services import keys as key_services
from loanlit.core.errors import DomainError, PermissionDeniedError


def _require_manage(request: HttpRequest) -> None:
    if not key_services.may_manage_keys(request.user):
        audit.access_log(
            user=request.user,
            action=audit.AccessAction.DENIED,
            request=request,
            detail={"reason": key_services.MANAGE_CODE},
        )
        raise PermissionDenied(key_services.MANAGE_CODE)


@require_GET
def key_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    keys = list(selectors_keys.api_keys_for_user(user=request.user))
    now = timezone.now()
    rows = [
        {
            "key": key,
            "usable": key.is_usable(now),
            "expired": key.expires_at is not None and key.expires_at <= now,
            "codes": [(code, PERMISSIONS.get(code, code)) for code in key.permissions],
        }
        for key in keys
    ]
    return render(request, "api/keys_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def key_create(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = ApiKeyForm(request.POST or None, users=selectors_keys.service_users_for(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key, secret = key_services.api_key_create(
                actor=request.user,  # type: ignore[arg-type]
                name=data["name"],
                user=data["user"],
                permissions=data["permissions"],
                expires_at=form.expires_at(),
                rate_limit=data["rate_limit"],
            )
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            # The secret is in this one response only: never stored, never in a message or a redirect.
            response = render(request, "api/keys_created.html", {"key": key, "secret": secret})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "api/keys_form.html", {"form": form})


@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    key = selectors_keys.api_key_get_for_user(user=request.user, pk=pk)
    try:
        key_services.api_key_revoke(actor=request.user, key=key)  # type: ignore[arg-type]
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The key %(name)s was revoked.") % {"name": key.name})
    return redirect("integration:key_list")


urlpatterns = [
    path("keys/", key_list, name="key_list"),
    path("keys/new/", key_create, name="key_create"),
    path("keys/<int:pk>/revoke/", key_revoke, name="key_revoke"),
]
