"""/api/v1/ resources, the OpenAPI schema and its documentation pages (namespace ``api``).

The schema is JSON by default (``Accept: application/vnd.oai.openapi`` or ``?format=yaml`` for YAML); its
errors, and the documentation pages' errors, are the API's JSON error shape whatever renderer was asked for.
Swagger UI and ReDoc come from drf-spectacular-sidecar's static files (no CDN) and run under the site's CSP:
Swagger UI loads its start-up script from ``/api/docs/?script`` (no inline script); ReDoc is started by
``static/api/redoc_init.js``. ReDoc writes its styles into ``<style>`` elements, so that one page alone allows
inline *styles* (never scripts).
"""

from __future__ import annotations

import importlib
from typing import Any

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import exceptions, routers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from loanlit.api.base import ScopedViewSetMixin

# One module per area; each registers its viewsets (loanlit/api/base.py explains the rules).
V1_MODULES = (
    "cases",
    "parties",
    "loans",
    "users",
    "reports",
    "proceedings",
    "events",
    "deadlines",
    "tasks",
    "ledger",
    "documents",
    "comments",
    "imports",
    "loan_updates",
)

router = routers.SimpleRouter(trailing_slash=True)
for _name in V1_MODULES:
    importlib.import_module(f"loanlit.api.v1.{_name}").register(router)


class JsonErrorsMixin:
    """Errors (401, 403, 404, 405, 429 …) rendered as the JSON error shape, not with the view's renderer."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = "application/json"
            response.renderer_context = {**(response.renderer_context or {}), "response": response}
            response.template_name = None
        return response


class SchemaView(JsonErrorsMixin, ScopedViewSetMixin, SpectacularAPIView):
    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2]


class SwaggerView(JsonErrorsMixin, ScopedViewSetMixin, SpectacularSwaggerSplitView):
    template_name = "api/docs_swagger.html"
    title = "Loanlit API"


class RedocView(JsonErrorsMixin, ScopedViewSetMixin, SpectacularRedocView):
    template_name = "api/docs_redoc.html"
    title = "Loanlit API"


class NotFoundView(ScopedViewSetMixin, APIView):
    """Any other path under /api/: 404 in the API's error shape (401 first when not signed in)."""

    schema = None  # type: ignore[assignment]

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.NotFound()

    get = post = put = patch = delete = _not_found


app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path(
        "redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
            RedocView.as_view(url_name="api:schema")
        ),
        name="redoc",
    ),
    re_path(r"^(?P<rest>[\s\S]*)$", NotFoundView.as_view(), name="not_found"),  # newlines too
]
