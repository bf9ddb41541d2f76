"""PersonalDataField: encrypted at rest, searchable by HMAC, masked in lists, decrypted only on request."""

from __future__ import annotations

import base64
from unittest import mock

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import translation

from loanlit.core import crypto
from loanlit.core.fields import (
    PersonalDataError,
    PersonalDataField,
    PersonalDataFormField,
    PersonalValue,
    pd_columns,
    pd_exact,
    pd_tail,
    pd_values,
    reencrypt_personal_data,
    reveal,
)
from tests.testapp.models import ContactRecord, PersonRecord

ID_NUMBER = "110105199003078765"
ID_WITH_X = "11010519851122004X"
MOBILE = "13812345678"
ACCOUNT = "6222020200112233445"
KEY_1 = base64.b64encode(bytes(range(32))).decode()
KEY_2 = base64.b64encode(bytes(range(100, 132))).decode()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_person(**kwargs) -> PersonRecord:
    kwargs.setdefault("id_number", ID_NUMBER)
    return PersonRecord.objects.create(**kwargs)


def test_values_are_masked_on_load_and_revealed_only_on_request():
    make_person(name="Wang", mobile=MOBILE, bank_account=ACCOUNT, note="Flat 3, 12 Example Road")
    person = PersonRecord.objects.get()
    assert isinstance(person.id_number, PersonalValue)
    assert str(person.id_number) == "110105********8765"
    assert person.mobile.masked == "138****5678"
    assert str(person.bank_account) == "***************3445"
    assert str(person.note) == "F**********************"
    assert person.id_number.reveal() == ID_NUMBER
    assert reveal(person, "mobile") == MOBILE
    assert reveal(person, "bank_account") == ACCOUNT
    assert reveal(person, "note") == "Flat 3, 12 Example Road"


def test_listing_rows_never_decrypts():
    for index in range(3):
        make_person(id_number=f"11010519900307{index:03d}1", mobile=MOBILE)
    with mock.patch.object(crypto, "decrypt", side_effect=AssertionError("decrypted while listing")):
        shown = [(str(p.id_number), str(p.mobile), repr(p.id_number)) for p in PersonRecord.objects.all()]
        masked = list(PersonRecord.objects.values_list("id_number_masked", flat=True))
    assert shown[0] == ("110105********0001", "138****5678", "<PersonalValue ric 110105********0001>")
    assert masked == ["110105********0001", "110105********0011", "110105********0021"]


def test_a_list_of_masks_does_not_load_ciphertext(django_assert_num_queries):
    make_person(mobile=MOBILE)
    make_person(id_number=ID_WITH_X)
    with django_assert_num_queries(1):
        people = list(PersonRecord.objects.only("pk", "id_number_masked", "mobile_masked"))
        shown = [(str(p.id_number), str(p.mobile) if p.mobile else "") for p in people]
    assert shown == [("110105********8765", "138****5678"), ("110105********004X", "")]
    assert all("id_number_cipher" not in p.__dict__ for p in people)


def test_a_held_value_keeps_what_was_loaded_after_reassignment():
    person = make_person(mobile=MOBILE)
    before = person.mobile
    person.mobile = "13900001111"
    assert before.masked == "138****5678"
    assert before.reveal() == MOBILE
    assert person.mobile.masked == "139****1111"


def test_the_table_holds_no_plaintext():
    make_person(id_number=ID_NUMBER, mobile=MOBILE, bank_account=ACCOUNT, note="Zhang San lives at No. 8")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM testapp_personrecord")
        stored = " ".join(str(cell) for cell in cursor.fetchone())
    for secret in (ID_NUMBER, "19900307", MOBILE, "12345678", ACCOUNT, "0200112233", "Zhang San lives"):
        assert secret not in stored
    assert "110105********8765" in stored  # the mask is the one readable form


def test_exact_search_normalises_spaces_case_and_prefixes():
    wang = make_person(id_number=ID_WITH_X, mobile="+86 138-1234-5678")
    make_person(id_number=ID_NUMBER)
    assert list(PersonRecord.objects.filter(**pd_exact(PersonRecord, "id_number", "110105 19851122 004x"))) == [wang]
    assert list(PersonRecord.objects.filter(**pd_exact(PersonRecord, "mobile", MOBILE))) == [wang]
    assert not PersonRecord.objects.filter(**pd_exact(PersonRecord, "id_number", "110105198511220041")).exists()
    assert wang.mobile.reveal() == MOBILE  # stored normalised


