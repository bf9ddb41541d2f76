"""Anonymisation of parties by crypto-shredding (issue 10): fields overwritten, sealed audit values unreadable,
the audit hash chain intact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from loanlit import audit
from loanlit.audit.models import AuditEntry
from loanlit.core import subjects
from loanlit.core.models import SubjectKey
from loanlit.parties import selectors, services
from loanlit.parties.models import Party, PartyContact, PartyMergeCandidate
from loanlit.parties.services import PartyInput
from loanlit.parties.tests.support import make_ric

pytestmark = pytest.mark.django_db


def _party(personas, name="张三", seq=1, **extra):
    row = PartyInput(name=name, id_number=make_ric(seq), mobile="13800138000", address="北京市朝阳区某路1号", **extra)
    return services.party_create(actor=personas.case_handler, creditor=personas.creditor, row=row).party


def test_party_audit_entries_hold_the_name_address_and_masks_only_sealed(personas):
    party = _party(personas)
    services.party_contact_add(actor=personas.case_handler, party=party, kind="email", value="zhang@example.com")
    dumped = str(list(AuditEntry.objects.values_list("changes", "target_repr")))
    for plain in ("张三", "北京市朝阳区某路1号", "138****8000", make_ric(1), make_ric(1)[-4:], "zhang@example.com"):
        assert plain not in dumped
    created = AuditEntry.objects.get(action="party.created")
    assert created.target_repr == f"#{party.pk}"
    assert created.changes["id_number"]["hmac"] == party.id_number.hmac  # the keyed HMAC stays in clear
    address = next(c for c in created.changes["contacts"] if c["kind"] == "address")
    assert subjects.reveal(address["address"]) == "北京市朝阳区某路1号"
    assert SubjectKey.objects.filter(subject_type="parties.party", subject_id=str(party.pk)).count() == 1


def test_one_subject_key_per_party_for_a_whole_batch(personas):
    rows = [PartyInput(name=f"批量{i}", id_number=make_ric(100 + i), mobile=f"1390013{i:04d}") for i in range(5)]
    results = services.parties_upsert_batch(actor=None, creditor=personas.creditor, rows=rows)
    assert SubjectKey.objects.count() == 5
    entry = AuditEntry.objects.get(action="party.created", target_id=str(results[3].party.pk))
    assert subjects.reveal(entry.changes["name"]) == "批量3"


def test_anonymising_overwrites_every_personal_field_and_shreds_the_key(personas):
    party = _party(personas, legal_representative="")
    services.party_update(
        actor=personas.case_handler, party=party, version=party.version, birth_date=dt.date(1990, 3, 7)
    )
    PartyMergeCandidate.objects.create(
        creditor=personas.creditor,
        party=party,
        incoming_name="张叁",
        incoming_data={"id_number": {"masked": "110105********1234"}},
        reason=PartyMergeCandidate.Reason.SAME_ID_DIFFERENT_NAME,
    )
    done = services.parties_anonymise(actor=None, parties=[party], reason="test")
    assert [p.pk for p in done] == [party.pk]
    party.refresh_from_db()
    assert party.name == f"已匿名化 #{party.pk}"  # in the site's language (LANGUAGE_CODE)
    assert party.name == services.anonymised_name(party.pk)
    assert party.name_normalized == services.normalize_name(party.name)
    assert (party.id_number, party.document_number, party.id_valid, party.id_type) == (None, None, False, "none")
    assert (party.id_number_cipher, party.id_number_hmac, party.id_number_tail_hmac) == (None, None, None)
    assert (party.uscc, party.legal_representative, party.gender, party.birth_date) == ("", "", "", None)
    for contact in PartyContact.objects.filter(party=party):
        assert (contact.address, contact.email, contact.phone, contact.phone_hmac, contact.phone_cipher) == (
            "",
            "",
            None,
            None,
            None,
        )
    candidate = PartyMergeCandidate.objects.get(party=party)
    assert (candidate.incoming_name, candidate.incoming_data) == ("", {})
    assert not SubjectKey.objects.filter(subject_type="parties.party", subject_id=str(party.pk)).exists()
    entry = AuditEntry.objects.get(action="party.anonymised")
    assert entry.target_repr == f"#{party.pk}"
    assert entry.changes["subject_key"] == "shredded"


def test_after_shredding_old_audit_entries_no_longer_reveal_and_the_chain_still_verifies(personas):
    party = _party(personas)
    services.party_update(actor=personas.case_handler, party=party, version=party.version, name="张叁")
    entries = [
        AuditEntry.objects.get(action="party.created", target_id=str(party.pk)),
        AuditEntry.objects.get(action="party.updated", target_id=str(party.pk)),
    ]
    sealed = [entries[0].changes["name"], entries[1].changes["name"]["old"], entries[1].changes["name"]["new"]]
    assert [subjects.reveal(value) for value in sealed] == ["张三", "张三", "张叁"]
    hashes = [e.hash for e in entries]

    services.parties_anonymise(actor=None, parties=[party], reason="test")

    assert [subjects.reveal(value) for value in sealed] == [None, None, None]
    again = list(AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("seq"))
    assert [e.hash for e in again] == hashes and [e.changes for e in again] == [e.changes for e in entries]
    result = audit.verify()
    assert result.ok, result.breaks


def test_search_by_the_old_id_number_mobile_or_name_no_longer_finds_the_party(personas):
    party = _party(personas)
    user = personas.case_handler
    assert [p.pk for p in selectors.party_search_for_user(user=user, q=make_ric(1))] == [party.pk]
    services.parties_anonymise(actor=None, parties=[party], reason="test")
    for q in (make_ric(1), make_ric(1)[-6:], "13800138000", "8000", "张三"):
        assert selectors.party_search_for_user(user=user, q=q) == []


def test_anonymising_twice_writes_nothing_the_second_time(personas):
    party = _party(personas)
    services.parties_anonymise(actor=None, parties=[party], reason="test")
    before = AuditEntry.objects.count()
    assert services.parties_anonymise(actor=None, parties=[party], reason="test") == []
    assert AuditEntry.objects.count() == before
    assert Party.objects.get(pk=party.pk).version == party.version + 1


def test_audit_trail_shows_sealed_values_by_permission_and_anonymised_once_shredded(personas):
    party = _party(personas)
    changes = AuditEntry.objects.get(action="party.created").changes
    template = Template("{% load subjects %}{% unseal changes as shown %}{{ shown.name }}|{{ shown.id_number.masked }}")

    def render(user):
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"changes": changes, "request": request}))

    masked = "110105********" + make_ric(1)[-4:]
    assert render(personas.legal_manager) == f"张三|{masked}"  # personal_data.unmask
    assert render(personas.auditor) == f"张*|{masked}"
    services.parties_anonymise(actor=None, parties=[party], reason="test")
    assert render(personas.legal_manager) == "[anonymised]|[anonymised]"


def test_a_sealed_value_cannot_be_moved_to_another_subject(personas):
    first, second = _party(personas), _party(personas, name="李四", seq=2)
    sealed = subjects.seal(first, "秘密")
    other = subjects.seal(second, "x")
    moved = {"subject": other["subject"], "ct": sealed["ct"]}
    assert subjects.reveal(sealed) == "秘密"
    assert subjects.reveal(moved) is None


def test_the_audit_trail_page_shows_anonymised_instead_of_the_sealed_name(client, personas):
    party = _party(personas, name="王小明")
    client.force_login(personas.auditor)
    url = reverse("audit:entry_list") + f"?stream=creditor:{personas.creditor.pk}"
    page = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "王**" in page and "王小明" not in page and '"ct"' not in page
    services.parties_anonymise(actor=None, parties=[party], reason="test")
    page = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "[anonymised]" in page and "王**" not in page
