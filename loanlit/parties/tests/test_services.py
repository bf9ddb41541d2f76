from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.core import subjects
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.fields import pd_exact
from loanlit.parties import services
from loanlit.parties.models import Party, PartyContact, PartyMergeCandidate
from loanlit.parties.services import PartyInput
from loanlit.parties.tests.support import bad_check_ric, make_ric, make_uscc

pytestmark = pytest.mark.django_db


def upsert(personas, *rows, creditor=None, actor=None):
    return services.parties_upsert_batch(
        actor=actor or personas.case_handler, creditor=creditor or personas.creditor, rows=list(rows)
    )


def test_a_valid_resident_id_creates_a_person_with_identity_read_from_the_number(personas):
    [result] = upsert(personas, PartyInput(name="  张三 ", id_number=make_ric(1)))
    party = result.party
    assert result.created and result.ok and result.merge_candidate is None
    assert party.name == "张三"
    assert party.id_type == Party.IdType.RIC
    assert party.id_valid is True
    assert party.birth_date == dt.date(1990, 3, 7)
    assert party.gender == "male"  # 17th digit 1 is odd
    assert str(party.id_number) == "110105********0017"
    assert party.id_number.reveal() == make_ric(1)
    assert party.version == 1


def test_same_id_and_same_normalised_name_finds_the_same_party(personas):
    [first] = upsert(personas, PartyInput(name="张三", id_number=make_ric(1)))
    [again] = upsert(personas, PartyInput(name="张三\u3000", id_number=make_ric(1)))
    assert again.party.pk == first.party.pk
    assert again.created is False and again.merge_candidate is None
    assert Party.objects.count() == 1


@pytest.mark.smoke
def test_same_id_with_another_name_opens_a_merge_review_and_keeps_the_existing_name(personas):
    [first] = upsert(personas, PartyInput(name="张三", id_number=make_ric(1)))
    [second] = upsert(personas, PartyInput(name="张叁", id_number=make_ric(1), mobile="13800138000"))
    assert second.party.pk == first.party.pk
    assert second.created is False
    candidate = second.merge_candidate
    assert candidate is not None and candidate.pk is not None
    assert candidate.status == PartyMergeCandidate.Status.OPEN
    assert candidate.reason == PartyMergeCandidate.Reason.SAME_ID_DIFFERENT_NAME
    assert candidate.incoming_name == "张叁"
    assert Party.objects.count() == 1
    assert Party.objects.get().name == "张三"
    # Identity in doubt: the incoming mobile is not put on the existing party.
    assert not PartyContact.objects.exists()
    # No plaintext personal data in the review's data.
    text = str(candidate.incoming_data)
    assert make_ric(1) not in text and "13800138000" not in text
    assert candidate.incoming_data["id_number"]["masked"] == "110105********0017"


def test_importing_the_same_mismatch_twice_opens_one_review(personas):
    upsert(personas, PartyInput(name="张三", id_number=make_ric(1)))
    upsert(personas, PartyInput(name="张叁", id_number=make_ric(1)))
    [again] = upsert(personas, PartyInput(name="张叁", id_number=make_ric(1)))
    assert PartyMergeCandidate.objects.count() == 1
    assert again.merge_candidate is None
    assert again.warnings  # the caller still learns that the name differs


def test_parties_without_a_valid_id_are_new_every_time_and_never_merged(personas):
    results = upsert(
        personas,
        PartyInput(name="李四"),
        PartyInput(name="李四"),
        PartyInput(name="李四", id_number=bad_check_ric(2)),
        PartyInput(name="李四", id_number=bad_check_ric(2)),
        PartyInput(name="李四", id_type="passport", id_number="E12345678"),
        PartyInput(name="李四", id_type="passport", id_number="E12345678"),
    )
    assert [r.created for r in results] == [True] * 6
    assert len({r.party.pk for r in results}) == 6
    assert not PartyMergeCandidate.objects.exists()
    invalid = results[2].party
    assert invalid.id_valid is False and invalid.id_type == Party.IdType.RIC
    assert invalid.id_number.reveal() == bad_check_ric(2)
    assert results[2].warnings
    passport = results[4].party
    assert passport.id_type == Party.IdType.PASSPORT and passport.id_valid is False
    assert passport.document_number.reveal() == "E12345678"
    assert results[0].party.id_type == Party.IdType.NONE


def test_the_same_id_at_two_creditors_is_two_parties_and_neither_sees_the_other(personas):
    [a] = upsert(personas, PartyInput(name="王五", id_number=make_ric(3)))
    [b] = upsert(
        personas,
        PartyInput(name="王五", id_number=make_ric(3)),
        creditor=personas.other_creditor,
        actor=personas.outsider_creditor,
    )
    assert a.party.pk != b.party.pk
    assert b.created is True and b.merge_candidate is None
    assert b.party.creditor == personas.other_creditor
    assert Party.objects.filter(**pd_exact(Party, "id_number", make_ric(3))).count() == 2


