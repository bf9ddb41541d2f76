"""Two writers at once (PostgreSQL stage): internal numbers stay unique and gap-free."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from loanlit.cases import services
from loanlit.cases.models import Case, CaseCounter

CAUSE = "金融借款合同纠纷"


@pytest.mark.postgres_only
def test_concurrent_opens_get_distinct_sequential_numbers(personas, transactional_db):
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(3):
                services.case_open(
                    actor=personas.case_handler,
                    creditor=personas.creditor,
                    handling_unit=personas.beijing_chaoyang,
                    cause_of_action=CAUSE,
                    opened_on=dt.date(2024, 6, 1),
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Case.objects.values_list("internal_no", flat=True))
    assert numbers == [f"BJ-CY-2024-{n:06d}" for n in range(1, 13)]
    assert CaseCounter.objects.get(unit=personas.beijing_chaoyang, year=2024).last_seq == 12
