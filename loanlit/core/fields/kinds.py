"""Kinds of personal data: how each is normalised, shape-checked, masked and searched by its tail.

Normalisation runs before encryption and before every HMAC, so "110105 19900307 002x" and
"11010519900307002X" are the same person. The shape checks here are deliberately simple; full rules
(the ID checksum, region codes) come from a ``validator`` callable such as the identifiers helpers in
loanlit.law, passed to ``PersonalDataField(validator=…)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RIC: Final = "ric"  # 居民身份证号码
MOBILE: Final = "mobile"
BANK_ACCOUNT: Final = "bank_account"
TEXT: Final = "text"


class PersonalDataError(ValueError):
    """A personal-data value that cannot be stored or searched; ``message`` is translated."""

    def __init__(self, message: StrOrPromise, *, code: str) -> None:
        self.message = message
        self.code = code
        super().__init__(str(message))

    def __str__(self) -> str:
        return str(self.message)


def _strip_separators(value: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value))


def _normalise_ric(value: str) -> str:
    return _strip_separators(value).upper()


def _normalise_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", value))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


def _normalise_text(value: str) -> str:
    return " ".join(value.split())


def _mask_ric(value: str) -> str:
    if len(value) <= 10:
        return "*" * (len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _mask_mobile(value: str) -> str:
    if len(value) < 8:
        return "*" * (len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _mask_bank_account(value: str) -> str:
    return "*" * max(len(value) - 4, 4) + value[-4:]


def _mask_text(value: str) -> str:
    return value[:1] + "*" * (len(value) - 1) if len(value) > 1 else "*"


@dataclass(frozen=True)
class Kind:
    name: str
    max_length: int  # of the normalised plaintext
    tail_length: int  # 0: no tail search
    normalise: Callable[[str], str]
    mask: Callable[[str], str]
    shape: re.Pattern[str] | None
    shape_message: StrOrPromise

    @property
    def masked_max_length(self) -> int:
        return max(self.max_length, 8)


KINDS: Final[dict[str, Kind]] = {
    RIC: Kind(
        name=RIC,
        max_length=18,
        tail_length=6,
        normalise=_normalise_ric,
        mask=_mask_ric,
        shape=re.compile(r"\d{17}[\dX]|\d{15}"),
        shape_message=_("Enter an ID number of 18 characters (digits, the last may be X) or an old 15-digit one."),
    ),
    MOBILE: Kind(
        name=MOBILE,
        max_length=11,
        tail_length=4,
        normalise=_normalise_mobile,
        mask=_mask_mobile,
        shape=re.compile(r"1\d{10}"),
        shape_message=_("Enter an 11-digit mainland mobile number starting with 1."),
    ),
    BANK_ACCOUNT: Kind(
        name=BANK_ACCOUNT,
        max_length=34,
        tail_length=4,
        normalise=_strip_separators,
        mask=_mask_bank_account,
        shape=re.compile(r"\d{6,34}"),
        shape_message=_("Enter a bank account number of 6 to 34 digits."),
    ),
    TEXT: Kind(
        name=TEXT,
        max_length=255,
        tail_length=0,
        normalise=_normalise_text,
        mask=_mask_text,
        shape=None,
        shape_message="",
    ),
}


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"Unknown personal-data kind {name!r}; use one of {sorted(KINDS)}.") from None


def clean_value(
    kind: Kind, value: object, *, validator: Callable[[str], object] | None = None, max_length: int | None = None
) -> str:
    """Normalise ``value`` and check its shape (and the optional ``validator``); return the normal form.

    ``validator`` receives the normalised string and rejects it by raising ``ValidationError`` or
    ``ValueError`` (its message is shown to the user).
    """
    if not isinstance(value, str):
        raise TypeError(f"Personal data must be a str, not {type(value).__name__}.")
    normalised = kind.normalise(value)
    if not normalised:
        raise PersonalDataError(_("This value is empty."), code="required")
    limit = max_length or kind.max_length
    if len(normalised) > limit:
        raise PersonalDataError(
            _("Enter at most %(limit)d characters.") % {"limit": limit},
            code="max_length",
        )
    if kind.shape is not None and not kind.shape.fullmatch(normalised):
        raise PersonalDataError(kind.shape_message, code="invalid")
    if validator is not None:
        try:
            validator(normalised)
        except ValidationError as exc:
            raise PersonalDataError(" ".join(str(message) for message in exc.messages), code="invalid") from None
        except ValueError as exc:
            raise PersonalDataError(str(exc), code="invalid") from None
    return normalised


def tail_of(kind: Kind, normalised: str) -> str | None:
    """The searchable tail ("last 6 of the ID", "last 4 of the mobile"); None if the kind has none."""
    if not kind.tail_length or len(normalised) < kind.tail_length:
        return None
    return normalised[-kind.tail_length :]
