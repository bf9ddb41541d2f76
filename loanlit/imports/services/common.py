"""Helpers shared by the import services: permission, scope, kind and preset lookup, the kind context."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from loanlit.accounts.models import User
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.models import Creditor, OrgUnit
from loanlit.imports import kinds
from loanlit.imports.kinds.base import ImportKind, KindContext, Preset, decode_value, encode_value
from loanlit.imports.models import ImportBatch
from loanlit.parties.services import require_creditor_access

PROGRESS_KIND = "progress"
ALWAYS_ALLOWED_OPTIONS = ("grouping", "overwrite", "as_of")


def permission_for(kind: str) -> str:
    return "imports.progress" if kind == PROGRESS_KIND else "imports.run"


def get_kind(code: str) -> ImportKind:
    try:
        return kinds.get_kind(code)
    except KeyError:
        raise DomainError(_("There is no import of kind “%(kind)s”.") % {"kind": code}, code="unknown_kind") from None


def get_preset(code: str | None, *, kind: str) -> Preset | None:
    if not code:
        return None
    try:
        preset = kinds.get_preset(code)
    except KeyError:
        raise DomainError(_("There is no preset “%(preset)s”.") % {"preset": code}, code="unknown_preset") from None
    if preset.kind != kind:
        raise DomainError(
            _("The preset “%(preset)s” is for another kind of import.") % {"preset": code}, code="preset_kind"
        )
    return preset


def require_may_import(actor: User | None, *, kind: str, creditor: Creditor) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_code(permission_for(kind)):
        raise PermissionDeniedError(_("You may not run this kind of import."), code="not_allowed")
    require_creditor_access(actor, creditor)


def resolve_unit(actor: User, unit: OrgUnit | None) -> OrgUnit:
    """The default handling unit: the actor's own unless one in the actor's subtree is named."""
    chosen = unit or actor.unit
    if chosen is None:
        raise DomainError(_("Choose the default handling unit for the imported rows."), code="unit_required")
    if actor.is_superuser and actor.unit is None:
        return chosen
    if actor.unit is None or not chosen.path.startswith(actor.unit.path):
        raise PermissionDeniedError(_("The handling unit is outside your branch."), code="unit_scope")
    return chosen


def is_owner(actor: Any, batch: ImportBatch) -> bool:
    """The uploader, or a superuser: the only ones who move an import on."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return bool(batch.created_by_id == actor.pk or getattr(actor, "is_superuser", False))


def require_owner(actor: User | None, batch: ImportBatch) -> None:
    """Only the uploader (or a superuser) moves an import on; and only while still allowed to import."""
    if not is_owner(actor, batch):
        raise PermissionDeniedError(_("You may not change this import."), code="not_allowed")
    require_may_import(actor, kind=batch.kind, creditor=batch.creditor)


def lock(batch: ImportBatch | int) -> ImportBatch:
    pk = batch if isinstance(batch, int) else batch.pk
    return ImportBatch.objects.select_for_update().select_related("creditor", "unit", "created_by").get(pk=pk)


def check_version(batch: ImportBatch, version: int) -> None:
    if int(version) != batch.version:
        raise StaleVersionError(
            _(
                "This import changed since the page was loaded (its background step moved on, or another window "
                "changed it). Reload the page and try again."
            ),
            code="stale",
        )


def clean_options(
    kind: ImportKind, preset: Preset | None, options: dict[str, Any] | None, base: dict[str, Any]
) -> dict[str, Any]:
    """Options merged onto ``base``, checked: known names, a known grouping, a boolean overwrite."""
    allowed = set(kind.default_options) | set(preset.options if preset else {}) | set(ALWAYS_ALLOWED_OPTIONS)
    merged = dict(base)
    for name, value in (options or {}).items():
        if name not in allowed:
            raise DomainError(_("Unknown import option “%(option)s”.") % {"option": name}, code="unknown_option")
        if name == "grouping" and value not in ImportBatch.Grouping.values:
            raise DomainError(_("Choose one case per contract or one case per borrower."), code="grouping")
        if name == "overwrite":
            value = value in (True, "true", "on", "1", 1, "yes")
        merged[name] = encode_value(value)
    return merged


def initial_options(kind: ImportKind, preset: Preset | None) -> dict[str, Any]:
    merged = {**kind.default_options, **(preset.options if preset else {})}
    return {name: encode_value(value) for name, value in merged.items()}


def check_upload(content: bytes) -> None:
    """Refuse an empty file or one over ``MAX_UPLOAD_BYTES`` (the web upload and the CLI alike)."""
    if not content:
        raise DomainError(_("The file is empty."), code="empty_file")
    limit = int(settings.MAX_UPLOAD_BYTES)
    if len(content) > limit:
        raise DomainError(
            _("The file is larger than the upload limit of %(limit)s MB.") % {"limit": limit // (1024 * 1024)},
            code="too_large",
        )


def make_context(
    *, actor: User, creditor: Creditor, unit: OrgUnit, options: dict[str, Any], batch_id: int | None = None
) -> KindContext:
    """The kind's context; ``options`` as stored (encoded), decoded here."""
    return KindContext(
        actor=actor,
        creditor=creditor,
        unit=unit,
        today=timezone.localdate(),
        options={name: decode_value(value) for name, value in options.items()},
        batch_id=batch_id,
    )


def kind_context(batch: ImportBatch) -> KindContext:
    return make_context(
        actor=batch.created_by,
        creditor=batch.creditor,
        unit=batch.unit,
        options=batch.options or {},
        batch_id=batch.pk,
    )
