"""Request-size limits answered with a translated 413 page, never a 500 or Django's bare 400."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse

from loanlit.core.views import upload_too_large

# Room for multipart boundaries and the ordinary form fields sent beside one file of the maximum size.
MULTIPART_OVERHEAD_BYTES = 1024 * 1024


class UploadTooLarge(RequestDataTooBig):
    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"an uploaded file exceeds {limit_bytes} bytes")
        self.limit_bytes = limit_bytes


class FileSizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a file part as soon as it passes settings.MAX_UPLOAD_BYTES.

    Listed first in FILE_UPLOAD_HANDLERS, so the exact per-file limit holds even when the request as
    a whole passed the quick Content-Length check in ``UploadLimitMiddleware``.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = start + len(raw_data)
        if self.received > settings.MAX_UPLOAD_BYTES:
            raise UploadTooLarge(settings.MAX_UPLOAD_BYTES)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadLimitMiddleware:
    """Refuses an oversized POST before any view or CSRF check reads it.

    A Content-Length beyond one maximum file is refused without reading the body. Otherwise the body
    is parsed here, so a too-large form body or file part (RequestDataTooBig) is answered with the
    413 page in every mode; with DEBUG on, Django would show its technical page instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES:
                return upload_too_large(request, settings.MAX_UPLOAD_BYTES)
            try:
                request.POST  # noqa: B018 — parsing is the point
            except RequestDataTooBig as exc:
                return upload_too_large(request, getattr(exc, "limit_bytes", settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        return self.get_response(request)
