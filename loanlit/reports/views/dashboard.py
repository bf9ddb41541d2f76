"""Dashboard views (H3)."""

from django.http import Http404, HttpRequest, HttpResponse


def dashboard(request: HttpRequest) -> HttpResponse:
    raise Http404


def drilldown(request: HttpRequest) -> HttpResponse:
    raise Http404


def widget_export(request: HttpRequest, widget: str, fmt: str) -> HttpResponse:
    raise Http404
