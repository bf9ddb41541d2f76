"""The API's authorization matrix rows: every /api/ route, each method, who may use it.

Each area lists its routes in ``loanlit/api/tests/matrix_<area>.py`` as ``ROUTES: list[ApiRoute]``;
``test_api_matrix.py`` fails for an /api/ route that no module lists. Access rules are the same
``tests.support.authz.Access`` objects the page matrix uses: a signed-in persona who may not gets
``denied`` (403 permission, 404 out of scope); anonymous gets 401 with nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.authz import Access

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class ApiRoute:
    name: str  # "api:case-list"
    access: dict[str, Access]  # method → rule; methods not listed must answer 405 (401 anonymous)
    kwargs: Callable[[Any], dict] = field(default=lambda world: {})
    data: Callable[[Any], dict] = field(default=lambda world: {})  # body for post / put / patch (JSON)
    public: bool = False  # the route answers anonymous users too (schema, docs)
