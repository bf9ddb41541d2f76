"""/api/v1/ resources, the OpenAPI schema and its documentation pages (namespace ``api``)."""

from __future__ import annotations

import importlib

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import routers

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


class SchemaView(ScopedViewSetMixin, SpectacularAPIView):
    pass


class SwaggerView(ScopedViewSetMixin, SpectacularSwaggerView):
    pass


class RedocView(ScopedViewSetMixin, SpectacularRedocView):
    pass


app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
]
