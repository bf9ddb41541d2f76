"""Writes for parties, their contact records and the merge queue (DESIGN rule 1), batch-shaped.

Identity rules, all within one creditor (bank A never learns that bank B sues the same person):

* a *valid* ID number (check character correct) or a valid USCC is the identity: the same number
  with the same normalised name is the same party; the same number with another name opens a
  ``PartyMergeCandidate`` and returns the existing party untouched (its name is never overwritten);
* a missing or invalid number, a passport or other document: a new party every time, never merged
  automatically (two "Zhang Wei" without IDs may be two people).

``parties_upsert_batch`` validates every row before it writes anything, so a bad row leaves nothing
behind; the good rows are written with a few bulk INSERTs and one bulk audit append on the
creditor's stream. ``loans_import_batch`` uses the two halves (``prepare_party`` and
``upsert_prepared``) so that a bad loan row never leaves an orphan party.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts.models import User
from loanlit.accounts.selectors import creditor_ids_for
from loanlit.core import subjects
from loanlit.core.bulk import builder, bulk_insert
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.fields import PersonalDataField
from loanlit.core.models import Creditor
from loanlit.law import identifiers
from loanlit.law.explain import render
from loanlit.parties.models import Party, PartyContact, PartyMergeCandidate

LOOKUP_CHUNK: Final = 2000
NAME_MAX_LENGTH: Final = 200
ADDRESS_MAX_LENGTH: Final = 300

_RIC_SHAPE: Final = re.compile(r"\d{17}[\dX]|\d{15}")
_RIC_KINDS: Final = {
    "resident": Party.IdType.RIC,
    "hk_residence_permit": Party.IdType.HK_MACAU_RESIDENCE,
    "macau_residence_permit": Party.IdType.HK_MACAU_RESIDENCE,
    "taiwan_residence_permit": Party.IdType.TAIWAN_RESIDENCE,
    "foreign_permanent_residence": Party.IdType.FOREIGN_PERMANENT_RESIDENCE,
}
_RIC_TYPES: Final = frozenset(_RIC_KINDS.values())
_DOCUMENT_TYPES: Final = frozenset({Party.IdType.PASSPORT, Party.IdType.OTHER})
# Choices' ``.values`` is rebuilt on every access; imports check them for every row.
_PARTY_KINDS: Final = frozenset(Party.Kind.values)
_ID_TYPES: Final = frozenset(Party.IdType.values)
_CONTACT_KINDS: Final = frozenset(PartyContact.Kind.values)
_CONTACT_SOURCES: Final = frozenset(PartyContact.Source.values)
_ADDRESS_KINDS: Final = frozenset(PartyContact.AddressKind.values)


# --- inputs and results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactInput:
    """One contact record: ``kind`` "phone" (a mainland mobile), "address" or "email"."""

    kind: str
    value: str
    address_kind: str = ""
    source: str = PartyContact.Source.IMPORT
    valid_from: date | None = None


@dataclass(frozen=True)
class PartyInput:
    """One incoming party.

    ``id_number`` is the resident ID / residence-permit number for a person, the USCC for a company
    (or with ``id_type="uscc"``). ``id_type`` may be left empty: it is then read from the number.
    ``mobile`` and ``address`` are shortcuts for a phone and a domicile (companies: registered
    address) contact.
    """

    name: str
    kind: str = Party.Kind.PERSON
    id_type: str = ""
    id_number: str = ""
    legal_representative: str = ""
    mobile: str = ""
    address: str = ""
    contacts: Sequence[ContactInput] = ()
    source: str = PartyContact.Source.IMPORT


@dataclass
class PartyUpsertResult:
    """What happened to one row. ``merge_candidate`` is set when the row's valid ID is already on
    file under another name: ``party`` is then the existing party and a review is pending."""

    index: int
    party: Party | None = None
    created: bool = False
    merge_candidate: PartyMergeCandidate | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- normalisation -------------------------------------------------------------------------------

_FULL_WIDTH: Final = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def to_half_width(value: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３, the ideographic space) → half-width; CJK text is unchanged."""
    return value.translate(_FULL_WIDTH)


def display_name(value: str) -> str:
    """The name as stored: half-width ASCII, trimmed, runs of whitespace collapsed to one space."""
    return " ".join(to_half_width(value).split())


def normalize_name(value: str) -> str:
    """The comparison and prefix-search key: ``display_name`` case-folded (Latin names)."""
    return display_name(value).casefold()


def _law_text(code: str | None, params: dict[str, object]) -> str:
    language = (translation.get_language() or "zh-hans").lower()
    return render(code or "", "en" if language.startswith("en") else "zh-hans", **params)


# --- preparation (pure: no database) ---------------------------------------------------------------