def test_a_batch_dedupes_within_itself(personas):
    results = upsert(
        personas,
        PartyInput(name="赵六", id_number=make_ric(4), mobile="13800138000"),
        PartyInput(name="赵六", id_number=make_ric(4), mobile="13800138000"),
        PartyInput(name="赵陆", id_number=make_ric(4)),
    )
    assert results[0].created and not results[1].created and not results[2].created
    assert results[0].party is results[1].party is results[2].party
    assert results[2].merge_candidate is not None
    assert Party.objects.count() == 1
    assert PartyContact.objects.count() == 1


def test_companies_are_identified_by_a_valid_uscc(personas):
    [first] = upsert(personas, PartyInput(name="北京某某科技有限公司", kind="company", id_number=make_uscc(7)))
    [again] = upsert(personas, PartyInput(name="北京某某科技有限公司", kind="company", id_number=make_uscc(7)))
    assert first.party.uscc == make_uscc(7) and first.party.id_type == "uscc" and first.party.id_valid
    assert again.party.pk == first.party.pk and not again.created
    assert first.warnings == []


def test_name_normalisation_folds_full_width_ascii_and_whitespace(personas):
    [result] = upsert(personas, PartyInput(name="  ＡＢＣ\u3000 Trading  Co. ", kind="company"))
    assert result.party.name == "ABC Trading Co."
    assert result.party.name_normalized == "abc trading co."
    assert services.normalize_name("张　三") == "张 三"


def test_bad_rows_are_reported_and_write_nothing_while_good_rows_are_written(personas):
    results = upsert(
        personas,
        PartyInput(name=""),
        PartyInput(name="钱七", mobile="12345"),
        PartyInput(name="孙八", kind="alien"),
        PartyInput(name="周九", id_number=make_ric(9), mobile="13900139000"),
    )
    assert [r.ok for r in results] == [False, False, False, True]
    assert results[0].errors == ["The party's name is empty."]
    assert results[1].errors[0].startswith("Mobile number")
    assert "12345" not in results[1].errors[0]
    assert results[2].errors == ["Unknown party kind: alien."]
    assert list(Party.objects.values_list("name", flat=True)) == ["周九"]
    assert PartyContact.objects.count() == 1


def test_party_create_raises_a_translated_error_for_a_bad_mobile(personas):
    row = PartyInput(name="吴十", mobile="02012345678")
    with translation.override("en"), pytest.raises(DomainError) as caught:
        services.party_create(actor=personas.case_handler, creditor=personas.creditor, row=row)
    assert caught.value.message == (
        "Mobile number *******5678 is not valid: This is a landline number; enter it in the landline field"
    )
    with translation.override("zh-hans"), pytest.raises(DomainError) as caught:
        services.party_create(actor=personas.case_handler, creditor=personas.creditor, row=row)
    assert caught.value.message == "手机号码 *******5678 无效：这是固定电话号码，请填入固定电话栏"
    assert not Party.objects.exists()


def test_a_user_of_another_creditor_cannot_create_parties_for_it(personas):
    with pytest.raises(PermissionDeniedError):
        upsert(personas, PartyInput(name="郑一"), actor=personas.outsider_creditor)
    assert not Party.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="party.").exists()


def test_batch_audit_writes_one_entry_per_created_party_without_plaintext(personas):
    upsert(
        personas,
        PartyInput(name="冯二", id_number=make_ric(11), mobile="13700137000"),
        PartyInput(name="陈三", id_number=make_ric(12)),
    )
    entries = AuditEntry.objects.filter(action="party.created").order_by("seq")
    assert entries.count() == 2
    assert {e.stream for e in entries} == {f"creditor:{personas.creditor.pk}"}
    dumped = str([e.changes for e in AuditEntry.objects.all()])
    assert make_ric(11) not in dumped and make_ric(12) not in dumped and "13700137000" not in dumped
    assert "冯二" not in dumped and "137****7000" not in dumped  # names and masks are sealed (issue 10)
    first = entries[0].changes
    assert subjects.reveal(first["name"]) == "冯二"
    assert subjects.reveal(first["id_number"]["masked"]) == "110105********0111"[:6] + "********" + make_ric(11)[-4:]
    assert subjects.reveal(first["contacts"][0]["phone"]["masked"]) == "137****7000"


def test_adding_a_contact_supersedes_the_current_one_of_the_same_kind_and_keeps_it(personas):
    party = upsert(personas, PartyInput(name="褚四", id_number=make_ric(13), address="北京市朝阳区某路1号"))[0].party
    old = PartyContact.objects.get(party=party)
    assert old.address_kind == PartyContact.AddressKind.DOMICILE
    new = services.party_contact_add(
        actor=personas.case_handler, party=party, kind="address", value="北京市海淀区某路2号", address_kind="domicile"
    )
    services.party_contact_add(
        actor=personas.case_handler, party=party, kind="address", value="北京市西城区某路3号", address_kind="work"
    )
    old.refresh_from_db()
    assert old.address == "北京市朝阳区某路1号"  # never rewritten
    assert old.superseded_at is not None
    assert new.superseded_at is None
    current = PartyContact.objects.filter(party=party, superseded_at__isnull=True)
    assert sorted(current.values_list("address", flat=True)) == ["北京市海淀区某路2号", "北京市西城区某路3号"]
    assert PartyContact.objects.filter(party=party).count() == 3


