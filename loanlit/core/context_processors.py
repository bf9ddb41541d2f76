from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    # WATERMARK_PAGES: base.html lays the user's watermark (/watermark.svg) over every signed-in page.
    return {"LOANLIT_DEBUG": settings.DEBUG, "WATERMARK_PAGES": settings.WATERMARK_PAGES}
