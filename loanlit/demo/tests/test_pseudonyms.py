from datetime import date

from loanlit.demo.portfolio.pseudonyms import PseudonymBook, resident_id
from loanlit.law.identifiers import validate_mobile, validate_resident_id


def test_the_same_row_always_gets_the_same_person():
    first = PseudonymBook().person(("uci", "61"), region="110105", sex="female", age=28, age_on=date(2005, 9, 30))
    again = PseudonymBook().person(("uci", "61"), region="110105", sex="female", age=28, age_on=date(2005, 9, 30))
    assert first == again


def test_pseudonymous_ids_are_valid_and_follow_region_age_and_sex():
    person = PseudonymBook().person(("uci", "1"), region="440106", sex="male", age=24, age_on=date(2005, 9, 30))
    checked = validate_resident_id(person.id_number)
    assert checked.valid
    assert person.id_number.startswith("440106")
    assert checked.sex == "male"
    assert checked.birth_date == person.birth_date
    assert person.birth_date.year in (1980, 1981)
    assert validate_mobile(person.mobile).valid


def test_a_book_never_hands_out_the_same_id_or_mobile_twice():
    book = PseudonymBook()
    people = [book.person(("row", n), region="110101") for n in range(2000)]
    assert len({p.id_number for p in people}) == 2000
    assert len({p.mobile for p in people}) == 2000
    assert all(validate_resident_id(p.id_number).valid for p in people)


def test_resident_id_check_character_comes_from_law():
    number = resident_id("110105", date(1990, 1, 2), 7, "female")
    assert number[:17] == "11010519900102016"
    assert validate_resident_id(number).valid
