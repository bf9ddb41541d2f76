import pytest
from django.core.management import call_command

from loanlit.accounts.models import Role
from loanlit.cases.models import CaseStage, Court


@pytest.mark.django_db(transaction=True)
def test_flush_keeps_seeded_roles_courts_and_stages():
    before = (Role.objects.count(), CaseStage.objects.count(), Court.objects.count())
    call_command("flush", interactive=False, verbosity=0)
    assert (Role.objects.count(), CaseStage.objects.count(), Court.objects.count()) == before
    assert before[0] == 8 and before[1] == 9
