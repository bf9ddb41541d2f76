from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def public(view: Callable) -> Callable:
    """Mark a view as reachable without signing in (everything else requires a login)."""
    return login_not_required(view)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {})


def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


@login_not_required
def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, _("Bad request"), _("The request could not be understood. Nothing was changed."))


@login_not_required
def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("Not allowed"), _("You do not have permission to do this. Nothing was changed."))


@login_not_required
def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("Not found"), _("This page does not exist or is outside your scope."))


@login_not_required
def error_500(request: HttpRequest) -> HttpResponse:
    return _error(
        request, 500, _("Something went wrong"), _("An unexpected error occurred. It has been logged; please try again.")
    )
