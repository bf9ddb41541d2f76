from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from loanlit.notifications import selectors, services

PAGE_SIZE = 20


def _signed_in_user(request: HttpRequest) -> AbstractBaseUser:
    # LoginRequiredMiddleware already sends anonymous visitors to the login page; this narrows the type.
    if not isinstance(request.user, AbstractBaseUser):
        raise PermissionDenied
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.notification_list_for_user(user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@require_POST
def notification_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = _signed_in_user(request)
    notification = selectors.notification_get_for_user(user=user, pk=pk)
    services.notification_mark_read(user=user, notification=notification)
    if _is_htmx(request):
        return render(request, "notifications/partials/mark_read_response.html", {"notification": notification})
    return redirect("notifications:list")


@require_POST
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    changed = services.notifications_mark_all_read(user=_signed_in_user(request))
    messages.success(
        request,
        ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", changed)
        % {"count": changed},
    )
    return redirect("notifications:list")