@dataclass
class PreparedContact:
    kind: str
    address_kind: str
    source: str
    valid_from: date | None
    phone: str = ""
    address: str = ""
    email: str = ""
    value_key: str = ""

    def build(self, *, party: Party, actor: User | None, now: Any) -> PartyContact:
        contact: PartyContact = builder(PartyContact).new(
            related={"party": party, "recorded_by": acting_user(actor)},
            kind=self.kind,
            address=self.address,
            email=self.email,
            address_kind=self.address_kind,
            source=self.source,
            valid_from=self.valid_from,
            recorded_at=now,
        )
        if self.phone:
            contact.phone = self.phone
        return contact


@dataclass
class PreparedParty:
    """A validated row, ready to write. ``identity`` is the dedupe key when the ID is valid."""

    name: str
    name_key: str
    kind: str
    id_type: str
    id_valid: bool
    id_number: str
    document_number: str
    uscc: str
    legal_representative: str
    gender: str
    birth_date: date | None
    contacts: list[PreparedContact]
    warnings: list[str]
    identity: tuple[str, str] | None = None

    def build(self, *, creditor: Creditor, actor: User | None) -> Party:
        created_by = acting_user(actor)
        party: Party = builder(Party).new(
            related={"creditor": creditor, "created_by": created_by},
            kind=self.kind,
            name=self.name,
            name_normalized=self.name_key,
            id_type=self.id_type,
            id_valid=self.id_valid,
            uscc=self.uscc,
            legal_representative=self.legal_representative,
            gender=self.gender,
            birth_date=self.birth_date,
        )
        if self.id_number:
            party.id_number = self.id_number
        if self.document_number:
            party.document_number = self.document_number
        return party


def acting_user(actor: User | None) -> User | None:
    """The user to store in a ``created_by``-style column (None for system writes)."""
    if actor is not None and getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) is not None:
        return actor
    return None


def prepare_contact(row: ContactInput, *, party_kind: str = Party.Kind.PERSON) -> PreparedContact:
    """Validate one contact; raises ``DomainError`` with a translated message."""
    if row.kind not in _CONTACT_KINDS:
        raise DomainError(_("Unknown contact kind: %(kind)s.") % {"kind": row.kind}, code="contact_kind")
    if row.source not in _CONTACT_SOURCES:
        raise DomainError(_("Unknown contact source: %(source)s.") % {"source": row.source}, code="contact_source")
    if row.valid_from is not None and not isinstance(row.valid_from, date):
        raise DomainError(_("The valid-from date is not a date."), code="contact_date")
    value = row.value if isinstance(row.value, str) else ""
    prepared = PreparedContact(kind=row.kind, address_kind="", source=row.source, valid_from=row.valid_from)
    if row.kind == PartyContact.Kind.PHONE:
        result = identifiers.validate_mobile(value)
        if not result.valid:
            raise DomainError(
                _("Mobile number %(value)s is not valid: %(reason)s")
                % {
                    "value": _masked_for_message(result.normalized),
                    "reason": _law_text(result.error, result.error_params),
                },
                code="mobile",
            )
        prepared.phone = result.normalized
        prepared.value_key = PartyContact._meta.get_field("phone").hmac_for_normalised(result.normalized)
    elif row.kind == PartyContact.Kind.EMAIL:
        email = value.strip()
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(_("%(value)s is not a valid e-mail address.") % {"value": email}, code="email") from None
        prepared.email = email
        prepared.value_key = email.casefold()
    else:
        address = " ".join(to_half_width(value).split())
        if not address:
            raise DomainError(_("The address is empty."), code="address")
        if len(address) > ADDRESS_MAX_LENGTH:
            raise DomainError(
                _("The address is longer than %(limit)d characters.") % {"limit": ADDRESS_MAX_LENGTH}, code="address"
            )
        address_kind = row.address_kind or (
            PartyContact.AddressKind.REGISTERED
            if party_kind == Party.Kind.COMPANY
            else PartyContact.AddressKind.DOMICILE
        )
        if address_kind not in _ADDRESS_KINDS:
            raise DomainError(_("Unknown address kind: %(kind)s.") % {"kind": address_kind}, code="address_kind")
        prepared.address = address
        prepared.address_kind = address_kind
        prepared.value_key = address
    return prepared


def _masked_for_message(value: str) -> str:
    # Error messages end up in import reports and logs: never the full number.
    return audit.mask(value) if value else ""


