"""PersonalDataField: ID numbers, mobiles, bank accounts stored encrypted, searchable by HMAC (DESIGN rule 4).

One declaration contributes real columns to the model::

    id_number = PersonalDataField(kind="ric", unique=True, verbose_name=_("ID number"))

    id_number_cipher     TEXT, envelope (loanlit.core.crypto)        — only ``reveal()`` decrypts it
    id_number_hmac       CHAR(64), indexed (unique if asked)         — exact search and uniqueness
    id_number_tail_hmac  CHAR(64), indexed (kinds with a tail)       — "last 6 of ID" / "last 4 of mobile"
    id_number_masked     VARCHAR, e.g. 110105********1234            — what lists and audit show

``obj.id_number`` is a ``PersonalValue`` (or None) built from those columns without decrypting: its
``str()`` is the mask, so a template can never leak the plaintext by accident. Assigning a str
normalises, validates, encrypts and digests it in one step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.core import exceptions
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from loanlit.core import crypto
from loanlit.core.fields import kinds
from loanlit.core.fields.forms import PersonalDataFormField

Validator = Callable[[str], object]

HMAC_LENGTH = 64
_NOT_LOADED: Any = object()


class PersonalDataQueryError(TypeError):
    """A query used the virtual name; the message names the helper to use instead.

    Not a FieldError on purpose: Django catches those while resolving names and replaces the
    message with a generic "Cannot resolve keyword".
    """


class PersonalValue:
    """A stored personal value as lists see it: masked, digested, still encrypted.

    ``reveal()`` is the only way to the plaintext; callers at the service/view layer check the
    permission and write the access log first.
    """

    __slots__ = ("_field", "_instance", "_values")

    def __init__(self, field: PersonalDataField, instance: models.Model, values: dict[str, Any]) -> None:
        self._field = field
        self._instance = instance
        # A snapshot of the columns as loaded; a deferred column (e.g. a list that selected only the
        # mask) is fetched on first use, so masked lists never load ciphertext.
        self._values = values

    def _column(self, key: str) -> Any:
        value = self._values.get(key, _NOT_LOADED)
        if value is _NOT_LOADED:
            names = self._field.column_names
            value = getattr(self._instance, names[key]) if key in names else None
            self._values[key] = value
        return value

    @property
    def cipher(self) -> str:
        return cast(str, self._column("cipher"))

    @property
    def hmac(self) -> str | None:
        return cast(str | None, self._column("hmac"))

    @property
    def tail_hmac(self) -> str | None:
        return cast(str | None, self._column("tail_hmac"))

    @property
    def masked(self) -> str:
        return cast(str, self._column("masked"))

    @property
    def kind(self) -> str:
        return self._field.kind.name

    @property
    def key_id(self) -> str:
        """Which key encrypted it (rotation reports), read from the envelope header."""
        return crypto.envelope_key_id(self.cipher)

    def reveal(self, *, verify: bool = True) -> str:
        """Decrypt. With ``verify`` the plaintext must match the stored HMAC, so a ciphertext copied
        from another row is detected; ``reencrypt_personal_data`` turns it off to re-digest after an
        HMAC_KEY change."""
        plaintext = crypto.decrypt(self.cipher, context=self._field.context)
        if verify and self.hmac is not None and self._field.hmac_for_normalised(plaintext) != self.hmac:
            raise crypto.DecryptionError("The decrypted value does not match its stored HMAC.")
        return plaintext

    def matches(self, value: str) -> bool:
        """True when ``value`` (normalised first) is this value — compared by HMAC, no decryption."""
        try:
            return self._field.hmac_for(value) == self.hmac
        except kinds.PersonalDataError:
            return False

    def as_audit(self) -> dict[str, str | None]:
        """What the audit trail may record: the digest and the mask (DESIGN rule 5)."""
        return {"hmac": self.hmac, "masked": self.masked}

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"<PersonalValue {self.kind} {self.masked}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PersonalValue):
            return self.kind == other.kind and self.hmac == other.hmac
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.kind, self.hmac))


class _PersonalDataDescriptor:
    def __init__(self, field: PersonalDataField) -> None:
        self.field = field

    def __get__(self, instance: models.Model | None, owner: type | None = None) -> Any:
        if instance is None:
            return self.field
        names = self.field.column_names
        # Every stored value has a non-empty mask, so the mask alone tells "no value" apart.
        masked = getattr(instance, names["masked"])
        if not masked:
            return None
        values = {key: instance.__dict__.get(column, _NOT_LOADED) for key, column in names.items()}
        values["masked"] = masked
        return PersonalValue(self.field, instance, values)

    def __set__(self, instance: models.Model, value: Any) -> None:
        for key, column_value in self.field.column_values(value).items():
            setattr(instance, self.field.column_names[key], column_value)


class PersonalDataField(models.Field):
    """A virtual field owning the cipher / hmac / tail_hmac / masked columns of one personal value.

    ``kind``: "ric", "mobile", "bank_account" or "text". ``unique`` makes the HMAC column unique.
    ``validator(normalised)`` may raise ValidationError/ValueError to refuse a value (e.g. the ID
    checksum from loanlit.law). ``blank`` allows no value (all columns NULL, mask "").
    """

    description = _("Personal data (encrypted)")
    concrete = False

    def __init__(
        self,
        verbose_name: str | Any = None,
        *,
        kind: str,
        unique: bool = False,
        blank: bool = False,
        validator: Validator | None = None,
        max_length: int | None = None,
        help_text: str | Any = "",
    ) -> None:
        self.kind = kinds.get_kind(kind)
        self.pd_unique = unique
        self.validator = validator
        self.pd_max_length = max_length or self.kind.max_length
        super().__init__(
            verbose_name=verbose_name, blank=blank, null=True, editable=False, serialize=False, help_text=help_text
        )

    @property
    def context(self) -> str:
        return f"pd:{self.kind.name}"

    @property
    def column_names(self) -> dict[str, str]:
        names = {"cipher": f"{self.name}_cipher", "hmac": f"{self.name}_hmac", "masked": f"{self.name}_masked"}
        if self.kind.tail_length:
            names["tail_hmac"] = f"{self.name}_tail_hmac"
        return names

    def get_attname_column(self) -> tuple[str, None]:  # type: ignore[override]  # no column: virtual
        return self.get_attname(), None

    def db_type(self, connection: Any) -> None:
        return None

    def get_col(self, alias: str, output_field: Any = None) -> Any:
        # Without this, filter()/values()/order_by() on the virtual name fail deep in SQL compilation.
        raise PersonalDataQueryError(
            f"{self.model.__name__}.{self.name} is encrypted and has no column: search with "
            f"pd_exact({self.model.__name__}, {self.name!r}, value) or pd_tail(...), read "
            f"{self.name}_masked in values(), order by another field."
        )

    def contribute_to_class(self, cls: type[models.Model], name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=True)
        setattr(cls, name, _PersonalDataDescriptor(self))
        label = self.verbose_name
        columns: dict[str, models.Field] = {
            "cipher": models.TextField(label, null=True, editable=False),
            "hmac": models.CharField(
                label,
                max_length=HMAC_LENGTH,
                null=True,
                editable=False,
                unique=self.pd_unique,
                db_index=not self.pd_unique,
            ),
            "masked": models.CharField(
                label, max_length=max(self.pd_max_length, 8), blank=True, default="", editable=False
            ),
        }
        if self.kind.tail_length:
            columns["tail_hmac"] = models.CharField(
                label, max_length=HMAC_LENGTH, null=True, editable=False, db_index=True
            )
        if getattr(self, "mti_inherited", False):
            return  # the columns live on the concrete parent's table
        existing = {field.name for field in cls._meta.local_fields}
        for key, column_name in self.column_names.items():
            # Abstract parents pass their concrete columns down before their private fields.
            if column_name not in existing:
                cls.add_to_class(column_name, columns[key])

    def deconstruct(self) -> tuple[Any, ...]:
        # Never in migrations (a private field); the columns it contributes are.
        kwargs: dict[str, Any] = {"kind": self.kind.name, "verbose_name": self.verbose_name}
        if self.pd_unique:
            kwargs["unique"] = True
        if self.blank:
            kwargs["blank"] = True
        return self.name, "loanlit.core.fields.PersonalDataField", [], kwargs

    # --- values ----------------------------------------------------------------------------------

    def normalise(self, value: object) -> str:
        """Normalise and validate like an assignment would; raises PersonalDataError."""
        return kinds.clean_value(self.kind, value, validator=self.validator, max_length=self.pd_max_length)

    def hmac_for_normalised(self, normalised: str) -> str:
        return crypto.keyed_hmac(normalised, purpose=self.context)

    def hmac_for(self, value: str) -> str:
        """Exact-search digest of ``value`` (normalised first, no shape check: searches never fail)."""
        normalised = self.kind.normalise(value) if isinstance(value, str) else ""
        if not normalised:
            raise kinds.PersonalDataError(_("Enter a value to search for."), code="required")
        return self.hmac_for_normalised(normalised)

    def tail_hmac_for(self, tail: str) -> str:
        """Digest of the last ``kind.tail_length`` characters, for "last 6 / last 4" search."""
        if not self.kind.tail_length:
            raise TypeError(f"{self.kind.name} personal data has no tail search.")
        normalised = self.kind.normalise(tail) if isinstance(tail, str) else ""
        if len(normalised) != self.kind.tail_length:
            raise kinds.PersonalDataError(
                _("Enter exactly the last %(count)d characters.") % {"count": self.kind.tail_length}, code="tail"
            )
        return crypto.keyed_hmac(normalised, purpose=f"{self.context}:tail{self.kind.tail_length}")

    def column_values(self, value: Any) -> dict[str, str | None]:
        """The column values storing ``value`` (a str, a PersonalValue of the same kind, or None/"")."""
        names = self.column_names
        if value is None or value == "":
            empty: dict[str, str | None] = {"cipher": None, "hmac": None, "masked": ""}
            if "tail_hmac" in names:
                empty["tail_hmac"] = None
            return empty
        if isinstance(value, PersonalValue):
            if value.kind != self.kind.name:
                raise TypeError(f"Cannot store {value.kind} personal data in a {self.kind.name} field.")
            copied: dict[str, str | None] = {"cipher": value.cipher, "hmac": value.hmac, "masked": value.masked}
            if "tail_hmac" in names:
                copied["tail_hmac"] = value.tail_hmac
            return copied
        return self.encode(self.normalise(value))

    def encode(self, normalised: str) -> dict[str, str | None]:
        """Column values for an already normalised (and validated) plaintext."""
        values: dict[str, str | None] = {
            "cipher": crypto.encrypt(normalised, context=self.context),
            "masked": self.kind.mask(normalised),
        }
        values.update(self.digests(normalised))
        return values

    def digests(self, normalised: str) -> dict[str, str | None]:
        """The search-index columns ("hmac", and "tail_hmac" for kinds with a tail) of a plaintext."""
        values: dict[str, str | None] = {"hmac": self.hmac_for_normalised(normalised)}
        if "tail_hmac" in self.column_names:
            tail = kinds.tail_of(self.kind, normalised)
            values["tail_hmac"] = (
                None if tail is None else crypto.keyed_hmac(tail, purpose=f"{self.context}:tail{self.kind.tail_length}")
            )
        return values

    # --- model validation and forms --------------------------------------------------------------

    def clean(self, value: Any, model_instance: models.Model | None) -> Any:
        if value is None and not self.blank:
            raise exceptions.ValidationError(self.error_messages["blank"], code="blank")
        return value

    def formfield(self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any) -> Any:
        defaults: dict[str, Any] = {
            "kind": self.kind.name,
            "validator": self.validator,
            "required": not self.blank,
            "label": self.verbose_name,
            "help_text": self.help_text,
            "max_length": self.pd_max_length,
        }
        defaults.update(kwargs)
        return (form_class or PersonalDataFormField)(**defaults)


# --- query helpers -------------------------------------------------------------------------------


def personal_field(model: type[models.Model], field_name: str) -> PersonalDataField:
    field = model._meta.get_field(field_name)
    if not isinstance(field, PersonalDataField):
        raise TypeError(f"{model.__name__}.{field_name} is not a PersonalDataField")
    return field


def pd_exact(model: type[models.Model], field_name: str, value: str) -> dict[str, str]:
    """Filter kwargs for an exact match: ``Person.objects.filter(**pd_exact(Person, "id_number", raw))``."""
    field = personal_field(model, field_name)
    return {field.column_names["hmac"]: field.hmac_for(value)}


def pd_tail(model: type[models.Model], field_name: str, tail: str) -> dict[str, str]:
    """Filter kwargs for the last 6 of an ID / last 4 of a mobile or account."""
    field = personal_field(model, field_name)
    if "tail_hmac" not in field.column_names:
        raise TypeError(f"{model.__name__}.{field_name} has no tail search.")
    return {field.column_names["tail_hmac"]: field.tail_hmac_for(tail)}


def pd_values(model: type[models.Model], field_name: str, value: str | None) -> dict[str, str | None]:
    """Column kwargs storing ``value``, for ``QuerySet.update(**pd_values(Person, "mobile", raw))``."""
    field = personal_field(model, field_name)
    return {field.column_names[key]: column_value for key, column_value in field.column_values(value).items()}


def pd_columns(model: type[models.Model], field_name: str) -> dict[str, str]:
    """The real column names behind a personal field ({"cipher": "id_number_cipher", …})."""
    return dict(personal_field(model, field_name).column_names)


def reveal(obj: models.Model, field_name: str) -> str | None:
    """Plaintext of ``obj.<field_name>`` or None. Check permission and log access before calling."""
    personal_field(type(obj), field_name)
    value = cast(PersonalValue | None, getattr(obj, field_name))
    return None if value is None else value.reveal()


def personal_fields(model: type[models.Model]) -> list[PersonalDataField]:
    return [field for field in model._meta.private_fields if isinstance(field, PersonalDataField)]


@dataclass(frozen=True)
class BatchProgress:
    """One committed batch of a re-encryption or re-index pass (for progress output)."""

    model: str  # "app_label.ModelName"
    field: str
    batch: int  # 1, 2, … within this field's pass
    rows: int  # values rewritten in this batch
    done: int  # values rewritten so far in this field's pass
    total: int  # values this pass found to look at when it started


@dataclass
class RewriteResult:
    """What one pass did: values rewritten, values already current, values that could not be decrypted."""

    rewritten: int = 0
    current: int = 0
    unreadable: int = 0
    batches: int = 0

    def add(self, other: RewriteResult) -> None:
        self.rewritten += other.rewritten
        self.current += other.current
        self.unreadable += other.unreadable
        self.batches += other.batches


ProgressCallback = Callable[[BatchProgress], None]


def models_with_personal_data() -> list[type[models.Model]]:
    """Every installed concrete model declaring a PersonalDataField (found through the app registry)."""
    from django.apps import apps

    return [m for m in apps.get_models() if not m._meta.proxy and personal_fields(m)]


def _rewrite_pass(
    model: type[models.Model],
    field: PersonalDataField,
    *,
    reindex: bool,
    all_rows: bool,
    batch_size: int,
    limit: int | None,
    strict: bool,
    progress: ProgressCallback | None,
) -> RewriteResult:
    """One field's pass in primary-key order, one transaction per batch, rows locked while rewritten.

    Re-encryption selects only envelopes not under the primary key, so an interrupted run resumes
    where it stopped. Re-indexing must decrypt every row to know its digests; it writes only the rows
    whose digests changed, so a second run rewrites nothing.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    names = field.column_names
    manager = model._base_manager  # every row, whatever the default manager hides
    candidates = manager.filter(**{f"{names['cipher']}__isnull": False})
    if not reindex and not all_rows:
        candidates = candidates.exclude(**{f"{names['cipher']}__startswith": crypto.envelope_prefix()})
    total = candidates.count()
    digest_keys = ("hmac", "tail_hmac") if reindex else tuple(names)
    columns = [names[key] for key in digest_keys if key in names]
    label = model._meta.label
    result = RewriteResult()
    last_pk: Any = None
    while limit is None or result.rewritten < limit:
        with transaction.atomic():
            batch_qs = candidates if last_pk is None else candidates.filter(pk__gt=last_pk)
            batch = list(batch_qs.order_by("pk").select_for_update().only("pk", *names.values())[:batch_size])
            if not batch:
                break
            changed: list[models.Model] = []
            for obj in batch:
                if limit is not None and result.rewritten + len(changed) >= limit:
                    break
                value = cast(PersonalValue, getattr(obj, field.name))
                try:
                    # The stored plaintext is already normalised; re-validating could strand old rows
                    # behind a validator that became stricter.
                    plaintext = value.reveal(verify=False)
                except crypto.DecryptionError:
                    if strict:
                        raise
                    result.unreadable += 1
                    continue
                new_values = field.digests(plaintext) if reindex else field.encode(plaintext)
                if reindex and all(getattr(obj, names[key]) == v for key, v in new_values.items()):
                    result.current += 1
                    continue
                for key, column_value in new_values.items():
                    setattr(obj, names[key], column_value)
                changed.append(obj)
            if changed:
                manager.bulk_update(changed, columns)  # write-ok: re-keys ciphertext / digest columns only
        last_pk = batch[-1].pk
        if changed:
            result.rewritten += len(changed)
            result.batches += 1
            if progress is not None:
                progress(BatchProgress(label, field.name, result.batches, len(changed), result.rewritten, total))
    return result


