"""Display of values sealed with a data subject's key (``loanlit.core.subjects``), e.g. in the audit trail.

``{% unseal entry.changes as changes %}`` replaces every sealed value inside ``changes`` by what the
signed-in user may see: the plaintext with ``personal_data.unmask``, a sealed mask as it is, other text
reduced to its first character, and "[anonymised]" once the subject's key was shredded. One ``Sealer``
per template render, so a page of entries loads each subject key once.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from loanlit.core import subjects

register = template.Library()

_RENDER_KEY = "loanlit.core.subjects.sealer"


def _walk(value: Any, show: Any) -> Any:
    if subjects.is_sealed(value):
        return show(value)
    if isinstance(value, dict):
        return {key: _walk(item, show) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(item, show) for item in value]
    return value


@register.simple_tag(takes_context=True)
def unseal(context: template.Context, value: Any) -> Any:
    sealer = context.render_context.get(_RENDER_KEY)
    if sealer is None:
        sealer = context.render_context[_RENDER_KEY] = subjects.Sealer()
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    may_unmask = bool(user is not None and user.is_authenticated and user.has_code("personal_data.unmask"))
    anonymised = _("[anonymised]")
    return _walk(
        value, lambda sealed: subjects.display(sealed, sealer=sealer, may_unmask=may_unmask, anonymised=anonymised)
    )
