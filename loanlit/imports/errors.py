"""Row errors stored untranslated and rendered in the reader's language.

A ``RowError`` keeps the English message id (marked with ``gettext_noop`` where it is written) and its
parameters, so the preview, the error report and the CLI each show it in their user's language. A
parameter named ``field`` holds a field key and is rendered as that field's label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext


@dataclass(frozen=True)
class RowError:
    message: str  # msgid, e.g. gettext_noop("%(field)s: more than 15 significant digits in a number cell …")
    params: dict[str, Any] = field(default_factory=dict)
    field: str | None = None  # the field key the error is about, when one

    def as_json(self) -> dict[str, Any]:
        return {"message": self.message, "params": self.params, "field": self.field}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RowError:
        return cls(message=data["message"], params=dict(data.get("params") or {}), field=data.get("field"))


class CellError(ValueError):
    """Raised by ``loanlit.imports.cells`` converters; the pipeline turns it into a RowError for the field."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def render(error: RowError, *, labels: dict[str, str] | None = None) -> str:
    """The message in the active language; ``labels`` maps field keys to their (translated) labels."""
    params = dict(error.params)
    if "field" in params and labels is not None:
        params["field"] = labels.get(str(params["field"]), params["field"])
    elif error.field is not None and labels is not None and "%(field)s" in error.message:
        params["field"] = labels.get(error.field, error.field)
    text = gettext(error.message)
    try:
        return text % params if params or "%(" in text else text
    except (KeyError, TypeError, ValueError):
        return text
