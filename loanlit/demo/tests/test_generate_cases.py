from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from loanlit.cases.models import Case, Proceeding
from loanlit.law.caseno import parse_case_number
from loanlit.law.identifiers import validate_resident_id
from loanlit.loans.models import LoanContract
from loanlit.parties.models import Party, PartyMergeCandidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_org(settings):
    settings.ADMIN_PASSWORD = "a-Long-admin-passw0rd"
    call_command("bootstrap", "--no-portfolio", stdout=StringIO())


def _generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_cases", *args, stdout=out)
    return out.getvalue()


def test_generate_cases_creates_exactly_n_cases_through_the_services(demo_org):
    output = _generate("--count", "40", "--seed", "3", "--chunk", "15", "--proceedings", "0.5")
    assert "Created 40 cases" in output
    assert "40/40 cases" in output  # progress per chunk
    assert Case.objects.count() == 40
    assert LoanContract.objects.filter(contract_no__startswith="GEN3-").count() == 40
    assert Counter(Case.objects.values_list("handling_unit__code", flat=True)) == {
        "BJ": 10,
        "BJ-CY": 10,
        "GD": 10,
        "GD-TH": 10,
    }
    with_proceeding = Case.objects.filter(stage_id="filed").count()
    assert with_proceeding == Proceeding.objects.filter(kind="first_instance").count()
    assert 0 < with_proceeding < 40
    for proceeding in Proceeding.objects.exclude(court_case_number="").select_related("court"):
        assert parse_case_number(proceeding.court_case_number).court == proceeding.court.caseno_code
    assert all(validate_resident_id(p.id_number.reveal()).valid for p in Party.objects.all())
    assert Case.objects.filter(handler__isnull=True).count() == 0


def test_a_second_run_continues_numbers_without_merging_anyone(demo_org):
    _generate("--count", "12", "--proceedings", "0")
    _generate("--count", "12", "--proceedings", "0")
    assert Case.objects.count() == 24
    assert Party.objects.count() == 24
    assert PartyMergeCandidate.objects.count() == 0
    assert len(set(LoanContract.objects.values_list("contract_no", flat=True))) == 24


def test_generate_cases_refuses_an_unknown_creditor_and_writes_nothing(demo_org):
    with pytest.raises(CommandError, match="No creditor with code 'NOPE'"):
        _generate("--count", "5", "--creditor", "NOPE")
    assert Case.objects.count() == 0


def test_generated_resident_ids_never_repeat_and_are_valid():
    from datetime import timedelta

    from loanlit.cases.management.commands import generate_cases as gen

    numbers = [
        gen.resident_id(
            "110101",
            gen.BIRTH_START + timedelta(days=n // gen.ORDERS),
            n % gen.ORDERS // 2,
            "male" if n % 2 else "female",
        )
        for n in range(5000)
    ]
    assert len(set(numbers)) == 5000
    assert all(validate_resident_id(number).valid for number in numbers[::97])