def _prepare_identity(row: PartyInput, kind: str, today: date) -> dict[str, Any]:
    raw = to_half_width(row.id_number if isinstance(row.id_number, str) else "")
    number = "".join(raw.split()).upper()
    id_type = row.id_type or ""
    if id_type and id_type not in _ID_TYPES:
        raise DomainError(_("Unknown ID type: %(type)s.") % {"type": id_type}, code="id_type")
    out: dict[str, Any] = {
        "id_type": Party.IdType.NONE,
        "id_valid": False,
        "id_number": "",
        "document_number": "",
        "uscc": "",
        "gender": "",
        "birth_date": None,
        "warnings": [],
        "identity": None,
    }
    if not number:
        if id_type not in ("", Party.IdType.NONE):
            out["warnings"].append(_("The ID type is given but the number is empty; stored as no ID."))
        return out
    if id_type == Party.IdType.NONE:
        raise DomainError(_("An ID number is given with the ID type 'none'."), code="id_type")
    if id_type == Party.IdType.USCC or (kind == Party.Kind.COMPANY and not id_type):
        result = identifiers.validate_uscc(number)
        if len(result.normalized) > 18:
            raise DomainError(
                _("A unified social credit code has 18 characters, not %(length)d.") % {"length": len(number)},
                code="uscc",
            )
        out.update(id_type=Party.IdType.USCC, uscc=result.normalized, id_valid=result.valid)
        if result.valid:
            out["identity"] = ("uscc", result.normalized)
        else:
            out["warnings"].append(
                _("The unified social credit code is not valid (%(reason)s); stored without a verified ID.")
                % {"reason": _law_text(result.error, result.error_params)}
            )
        return out
    if id_type in _DOCUMENT_TYPES:
        if len(number) > 64:
            raise DomainError(_("The document number is longer than 64 characters."), code="document_number")
        out.update(id_type=id_type, document_number=number)
        return out
    # A resident ID or residence permit (given or inferred).
    result = identifiers.validate_resident_id(number, today=today)
    if result.valid:
        detected = _RIC_KINDS[result.kind or "resident"]
        out.update(
            id_type=detected,
            id_valid=True,
            id_number=result.normalized,
            gender=result.sex or "",
            birth_date=result.birth_date,
        )
        field = Party._meta.get_field("id_number")
        out["identity"] = ("ric", field.hmac_for_normalised(result.normalized))
        out["warnings"].extend(warning.text(_law_language()) for warning in result.warnings)
        return out
    reason = _law_text(result.error, result.error_params)
    if _RIC_SHAPE.fullmatch(number):
        out.update(id_type=id_type or Party.IdType.RIC, id_number=number)
    else:
        if len(number) > 64:
            raise DomainError(_("The ID number is longer than 64 characters."), code="id_number")
        out.update(id_type=id_type or Party.IdType.OTHER, document_number=number)
    out["warnings"].append(
        _("The ID number is not valid (%(reason)s); the party is stored without a verified ID and never merged.")
        % {"reason": reason}
    )
    return out


def _law_language() -> str:
    language = (translation.get_language() or "zh-hans").lower()
    return "en" if language.startswith("en") else "zh-hans"


