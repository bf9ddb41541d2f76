"""The authorization matrix: every URL route, who may use it, and proof that a refusal changed nothing.

Each route the URL resolver knows must be listed in ``ROUTES`` (tests/test_authorization_matrix.py);
an unlisted route fails the test, so a new page cannot ship without its access rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Access:
    """Who may use a route with one method.

    kind: "public" (anyone), "login" (any signed-in user), "code" (users whose role grants ``code``),
    "users" (exactly the personas named in ``users`` — object routes: owner / scope).
    Signed-in users who may not get ``denied`` (403 for permission checks, 404 for out-of-scope
    objects); anonymous users are redirected to the login page (302).
    """

    kind: str
    code: str = ""
    users: tuple[str, ...] = ()
    ok: tuple[int, ...] = (200,)
    denied: int = 403
    forbidden: tuple[str, ...] = ()  # personas who can see the object but may not act: 403 instead of ``denied``

    def denied_status(self, persona: str) -> int:
        return 403 if persona in self.forbidden else self.denied

    def allows(self, persona: str, user: Any) -> bool:
        if self.kind == "public":
            return True
        if persona == ANONYMOUS:
            return False
        if self.kind == "login":
            return True
        if self.kind == "code":
            return bool(user.has_code(self.code))
        if self.kind == "users":
            return persona in self.users
        raise ValueError(self.kind)


PUBLIC = Access("public")
LOGIN = Access("login")


def code(perm: str, *, ok: tuple[int, ...] = (200,)) -> Access:
    return Access("code", code=perm, ok=ok)


def only(*users: str, ok: tuple[int, ...] = (200,)) -> Access:
    return Access("users", users=users, ok=ok, denied=404)


@dataclass(frozen=True)
class Route:
    name: str
    get: Access | None
    post: Access | None = None
    kwargs: Callable[[Any], dict] = field(default=lambda world: {})
    data: Callable[[Any], dict] = field(default=lambda world: {})


def iter_route_names(patterns: list | None = None, prefix: str = "") -> Iterator[str]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from iter_route_names(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def unnamed_routes(patterns: list | None = None, where: str = "") -> Iterator[str]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from unnamed_routes(entry.url_patterns, where + str(entry.pattern))
        elif isinstance(entry, URLPattern) and not entry.name:
            yield where + str(entry.pattern)


# Rows that a refused request may legitimately add: the access log records the refusal, and
# the session machinery keeps the signed-in session.
IGNORED_MODELS = {"audit.accesslog", "audit.accesslogseal", "sessions.session"}


def row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label_lower not in IGNORED_MODELS and model._meta.managed
    }
