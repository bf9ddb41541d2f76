"""Fixed management report views (H4)."""

from django.http import Http404, HttpRequest, HttpResponse


def index(request: HttpRequest) -> HttpResponse:
    raise Http404


def report(request: HttpRequest, report: str) -> HttpResponse:
    raise Http404


def report_export(request: HttpRequest, report: str, fmt: str) -> HttpResponse:
    raise Http404