def prepare_party(row: PartyInput, *, today: date | None = None) -> PreparedParty:
    """Validate and normalise one row without touching the database; raises ``DomainError``."""
    if not isinstance(row, PartyInput):
        raise DomainError(_("A party row is malformed."), code="malformed")
    kind = row.kind or Party.Kind.PERSON
    if kind not in _PARTY_KINDS:
        raise DomainError(_("Unknown party kind: %(kind)s.") % {"kind": kind}, code="kind")
    name = display_name(row.name) if isinstance(row.name, str) else ""
    if not name:
        raise DomainError(_("The party's name is empty."), code="name")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(
            _("The party's name is longer than %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}, code="name"
        )
    identity = _prepare_identity(row, kind, today or timezone.localdate())
    contacts_in = list(row.contacts)
    if row.mobile:
        contacts_in.insert(0, ContactInput(kind=PartyContact.Kind.PHONE, value=row.mobile, source=row.source))
    if row.address:
        contacts_in.insert(0, ContactInput(kind=PartyContact.Kind.ADDRESS, value=row.address, source=row.source))
    contacts = [prepare_contact(contact, party_kind=kind) for contact in contacts_in]
    return PreparedParty(
        name=name,
        name_key=normalize_name(name),
        kind=kind,
        id_type=identity["id_type"],
        id_valid=identity["id_valid"],
        id_number=identity["id_number"],
        document_number=identity["document_number"],
        uscc=identity["uscc"],
        legal_representative=display_name(row.legal_representative or "")[:100],
        gender=identity["gender"],
        birth_date=identity["birth_date"],
        contacts=contacts,
        warnings=identity["warnings"],
        identity=identity["identity"],
    )


# --- writing ---------------------------------------------------------------------------------------


def _chunks(values: list[Any], size: int = LOOKUP_CHUNK) -> Iterable[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def party_audit(party: Party, *, with_contacts: bool = True) -> dict[str, Any]:
    """A created party as the audit records it: name and masks sealed with the party's subject key
    (``loanlit.core.subjects``, erasable by crypto-shredding), HMACs in clear, contacts likewise."""
    sealer = _sealer_for(party)
    data = _party_audit(party, sealer)
    if with_contacts:
        contacts = getattr(party, "_pending_contacts", None)
        if contacts is None:
            contacts = list(party.contacts.all())
        data["contacts"] = [_contact_audit(contact, sealer, party) for contact in contacts]
    return data


def _sealer_for(party: Party) -> subjects.Sealer:
    # A batch primes one Sealer for all its parties (upsert_prepared) so the audit costs no query per row.
    sealer = getattr(party, "_sealer", None)
    return sealer if isinstance(sealer, subjects.Sealer) else subjects.Sealer()


def _sealed_personal(sealer: subjects.Sealer, party: Party, value: Any) -> dict[str, Any] | None:
    """HMAC + mask of a personal value, the mask sealed (it shows some digits)."""
    if value is None:
        return None
    data = value.as_audit() if hasattr(value, "as_audit") else dict(value)
    return {"hmac": data["hmac"], "masked": sealer.seal(party, data["masked"], masked=True)}


def _party_audit(party: Party, sealer: subjects.Sealer | None = None) -> dict[str, Any]:
    sealer = sealer or _sealer_for(party)
    return {
        "name": sealer.seal(party, party.name),
        "kind": party.kind,
        "id_type": party.id_type,
        "id_valid": party.id_valid,
        "id_number": _sealed_personal(sealer, party, party.id_number),
        "document_number": _sealed_personal(sealer, party, party.document_number),
        "uscc": party.uscc,
    }


def _contact_audit(contact: PartyContact, sealer: subjects.Sealer | None = None, party: Party | None = None) -> dict:
    party = party if party is not None else contact.party
    sealer = sealer or _sealer_for(party)
    data: dict[str, Any] = {"kind": contact.kind, "source": contact.source}
    if contact.kind == PartyContact.Kind.PHONE:
        data["phone"] = _sealed_personal(sealer, party, contact.phone)
    elif contact.kind == PartyContact.Kind.EMAIL:
        data["email"] = _sealed_personal(sealer, party, audit.personal_value_from_plain(contact.email or None))
    else:
        data["address_kind"] = contact.address_kind
        data["address"] = sealer.seal(party, contact.address)
    return data


@dataclass
class _Slot:
    """One party as the batch sees it: an existing row or one about to be inserted."""

    party: Party
    new: bool
    # (kind, address_kind) → current contacts as (value_key, existing pk or pending PartyContact)
    current: dict[tuple[str, str], list[tuple[str, Any]]] = field(default_factory=dict)
    pending_contacts: list[PartyContact] = field(default_factory=list)
    contacts_loaded: bool = False


def upsert_prepared(
    *,
    actor: User | None,
    creditor: Creditor,
    rows: Sequence[PreparedParty | None],
    audit_created: bool = True,
) -> tuple[list[PartyUpsertResult], list[audit.AuditItem]]:
    """Write validated rows (``None`` rows are skipped) and return results plus the audit items to
    append. The caller must be inside ``transaction.atomic`` and append the items itself.

    ``audit_created=False`` leaves out the "party.created" items: a loan import records a created
    party (``party_audit``) inside the entry of the loan it came with.
    """
    results = [PartyUpsertResult(index=index) for index in range(len(rows))]
    stream = audit.stream_key("creditor", creditor.pk)
    now = timezone.now()

    hmacs = sorted({p.identity[1] for p in rows if p and p.identity and p.identity[0] == "ric"})
    usccs = sorted({p.identity[1] for p in rows if p and p.identity and p.identity[0] == "uscc"})
    slots: dict[tuple[str, str], _Slot] = {}
    for chunk in _chunks(hmacs):
        for party in Party.objects.filter(creditor=creditor, id_valid=True, id_number_hmac__in=chunk):
            slots[("ric", party.id_number.hmac or "")] = _Slot(party=party, new=False)
    for chunk in _chunks(usccs):
        for party in Party.objects.filter(creditor=creditor, id_valid=True, uscc__in=chunk):
            slots[("uscc", party.uscc)] = _Slot(party=party, new=False)
    _load_current_contacts([slot for slot in slots.values() if not slot.new])

    new_slots: list[_Slot] = []
    candidates: list[tuple[int, PartyMergeCandidate]] = []
    existing_contact_rows: list[tuple[_Slot, PartyContact]] = []
    supersede_pks: set[int] = set()
    open_keys = _open_candidate_keys(creditor, [slot.party.pk for slot in slots.values()])

    for index, prepared in enumerate(rows):
        if prepared is None:
            continue
        result = results[index]
        result.warnings = list(prepared.warnings)
        slot = slots.get(prepared.identity) if prepared.identity else None
        if slot is None:
            slot = _Slot(party=prepared.build(creditor=creditor, actor=actor), new=True)
            if prepared.identity:
                slots[prepared.identity] = slot
            new_slots.append(slot)
            result.party, result.created = slot.party, True
            _add_contacts(slot, prepared.contacts, actor=actor, now=now, supersede_pks=supersede_pks)
            continue
        result.party = slot.party
        if slot.party.name_normalized != prepared.name_key:
            key = (slot.party.pk or id(slot.party), prepared.name_key)
            if key not in open_keys:
                open_keys.add(key)
                candidates.append((index, _merge_candidate(creditor, slot, prepared, actor)))
            result.warnings.append(
                _("This ID number is on file under the name %(name)s; a merge review was opened.")
                % {"name": slot.party.name}
            )
            continue  # identity in doubt: the row's contacts go to the review, not onto the party
        added = _add_contacts(slot, prepared.contacts, actor=actor, now=now, supersede_pks=supersede_pks)
        if not slot.new:
            existing_contact_rows.extend((slot, contact) for contact in added)

    bulk_insert(Party, [slot.party for slot in new_slots])
    for slot in new_slots:
        slot.party._pending_contacts = slot.pending_contacts  # type: ignore[attr-defined]  # for party_audit
    # One subject key per party, created for the whole batch at once; the audit items seal with it.
    sealer = subjects.Sealer()
    audited = [slot.party for slot in new_slots]
    audited += [slot.party for slot, _contact in existing_contact_rows]
    audited += [candidate.party for _index, candidate in candidates]
    sealer.prime(audited)
    for party in audited:
        party._sealer = sealer  # type: ignore[attr-defined]  # for party_audit (loans_import_batch too)
    contacts = [contact for slot in new_slots for contact in slot.pending_contacts]
    contacts.extend(contact for _slot, contact in existing_contact_rows)
    for contact in contacts:
        contact.party_id = contact.party.pk
    if supersede_pks:
        for chunk in _chunks(sorted(supersede_pks)):
            PartyContact.objects.filter(pk__in=chunk, superseded_at__isnull=True).update(superseded_at=now)
    bulk_insert(PartyContact, contacts)
    for _index, candidate in candidates:
        candidate.party_id = candidate.party.pk
    bulk_insert(PartyMergeCandidate, [candidate for _index, candidate in candidates])
    for index, candidate in candidates:
        results[index].merge_candidate = candidate

    items: list[audit.AuditItem] = []
    for slot in new_slots if audit_created else ():
        items.append(
            audit.AuditItem(action="party.created", target=slot.party, stream=stream, changes=party_audit(slot.party))
        )
    for slot, contact in existing_contact_rows:
        items.append(
            audit.AuditItem(
                action="party.contact_added",
                target=slot.party,
                stream=stream,
                changes=_contact_audit(contact, sealer, slot.party),
            )
        )
    for _index, candidate in candidates:
        items.append(
            audit.AuditItem(
                action="party.merge_candidate_opened",
                target=candidate.party,
                stream=stream,
                changes={
                    "candidate": candidate.pk,
                    "incoming_name": sealer.seal(candidate.party, candidate.incoming_name),
                    "incoming_data": sealer.seal(
                        candidate.party, json.dumps(candidate.incoming_data, ensure_ascii=False, sort_keys=True)
                    ),
                },
            )
        )
    return results, items


def _load_current_contacts(slots: list[_Slot]) -> None:
    by_pk = {slot.party.pk: slot for slot in slots}
    for chunk in _chunks(sorted(by_pk)):
        current = PartyContact.objects.filter(party_id__in=chunk, superseded_at__isnull=True).only(
            "pk", "party_id", "kind", "address_kind", "address", "email", "phone_hmac", "phone_masked"
        )
        for contact in current:
            key = _contact_value_key(contact)
            by_pk[contact.party_id].current.setdefault((contact.kind, contact.address_kind), []).append(
                (key, contact.pk)
            )
    for slot in slots:
        slot.contacts_loaded = True


def _contact_value_key(contact: PartyContact) -> str:
    if contact.kind == PartyContact.Kind.PHONE:
        return (contact.phone.hmac if contact.phone is not None else None) or ""
    if contact.kind == PartyContact.Kind.EMAIL:
        return contact.email.casefold()
    return contact.address


def _add_contacts(
    slot: _Slot, contacts: list[PreparedContact], *, actor: User | None, now: Any, supersede_pks: set[int]
) -> list[PartyContact]:
    """Add the row's contacts that are new; each supersedes the current one of its kind and address kind.

    Contacts of the same kind within one row are all current (a second mobile is not a replacement).
    """
    added: list[PartyContact] = []
    touched: set[tuple[str, str]] = set()
    for prepared in contacts:
        key = (prepared.kind, prepared.address_kind)
        current = slot.current.get(key, [])
        if any(value == prepared.value_key for value, _ref in current):
            continue
        contact = prepared.build(party=slot.party, actor=actor, now=now)
        if key not in touched:
            for _value, ref in current:
                if isinstance(ref, PartyContact):
                    ref.superseded_at = now
                else:
                    supersede_pks.add(ref)
            current = []
            touched.add(key)
        current.append((prepared.value_key, contact))
        slot.current[key] = current
        slot.pending_contacts.append(contact)
        added.append(contact)
    return added


def _open_candidate_keys(creditor: Creditor, party_pks: list[int | None]) -> set[tuple[int, str]]:
    pks = sorted(pk for pk in party_pks if pk is not None)
    keys: set[tuple[int, str]] = set()
    for chunk in _chunks(pks):
        rows = PartyMergeCandidate.objects.filter(
            creditor=creditor, party_id__in=chunk, status=PartyMergeCandidate.Status.OPEN
        ).values_list("party_id", "incoming_name")
        keys.update((party_id, normalize_name(name)) for party_id, name in rows)
    return keys


def _merge_candidate(
    creditor: Creditor, slot: _Slot, prepared: PreparedParty, actor: User | None
) -> PartyMergeCandidate:
    id_field = Party._meta.get_field("id_number")
    data: dict[str, Any] = {"id_type": prepared.id_type, "kind": prepared.kind}
    if prepared.id_number:
        data["id_number"] = {
            "hmac": id_field.hmac_for_normalised(prepared.id_number),
            "masked": id_field.kind.mask(prepared.id_number),
        }
    if prepared.uscc:
        data["uscc"] = prepared.uscc
    phone_field = PartyContact._meta.get_field("phone")
    data["contacts"] = [
        {"kind": c.kind, "phone": {"hmac": c.value_key, "masked": phone_field.kind.mask(c.phone)}}
        if c.phone
        else {"kind": c.kind, "address_kind": c.address_kind, "address": c.address}
        if c.address
        else {"kind": c.kind, "email": audit.personal_value_from_plain(c.email)}
        for c in prepared.contacts
    ]
    return PartyMergeCandidate(
        creditor=creditor,
        party=slot.party,
        incoming_name=prepared.name,
        incoming_data=data,
        reason=PartyMergeCandidate.Reason.SAME_ID_DIFFERENT_NAME,
        created_by=acting_user(actor),
    )


def require_creditor_access(actor: User | None, creditor: Creditor) -> None:
    """System writes (``actor=None``) and superusers pass; a user must work for the creditor."""
    if actor is None or getattr(actor, "is_superuser", False):
        return
    if creditor.pk not in creditor_ids_for(actor):
        raise PermissionDeniedError(_("You do not work on this creditor's data."), code="creditor_scope")


@transaction.atomic
def parties_upsert_batch(
    *, actor: User | None, creditor: Creditor, rows: Sequence[PartyInput]
) -> list[PartyUpsertResult]:
    """Create or find many parties of ``creditor`` at once (see the module docstring for the rules).

    Returns one result per row, in order; a row with ``errors`` wrote nothing. Audit: one entry per
    party created, per contact added to an existing party and per merge review opened, on the
    creditor's stream.
    """
    require_creditor_access(actor, creditor)
    today = timezone.localdate()
    prepared: list[PreparedParty | None] = []
    errors: dict[int, str] = {}
    for index, row in enumerate(rows):
        try:
            prepared.append(prepare_party(row, today=today))
        except DomainError as exc:
            prepared.append(None)
            errors[index] = exc.message
    results, items = upsert_prepared(actor=actor, creditor=creditor, rows=prepared)
    for index, message in errors.items():
        results[index].errors.append(message)
    audit.record_many(actor=actor, items=items)
    return results


def party_create(*, actor: User | None, creditor: Creditor, row: PartyInput) -> PartyUpsertResult:
    """One party through the batch: raises ``DomainError`` for a bad row; the result says whether the
    party was created, found, or found with a merge review opened."""
    result = parties_upsert_batch(actor=actor, creditor=creditor, rows=[row])[0]
    if result.errors:
        raise DomainError(" ".join(result.errors), code="party_invalid")
    return result


# --- single-party edits ----------------------------------------------------------------------------

_SEALED_TEXT: Final = ("name", "legal_representative", "birth_date")
_SEALED_MASKS: Final = ("id_number", "document_number")


def _editable_snapshot(party: Party) -> dict[str, Any]:
    """The editable fields in clear, to find what changed (never recorded as such)."""
    return {
        "name": party.name,
        "kind": party.kind,
        "id_type": party.id_type,
        "id_valid": party.id_valid,
        "id_number": party.id_number.as_audit() if party.id_number is not None else None,
        "document_number": party.document_number.as_audit() if party.document_number is not None else None,
        "uscc": party.uscc,
        "legal_representative": party.legal_representative,
        "gender": party.gender,
        "birth_date": party.birth_date.isoformat() if party.birth_date else None,
    }


def _editable_audit(party: Party, snapshot: dict[str, Any], sealer: subjects.Sealer) -> dict[str, Any]:
    """The snapshot as the audit records it: personal text and masks sealed with the party's key."""
    data = dict(snapshot)
    for key in _SEALED_TEXT:
        data[key] = sealer.seal(party, snapshot[key])
    for key in _SEALED_MASKS:
        data[key] = _sealed_personal(sealer, party, snapshot[key])
    return data


_UPDATABLE: Final = ("name", "legal_representative", "gender", "birth_date", "id_type", "id_number")


def _lock_party(party: Party, version: int) -> Party:
    locked = Party.objects.select_for_update().get(pk=party.pk)
    if locked.version != version:
        raise StaleVersionError(
            _("Somebody else changed this party since you opened it. Reload and try again."), code="stale"
        )
    return locked


@transaction.atomic
def party_update(*, actor: User | None, party: Party, version: int, **changes: Any) -> Party:
    """Edit a party's name, legal representative, gender, birth date or ID (re-validated).

    A new valid ID already used by another party of the creditor is refused. Contacts are not edited
    here: ``party_contact_add`` adds a record instead.
    """
    unknown = sorted(set(changes) - set(_UPDATABLE))
    if unknown:
        raise DomainError(_("These party fields cannot be changed: %(fields)s.") % {"fields": ", ".join(unknown)})
    require_creditor_access(actor, party.creditor)
    locked = _lock_party(party, version)
    before = _editable_snapshot(locked)
    if "name" in changes:
        name = display_name(changes["name"] or "")
        if not name:
            raise DomainError(_("The party's name is empty."), code="name")
        if len(name) > NAME_MAX_LENGTH:
            raise DomainError(
                _("The party's name is longer than %(limit)d characters.") % {"limit": NAME_MAX_LENGTH}, code="name"
            )
        locked.name, locked.name_normalized = name, normalize_name(name)
    if "legal_representative" in changes:
        locked.legal_representative = display_name(changes["legal_representative"] or "")[:100]
    if "gender" in changes:
        if changes["gender"] not in ("", *Party.Gender.values):
            raise DomainError(_("Unknown gender: %(value)s.") % {"value": changes["gender"]}, code="gender")
        locked.gender = changes["gender"]
    if "birth_date" in changes:
        if changes["birth_date"] is not None and not isinstance(changes["birth_date"], date):
            raise DomainError(_("The date of birth is not a date."), code="birth_date")
        locked.birth_date = changes["birth_date"]
    if "id_number" in changes or "id_type" in changes:
        if "id_number" not in changes:
            raise DomainError(_("Enter the ID number together with its type."), code="id_number")
        row = PartyInput(
            name=locked.name,
            kind=locked.kind,
            id_type=changes.get("id_type") or "",
            id_number=changes["id_number"] or "",
        )
        identity = _prepare_identity(row, locked.kind, timezone.localdate())
        if identity["identity"]:
            clash = Party.objects.filter(creditor=locked.creditor, id_valid=True).exclude(pk=locked.pk)
            kind, key = identity["identity"]
            clash = clash.filter(id_number_hmac=key) if kind == "ric" else clash.filter(uscc=key)
            if clash.exists():
                raise DomainError(
                    _("Another party of this creditor already has this ID number; open a merge review instead."),
                    code="id_taken",
                )
        locked.id_type, locked.id_valid, locked.uscc = identity["id_type"], identity["id_valid"], identity["uscc"]
        locked.id_number = identity["id_number"] or None
        locked.document_number = identity["document_number"] or None
        if identity["birth_date"]:
            locked.birth_date, locked.gender = identity["birth_date"], identity["gender"]
    after = _editable_snapshot(locked)
    changed = [key for key in after if before[key] != after[key]]
    if not changed:
        return locked
    sealer = subjects.Sealer()
    old, new = _editable_audit(locked, before, sealer), _editable_audit(locked, after, sealer)
    diff = {key: {"old": old[key], "new": new[key]} for key in changed}
    locked.version += 1
    locked.save()
    audit.record(
        actor=actor,
        action="party.updated",
        target=locked,
        stream=audit.stream_key("creditor", locked.creditor_id),
        changes=diff,
    )
    return locked


@transaction.atomic
def party_contact_add(
    *,
    actor: User | None,
    party: Party,
    kind: str,
    value: str,
    address_kind: str = "",
    source: str = PartyContact.Source.MANUAL,
    valid_from: date | None = None,
) -> PartyContact:
    """Add a contact record; the current one of the same kind and address kind is superseded (kept)."""
    require_creditor_access(actor, party.creditor)
    prepared = prepare_contact(
        ContactInput(kind=kind, value=value, address_kind=address_kind, source=source, valid_from=valid_from),
        party_kind=party.kind,
    )
    Party.objects.select_for_update().filter(pk=party.pk).first()  # serialise edits of one party's contacts
    now = timezone.now()
    current = PartyContact.objects.filter(
        party=party, kind=prepared.kind, address_kind=prepared.address_kind, superseded_at__isnull=True
    )
    for existing in current:
        if _contact_value_key(existing) == prepared.value_key:
            raise DomainError(_("This contact is already the current one."), code="contact_unchanged")
    superseded = list(current.values_list("pk", flat=True))
    if superseded:
        PartyContact.objects.filter(pk__in=superseded).update(superseded_at=now)
    contact = prepared.build(party=party, actor=actor, now=now)
    contact.save(force_insert=True)
    audit.record(
        actor=actor,
        action="party.contact_added",
        target=party,
        stream=audit.stream_key("creditor", party.creditor_id),
        changes=_contact_audit(contact, subjects.Sealer(), party) | {"superseded": superseded},
    )
    return contact


@transaction.atomic
def party_merge_resolve(
    *,
    actor: User | None,
    candidate: PartyMergeCandidate,
    decision: str,
    adopt_name: bool = False,
    note: str = "",
) -> PartyMergeCandidate:
    """Close a merge review. ``merged``: the incoming row is this party (with ``adopt_name`` the party
    takes the incoming name, e.g. after a legal name change); ``rejected``: the incoming name was wrong.
    """
    if decision not in (PartyMergeCandidate.Status.MERGED, PartyMergeCandidate.Status.REJECTED):
        raise DomainError(_("Decide with 'merged' or 'rejected'."), code="decision")
    require_creditor_access(actor, candidate.creditor)
    locked = PartyMergeCandidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status != PartyMergeCandidate.Status.OPEN:
        raise DomainError(_("This merge review is already closed."), code="closed")
    if adopt_name and decision != PartyMergeCandidate.Status.MERGED:
        raise DomainError(_("Only a merge can adopt the incoming name."), code="decision")
    changes: dict[str, Any] = {"status": {"old": locked.status, "new": decision}}
    if adopt_name:
        party = Party.objects.select_for_update().get(pk=locked.party_id)
        sealer = subjects.Sealer()
        changes["name"] = {"old": sealer.seal(party, party.name), "new": sealer.seal(party, locked.incoming_name)}
        party.name, party.name_normalized = locked.incoming_name, normalize_name(locked.incoming_name)
        party.version += 1
        party.save(update_fields=["name", "name_normalized", "version", "updated_at"])
    locked.status = decision
    locked.resolved_by = acting_user(actor)
    locked.resolved_at = timezone.now()
    locked.resolution_note = (note or "")[:500]
    locked.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "updated_at"])
    audit.record(
        actor=actor,
        action="party.merge_resolved",
        target=locked,
        stream=audit.stream_key("creditor", locked.creditor_id),
        changes=changes,
    )
    return locked