def test_tail_search_finds_last_six_of_id_and_last_four_of_mobile():
    wang = make_person(id_number=ID_WITH_X, mobile=MOBILE, bank_account=ACCOUNT)
    li = make_person(id_number=ID_NUMBER, mobile="13900005678")
    assert list(PersonRecord.objects.filter(**pd_tail(PersonRecord, "id_number", "22004x"))) == [wang]
    assert list(PersonRecord.objects.filter(**pd_tail(PersonRecord, "mobile", "5678"))) == [wang, li]
    assert list(PersonRecord.objects.filter(**pd_tail(PersonRecord, "bank_account", "3445"))) == [wang]
    with pytest.raises(PersonalDataError) as excinfo:
        pd_tail(PersonRecord, "mobile", "45678")
    assert str(excinfo.value) == "Enter exactly the last 4 characters."
    with pytest.raises(TypeError):
        pd_tail(PersonRecord, "note", "abcd")


def test_equal_digits_in_different_kinds_give_unrelated_digests():
    person = make_person(mobile=MOBILE, bank_account=MOBILE)
    assert person.mobile_hmac != person.bank_account_hmac
    assert person.mobile_tail_hmac != person.bank_account_tail_hmac


def test_querying_the_virtual_name_explains_the_helpers():
    make_person()
    for query in (
        lambda: PersonRecord.objects.filter(id_number=ID_NUMBER),
        lambda: PersonRecord.objects.values("id_number"),
        lambda: PersonRecord.objects.order_by("id_number"),
    ):
        with pytest.raises(TypeError, match="pd_exact"):
            list(query())


def test_uniqueness_is_enforced_on_the_hmac():
    make_person(id_number=ID_WITH_X)
    duplicate = PersonRecord(id_number="11010519851122004x ")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "id_number_hmac" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert PersonRecord.objects.count() == 1


def test_a_malformed_value_is_refused_with_a_translated_message():
    with pytest.raises(PersonalDataError) as excinfo:
        PersonRecord(id_number="12345")
    assert str(excinfo.value) == (
        "Enter an ID number of 18 characters (digits, the last may be X) or an old 15-digit one."
    )
    person = PersonRecord(id_number=ID_NUMBER)
    with pytest.raises(PersonalDataError):
        person.mobile = "1381234567"
    with translation.override("zh-hans"):
        with pytest.raises(PersonalDataError) as zh:
            person.mobile = "abc"
        chinese = str(zh.value)
    assert any("\u4e00" <= char <= "\u9fff" for char in chinese)
    with pytest.raises(TypeError):
        person.mobile = 13812345678
    assert person.mobile is None
    assert PersonRecord.objects.count() == 0


def test_an_optional_validator_sees_the_normalised_value():
    seen: list[str] = []

    def no_test_ranges(value: str) -> None:
        seen.append(value)
        if value.startswith("999"):
            raise ValidationError("This ID number is reserved for tests.")

    field = PersonalDataField(kind="ric", validator=no_test_ranges)
    assert field.normalise("110105 19851122 004x") == ID_WITH_X
    with pytest.raises(PersonalDataError) as excinfo:
        field.normalise("999105198511220041")
    assert str(excinfo.value) == "This ID number is reserved for tests."
    assert seen == [ID_WITH_X, "999105198511220041"]


def test_required_and_blank_values():
    person = PersonRecord()
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    assert set(excinfo.value.message_dict) == {"id_number"}
    person.id_number = ID_NUMBER
    person.full_clean()
    person.save()
    person.mobile = MOBILE
    person.save()
    person.mobile = ""
    person.save()
    person.refresh_from_db()
    assert person.mobile is None
    assert (person.mobile_cipher, person.mobile_hmac, person.mobile_tail_hmac, person.mobile_masked) == (
        None,
        None,
        None,
        "",
    )
    assert str(person.id_number) == "110105********8765"


def test_a_ciphertext_copied_from_another_row_is_detected_on_reveal():
    wang = make_person(id_number=ID_WITH_X)
    li = make_person(id_number=ID_NUMBER)
    PersonRecord.objects.filter(pk=li.pk).update(id_number_cipher=wang.id_number_cipher)
    li.refresh_from_db()
    with pytest.raises(crypto.DecryptionError):
        li.id_number.reveal()


def test_personal_values_compare_by_digest_and_audit_without_plaintext():
    person = make_person(mobile=MOBILE)
    again = PersonRecord.objects.get(pk=person.pk)
    assert person.id_number == again.id_number
    assert person.id_number != again.mobile
    assert again.id_number.matches("110105 19900307 8765")
    assert not again.id_number.matches(ID_WITH_X)
    assert again.id_number.as_audit() == {"hmac": person.id_number_hmac, "masked": "110105********8765"}
    assert ID_NUMBER not in str(again.id_number.as_audit())


def test_a_value_can_be_copied_between_fields_of_the_same_kind_without_decrypting():
    person = make_person(mobile=MOBILE)
    contact = ContactRecord()
    with mock.patch.object(crypto, "decrypt", side_effect=AssertionError("decrypted to copy")):
        contact.mobile = person.mobile
    contact.save()
    assert ContactRecord.objects.get().mobile.reveal() == MOBILE
    with pytest.raises(TypeError):
        contact.mobile = person.id_number


