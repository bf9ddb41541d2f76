"""deadlines_reassign: a hand-over of open deadlines — settled ones untouched, refusals write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import CaseEvent
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.deadlines import services
from loanlit.deadlines.models import Deadline

from .support import build_world, one, serve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def appeals(personas):
    """A case with three appeal deadlines of the case handler: one open, one done, one waived."""
    world = build_world(personas)
    for participant in (world.plaintiff, world.defendant, world.guarantor_defendant):
        serve(participant, "judgment", dt.date(2025, 9, 25))
    open_, done, waived = (
        one(world.case, Deadline.Kind.APPEAL, p) for p in (world.plaintiff, world.defendant, world.guarantor_defendant)
    )
    handler = personas.case_handler
    services.deadline_mark_done(actor=handler, deadline=done, version=done.version)
    services.deadline_waive(actor=handler, deadline=waived, reason="no appeal wanted", version=waived.version)
    rows = [Deadline.objects.get(pk=row.pk) for row in (open_, done, waived)]
    assert [row.responsible_id for row in rows] == [handler.pk] * 3
    assert [row.status for row in rows] == ["open", "done", "waived"]
    return world, rows


def _state():
    return sorted(Deadline.objects.values_list("pk", "responsible_id", "status", "version"))


def _written():
    return (AuditEntry.objects.count(), CaseEvent.objects.count())


def test_open_deadlines_move_settled_ones_stay_and_the_count_is_returned(personas, appeals):
    world, (open_, done, waived) = appeals
    handler, manager = personas.case_handler, personas.legal_manager
    others = list(Deadline.objects.filter(case=world.case, status="open").exclude(pk=open_.pk))
    events = CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.DEADLINE_CHANGED).count()
    rows = [open_, done, waived, *others]
    moved = services.deadlines_reassign(actor=handler, deadlines=rows, responsible=manager)
    assert moved == 1 + len(others)
    fresh = Deadline.objects.get(pk=open_.pk)
    assert (fresh.responsible_id, fresh.status, fresh.version) == (manager.pk, "open", open_.version + 1)
    for row in others:
        assert Deadline.objects.get(pk=row.pk).responsible_id == manager.pk
    for row in (done, waived):
        fresh = Deadline.objects.get(pk=row.pk)
        assert (fresh.responsible_id, fresh.status, fresh.version) == (handler.pk, row.status, row.version)
    changed = CaseEvent.objects.filter(case=world.case, kind=CaseEvent.Kind.DEADLINE_CHANGED)
    assert changed.count() == events + moved
    reassigned = changed.filter(params__change="reassigned")
    assert sorted(event.params["deadline"] for event in reassigned) == sorted([open_.pk, *(r.pk for r in others)])
    entry = AuditEntry.objects.get(action="deadline.reassigned", target_id=str(open_.pk))
    assert (entry.stream, entry.changes["responsible"]) == (f"case:{world.case.pk}", [handler.pk, manager.pk])


def test_a_deadline_already_with_the_new_person_is_not_counted(personas, appeals):
    _world, (open_, _done, _waived) = appeals
    manager = personas.legal_manager
    assert services.deadlines_reassign(actor=None, deadlines=[open_], responsible=manager) == 1
    before, written = _state(), _written()
    assert services.deadlines_reassign(actor=None, deadlines=[open_], responsible=manager) == 0
    assert (_state(), _written()) == (before, written)
    assert Deadline.objects.get(pk=open_.pk).version == open_.version + 1


def test_an_actor_who_may_not_change_a_deadline_writes_nothing(personas, appeals):
    _world, (open_, done, waived) = appeals
    before, written = _state(), _written()
    for actor in (personas.read_only, personas.outsider_branch, personas.external_lawyer):
        with pytest.raises(PermissionDeniedError):
            services.deadlines_reassign(
                actor=actor, deadlines=[open_, done, waived], responsible=personas.legal_manager
            )
    assert (_state(), _written()) == (before, written)


def test_a_new_person_who_cannot_see_one_deadline_is_refused_for_all(personas, appeals):
    world, (open_, _done, _waived) = appeals
    rows = list(Deadline.objects.filter(case=world.case, status="open"))
    assert len(rows) > 1
    before, written = _state(), _written()
    with pytest.raises(DomainError) as error:
        services.deadlines_reassign(actor=personas.case_handler, deadlines=rows, responsible=personas.outsider_branch)
    assert error.value.code == "invalid_responsible"
    assert str(personas.outsider_branch) in error.value.message
    assert (_state(), _written()) == (before, written)
    assert Deadline.objects.get(pk=open_.pk).responsible_id == personas.case_handler.pk


def test_nothing_to_move_returns_zero(personas):
    assert services.deadlines_reassign(actor=None, deadlines=[], responsible=personas.legal_manager) == 0