# --- retention: anonymisation (issue 10) -------------------------------------------------------------


_ANONYMISED_FIELDS: Final = (
    "name",
    "id_number",
    "document_number",
    "uscc",
    "legal_representative",
    "gender",
    "birth_date",
    "contacts",
    "merge_reviews",
)


def anonymised_name(party_pk: int) -> str:
    """The placeholder an anonymised party keeps as its name, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Anonymised #%(id)s") % {"id": party_pk}


def _personal_field(model: type[models.Model], name: str) -> PersonalDataField:
    return cast(PersonalDataField, model._meta.get_field(name))


def _is_anonymised(party: Party) -> bool:
    return (
        party.name == anonymised_name(party.pk)
        and party.id_number is None
        and party.document_number is None
        and not party.uscc
        and not party.legal_representative
    )


@transaction.atomic
def parties_anonymise(*, actor: User | None, parties: Sequence[Party], reason: str) -> list[Party]:
    """Erase the personal data of ``parties`` for good (retention of archived cases, issue 10).

    The name becomes "Anonymised #<id>"; ID and document numbers (ciphertext, HMACs, mask), USCC,
    legal representative, gender and date of birth are cleared; every contact record of the party
    (current and superseded) loses its phone, address and e-mail; open or closed merge reviews lose
    the incoming name and data. Then the party's subject key is shredded, so the name, addresses and
    masks sealed in earlier audit entries can no longer be read — the entries and their hash chain are
    untouched. One "party.anonymised" audit entry per party, with no personal data. Parties already
    anonymised are skipped (idempotent). Which parties may be anonymised is the caller's decision
    (``loanlit.cases.services.retention``).
    """
    pks = sorted({party.pk for party in parties if party.pk is not None})
    phone = _personal_field(PartyContact, "phone")
    cleared_phone = {phone.column_names[key]: value for key, value in phone.column_values(None).items()}
    done: list[Party] = []
    items: list[audit.AuditItem] = []
    for chunk in _chunks(pks, subjects.CHUNK):
        rows = Party.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        todo = [row for row in rows if not _is_anonymised(row)]
        if not todo:
            continue
        for party in todo:
            party.name = anonymised_name(party.pk)
            party.name_normalized = normalize_name(party.name)
            party.id_type = Party.IdType.NONE
            party.id_number = None
            party.document_number = None
            party.id_valid = False
            party.uscc = ""
            party.legal_representative = ""
            party.gender = ""
            party.birth_date = None
            party.version += 1
        fields = ["name", "name_normalized", "id_type", "id_valid", "uscc", "legal_representative", "gender"]
        fields += ["birth_date", "version", "updated_at"]
        for name in ("id_number", "document_number"):
            fields += list(_personal_field(Party, name).column_names.values())
        now = timezone.now()
        for party in todo:
            party.updated_at = now
        Party.objects.bulk_update(todo, fields)
        todo_pks = [party.pk for party in todo]
        PartyContact.objects.filter(party_id__in=todo_pks).update(address="", email="", **cleared_phone)
        PartyMergeCandidate.objects.filter(party_id__in=todo_pks).update(incoming_name="", incoming_data={})
        subjects.shred_many(todo)
        for party in todo:
            items.append(
                audit.AuditItem(
                    action="party.anonymised",
                    target=party,
                    stream=audit.stream_key("creditor", party.creditor_id),
                    changes={"reason": reason, "cleared": list(_ANONYMISED_FIELDS), "subject_key": "shredded"},
                )
            )
        done.extend(todo)
    audit.record_many(actor=actor, items=items)
    return done