def personal_data_reencrypt(
    model: type[models.Model],
    *,
    field_names: Iterable[str] | None = None,
    batch_size: int = 500,
    all_rows: bool = False,
    limit: int | None = None,
    strict: bool = False,
    progress: ProgressCallback | None = None,
) -> RewriteResult:
    """Re-encrypt (and re-digest) every value of ``model`` not under the primary key and cipher.

    Key rotation, AES → SM4 included: the first key of ENCRYPTION_KEYS (and ENCRYPTION_CIPHER) decides
    what values end up under. ``all_rows`` rewrites values already under it too. ``limit`` stops after
    that many values (a later run resumes). A value no key in the ring decrypts is counted in
    ``unreadable`` and left as it is (``strict`` raises instead).
    """
    fields = personal_fields(model) if field_names is None else [personal_field(model, n) for n in field_names]
    result = RewriteResult()
    for field in fields:
        remaining = None if limit is None else limit - result.rewritten
        if remaining is not None and remaining <= 0:
            break
        result.add(
            _rewrite_pass(
                model,
                field,
                reindex=False,
                all_rows=all_rows,
                batch_size=batch_size,
                limit=remaining,
                strict=strict,
                progress=progress,
            )
        )
    return result


def personal_data_reindex(
    model: type[models.Model],
    *,
    field_names: Iterable[str] | None = None,
    batch_size: int = 500,
    limit: int | None = None,
    strict: bool = False,
    progress: ProgressCallback | None = None,
) -> RewriteResult:
    """Recompute the search digests (exact and tail HMACs) of ``model`` with the current HMAC_KEY and
    HMAC algorithm, from the decrypted values; ciphertexts stay as they are. Idempotent."""
    fields = personal_fields(model) if field_names is None else [personal_field(model, n) for n in field_names]
    result = RewriteResult()
    for field in fields:
        remaining = None if limit is None else limit - result.rewritten
        if remaining is not None and remaining <= 0:
            break
        result.add(
            _rewrite_pass(
                model,
                field,
                reindex=True,
                all_rows=True,
                batch_size=batch_size,
                limit=remaining,
                strict=strict,
                progress=progress,
            )
        )
    return result


def reencrypt_personal_data(
    model: type[models.Model],
    *,
    field_names: Iterable[str] | None = None,
    batch_size: int = 500,
    all_rows: bool = False,
) -> int:
    """Re-encrypt every value not under the primary key; returns how many values were rewritten.

    Kept for callers of the first version; raises on a value no key decrypts. See
    ``personal_data_reencrypt`` (counts, limit, progress) and ``personal_data_reindex``.
    """
    return personal_data_reencrypt(
        model, field_names=field_names, batch_size=batch_size, all_rows=all_rows, strict=True
    ).rewritten
