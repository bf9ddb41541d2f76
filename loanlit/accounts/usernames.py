"""One rule for user names, local and from the bank's directory (issue 10).

A user name is NFKC-normalised and trimmed, and may hold only letters, digits and ``@ . + - _`` (Django's
``UnicodeUsernameValidator``): a zero-width or control character would make ``administrator\\u200b`` look
like ``administrator`` in the audit trail and on the watermark.
"""

from __future__ import annotations

import unicodedata

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from loanlit.core.errors import DomainError

_VALIDATOR = UnicodeUsernameValidator()


def username_checked(raw: str, *, fold_case: bool = False) -> str:
    """The normalised user name, or DomainError (translated) when it holds a character not allowed."""
    name = unicodedata.normalize("NFKC", raw or "").strip()
    if fold_case:
        name = name.lower()
    if not name:
        raise DomainError(_("A user name is required."), code="username_required")
    try:
        _VALIDATOR(name)
    except ValidationError:
        raise DomainError(
            _("The user name %(username)s may hold only letters, digits and @ . + - _ characters.")
            % {"username": name.encode("unicode_escape").decode("ascii")},
            code="username_invalid",
        ) from None
    return name