def test_bulk_create_and_update_with_column_values():
    PersonRecord.objects.bulk_create(
        [PersonRecord(id_number=ID_NUMBER, mobile=MOBILE), PersonRecord(id_number=ID_WITH_X)]
    )
    assert PersonRecord.objects.filter(**pd_tail(PersonRecord, "mobile", "5678")).count() == 1
    PersonRecord.objects.filter(**pd_exact(PersonRecord, "id_number", ID_WITH_X)).update(
        **pd_values(PersonRecord, "mobile", "13900001111")
    )
    updated = PersonRecord.objects.get(**pd_exact(PersonRecord, "mobile", "13900001111"))
    assert updated.id_number.reveal() == ID_WITH_X
    assert updated.mobile.masked == "139****1111"
    assert pd_columns(PersonRecord, "mobile") == {
        "cipher": "mobile_cipher",
        "hmac": "mobile_hmac",
        "masked": "mobile_masked",
        "tail_hmac": "mobile_tail_hmac",
    }


def test_key_rotation_keeps_old_data_readable_and_reencrypts_it():
    with override_settings(ENCRYPTION_KEYS=f"k1:{KEY_1}"):
        old = make_person(id_number=ID_NUMBER, mobile=MOBILE)
        assert old.id_number.key_id == "k1"
    with override_settings(ENCRYPTION_KEYS=f"k2:{KEY_2},k1:{KEY_1}"):
        old = PersonRecord.objects.get(pk=old.pk)
        assert old.id_number.reveal() == ID_NUMBER
        new = make_person(id_number=ID_WITH_X)
        assert new.id_number.key_id == "k2"
        assert reencrypt_personal_data(PersonRecord) == 2  # old id_number and old mobile
        assert reencrypt_personal_data(PersonRecord) == 0
    with override_settings(ENCRYPTION_KEYS=f"k2:{KEY_2}"):
        old = PersonRecord.objects.get(pk=old.pk)
        assert (old.id_number.key_id, old.mobile.key_id) == ("k2", "k2")
        assert (old.id_number.reveal(), old.mobile.reveal()) == (ID_NUMBER, MOBILE)
        assert PersonRecord.objects.get(**pd_exact(PersonRecord, "id_number", ID_NUMBER)) == old


def test_a_removed_key_makes_reveal_fail_loudly():
    with override_settings(ENCRYPTION_KEYS=f"k1:{KEY_1}"):
        person = make_person()
    with override_settings(ENCRYPTION_KEYS=f"k2:{KEY_2}"), pytest.raises(crypto.UnknownKeyError):
        PersonRecord.objects.get(pk=person.pk).id_number.reveal()


def test_an_hmac_key_change_is_repaired_by_rewriting_all_rows():
    person = make_person(mobile=MOBILE)
    with override_settings(HMAC_KEY="a-new-hmac-key-for-personal-data-0123456789"):
        assert not PersonRecord.objects.filter(**pd_exact(PersonRecord, "mobile", MOBILE)).exists()
        assert reencrypt_personal_data(PersonRecord, field_names=["mobile"], all_rows=True) == 1
        assert PersonRecord.objects.get(**pd_exact(PersonRecord, "mobile", MOBILE)) == person
        assert PersonRecord.objects.get(**pd_tail(PersonRecord, "mobile", "5678")) == person


def test_an_abstract_parent_contributes_the_columns_once():
    names = [field.name for field in ContactRecord._meta.concrete_fields]
    assert names.count("mobile_hmac") == 1
    assert {"mobile_cipher", "mobile_hmac", "mobile_tail_hmac", "mobile_masked"} <= set(names)


def test_the_form_field_normalises_and_never_prefills():
    field = PersonalDataFormField(kind="mobile")
    assert field.clean(" +86 138 1234 5678 ") == MOBILE
    with pytest.raises(ValidationError) as excinfo:
        field.clean("12345")
    assert excinfo.value.messages == ["Enter an 11-digit mainland mobile number starting with 1."]
    assert PersonalDataFormField(kind="mobile", required=False).clean("") == ""

    class PersonForm(forms.Form):
        id_number = PersonRecord._meta.get_field("id_number").formfield()

    person = make_person()
    form = PersonForm(initial={"id_number": person.id_number})
    assert "8765" not in str(form["id_number"])
    assert PersonForm(data={"id_number": "110105 19851122 004x"}).is_valid()
    assert not PersonForm(data={"id_number": ""}).is_valid()


def test_model_forms_leave_personal_fields_to_explicit_form_fields():
    class PersonModelForm(forms.ModelForm):
        class Meta:
            model = PersonRecord
            fields = "__all__"  # noqa: DJ007 - proves personal fields stay out even then

    assert list(PersonModelForm().fields) == ["name"]