def test_a_contact_equal_to_the_current_one_is_refused(personas):
    party = upsert(personas, PartyInput(name="卫五", mobile="13800138000"))[0].party
    with pytest.raises(DomainError):
        services.party_contact_add(actor=personas.case_handler, party=party, kind="phone", value="138-0013-8000")
    assert PartyContact.objects.filter(party=party).count() == 1


def test_an_invalid_mobile_contact_is_refused_with_nothing_written(personas):
    party = upsert(personas, PartyInput(name="蒋六", mobile="13800138000"))[0].party
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError):
        services.party_contact_add(actor=personas.case_handler, party=party, kind="phone", value="1380013")
    assert PartyContact.objects.filter(party=party).count() == 1
    assert PartyContact.objects.get(party=party).superseded_at is None
    assert AuditEntry.objects.count() == before


def test_reimporting_a_known_party_with_a_new_mobile_adds_a_record_and_supersedes_the_old(personas):
    upsert(personas, PartyInput(name="沈七", id_number=make_ric(14), mobile="13800138000"))
    upsert(personas, PartyInput(name="沈七", id_number=make_ric(14), mobile="13800138000"))
    assert PartyContact.objects.count() == 1  # same number: nothing new
    [changed] = upsert(personas, PartyInput(name="沈七", id_number=make_ric(14), mobile="13900139000"))
    phones = PartyContact.objects.filter(party=changed.party).order_by("pk")
    assert [str(p.phone) for p in phones] == ["138****8000", "139****9000"]
    assert phones[0].superseded_at is not None and phones[1].superseded_at is None
    assert AuditEntry.objects.filter(action="party.contact_added").count() == 1


def test_party_update_is_versioned_and_audited(personas):
    party = upsert(personas, PartyInput(name="韩八", id_number=make_ric(15)))[0].party
    updated = services.party_update(actor=personas.case_handler, party=party, version=1, name="韩捌")
    assert updated.version == 2 and updated.name == "韩捌"
    entry = AuditEntry.objects.get(action="party.updated")
    assert set(entry.changes) == {"name"}
    assert subjects.reveal(entry.changes["name"]["old"]) == "韩八"
    assert subjects.reveal(entry.changes["name"]["new"]) == "韩捌"
    assert (entry.target_type, entry.target_id, entry.target_repr) == ("parties.party", str(party.pk), f"#{party.pk}")
    with pytest.raises(StaleVersionError):
        services.party_update(actor=personas.case_handler, party=party, version=1, name="韩八")
    party.refresh_from_db()
    assert party.name == "韩捌"


def test_party_update_refuses_an_id_another_party_has(personas):
    upsert(personas, PartyInput(name="杨九", id_number=make_ric(16)))
    other = upsert(personas, PartyInput(name="朱十"))[0].party
    with pytest.raises(DomainError):
        services.party_update(actor=personas.case_handler, party=other, version=1, id_number=make_ric(16))
    other.refresh_from_db()
    assert other.id_number is None and other.version == 1


def test_merge_resolution_can_adopt_the_incoming_name(personas):
    upsert(personas, PartyInput(name="秦一", id_number=make_ric(17)))
    candidate = upsert(personas, PartyInput(name="秦壹", id_number=make_ric(17)))[0].merge_candidate
    resolved = services.party_merge_resolve(
        actor=personas.case_handler, candidate=candidate, decision="merged", adopt_name=True
    )
    assert resolved.status == "merged" and resolved.resolved_by == personas.case_handler
    party = Party.objects.get()
    assert party.name == "秦壹" and party.version == 2
    with pytest.raises(DomainError):
        services.party_merge_resolve(actor=personas.case_handler, candidate=candidate, decision="rejected")


def test_merge_rejection_keeps_the_party_unchanged(personas):
    upsert(personas, PartyInput(name="尤二", id_number=make_ric(18)))
    candidate = upsert(personas, PartyInput(name="尤贰", id_number=make_ric(18)))[0].merge_candidate
    services.party_merge_resolve(actor=personas.case_handler, candidate=candidate, decision="rejected")
    assert Party.objects.get().name == "尤二"
    assert PartyMergeCandidate.objects.get().status == "rejected"


def test_reimporting_known_parties_takes_a_bounded_number_of_queries(personas, django_assert_max_num_queries):
    rows = [PartyInput(name=f"P{i}", id_number=make_ric(100 + i), mobile=f"138{i:08d}") for i in range(60)]
    upsert(personas, *rows)
    changed = [PartyInput(name=f"P{i}", id_number=make_ric(100 + i), mobile=f"139{i:08d}") for i in range(60)]
    with django_assert_max_num_queries(20):
        results = upsert(personas, *changed)
    assert [r.created for r in results] == [False] * 60
    assert PartyContact.objects.filter(superseded_at__isnull=True).count() == 60
    assert PartyContact.objects.count() == 120
