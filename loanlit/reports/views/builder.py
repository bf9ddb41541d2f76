"""Report builder views (H5)."""

from django.http import Http404, HttpRequest, HttpResponse


def builder(request: HttpRequest) -> HttpResponse:
    raise Http404


def saved_detail(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def saved_edit(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def saved_delete(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def saved_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    raise Http404
