"""Tampered input on the workflow pages and definitions: a refusal (400, the form's error, the page's
message), never an HTTP 500, and nothing written.

Ids come as plain ASCII digits within the bigint range or not at all: ``"²"`` passes ``str.isdigit`` but
not ``int``; ``"٣"`` is read by ``int`` as 3; 25 nines overflow SQLite in a ``pk__in`` filter. A definition
is refused with a translated DomainError whatever its shape: too deep to parse, a list where a code goes,
a string where an object goes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loanlit.audit.models import AuditEntry
from loanlit.cases.models import CaseEvent
from loanlit.core.errors import DomainError
from loanlit.core.ids import parse_id, parse_ids
from loanlit.documents.tests.support import add_pdf
from loanlit.workflow import definitions
from loanlit.workflow.models import Task, WorkflowTemplate, WorkflowVersion
from loanlit.workflow.services import bulk
from loanlit.workflow.tests.test_tasks_support import NOW, build_task_world, make_task, task_state, written
from loanlit.workflow.tests.test_templates_support import (
    BASE_DEFINITION,
    definition,
    english,  # noqa: F401  (autouse)
    fresh,
    make_template,
    open_case,
    set_claim,
)

SUPERSCRIPT_TWO = "\u00b2"  # "²".isdigit() is True, int("²") fails
ARABIC_THREE = "\u0663"  # int("٣") == 3
TWENTY_FIVE_NINES = "9" * 25  # past 2**63-1: OverflowError on SQLite
BIGINT_MAX = 2**63 - 1


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _counts() -> tuple[int, ...]:
    return (
        AuditEntry.objects.count(),
        CaseEvent.objects.count(),
        Task.objects.count(),
        WorkflowTemplate.objects.count(),
        WorkflowVersion.objects.count(),
    )


# --- the id parser -------------------------------------------------------------------------------------------


def test_parse_id_accepts_only_ascii_digits_in_the_bigint_range():
    assert parse_id("42") == 42
    assert parse_id(str(BIGINT_MAX)) == BIGINT_MAX
    for raw in (
        SUPERSCRIPT_TWO,
        ARABIC_THREE,
        TWENTY_FIVE_NINES,
        str(BIGINT_MAX + 1),
        "0",
        "",
        " 4",
        "4 ",
        "+4",
        "-4",
        "4.0",
        "1e3",
        "\uff14",  # fullwidth 4
        None,
        4,
        ["4"],
    ):
        assert parse_id(raw) is None, raw
    assert parse_ids(["3", SUPERSCRIPT_TWO, "1", "3", TWENTY_FIVE_NINES, ARABIC_THREE, "2"]) == [3, 1, 2]


# --- reassigning tasks ---------------------------------------------------------------------------------------


@pytest.fixture
def tw(personas, time_machine):
    time_machine.move_to(NOW, tick=False)
    return build_task_world(personas)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tasks", "assignee", "message"),
    [
        ([SUPERSCRIPT_TWO], "colleague", "Tick the tasks to reassign."),
        ([TWENTY_FIVE_NINES], "colleague", "Tick the tasks to reassign."),
        ([ARABIC_THREE, str(BIGINT_MAX + 1)], "colleague", "Tick the tasks to reassign."),
        (["task"], SUPERSCRIPT_TWO, "Choose who gets the tasks."),
        (["task"], TWENTY_FIVE_NINES, "Choose who gets the tasks."),
        (["task"], ARABIC_THREE, "Choose who gets the tasks."),
    ],
)
def test_reassign_with_tampered_ids_is_refused_and_writes_nothing(tw, tasks, assignee, message):
    p = tw.p
    task = make_task(actor=p.legal_manager, case=tw.case, assignee=p.case_handler)
    before, state = written(), task_state(task)
    posted = {
        "task": [str(task.pk) if value == "task" else value for value in tasks],
        "assignee": str(p.legal_manager.pk) if assignee == "colleague" else assignee,
        "next": "/workflow/team/",
    }
    response = _client(p.legal_manager).post(reverse("workflow:tasks_reassign"), posted)
    assert response.status_code == 302 and response["Location"] == "/workflow/team/"
    assert _messages(response) == [message]
    assert written() == before
    assert task_state(task) == state


# --- the bulk page and services ------------------------------------------------------------------------------


@pytest.fixture
def ready(personas):
    make_template(personas, default=True)
    case = set_claim(open_case(personas, seq=1))
    add_pdf(case, personas.case_handler, title="Complaint", category="complaint")
    return fresh(case)


@pytest.mark.django_db
@pytest.mark.parametrize("confirm", ["", "yes"])
@pytest.mark.parametrize(
    "case_ids",
    [[SUPERSCRIPT_TWO], [TWENTY_FIVE_NINES], [ARABIC_THREE, str(BIGINT_MAX + 1), "0", "-1"]],
)
def test_bulk_page_with_tampered_case_ids_is_a_400_and_writes_nothing(personas, ready, case_ids, confirm):
    before, version = _counts(), ready.version
    posted = {"action": "stage", "to_stage": "filed", "case_ids": case_ids, "confirm": confirm}
    response = _client(personas.legal_manager).post(reverse("workflow:bulk_cases"), posted)
    assert response.status_code == 400
    assert "Choose at least one case." in response.content.decode()
    assert _counts() == before
    assert (fresh(ready).stage_id, fresh(ready).version) == ("pre_litigation", version)


@pytest.mark.django_db
def test_bulk_page_confirms_only_the_real_ids_among_tampered_ones(personas, ready):
    before = _counts()
    posted = {"action": "stage", "to_stage": "filed", "case_ids": [TWENTY_FIVE_NINES, str(ready.pk), SUPERSCRIPT_TWO]}
    response = _client(personas.legal_manager).post(reverse("workflow:bulk_cases"), posted)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="bulk-confirm"' in body
    assert response.context["ids"] == [ready.pk] and response.context["missing"] == 0
    assert _counts() == before


@pytest.mark.django_db
def test_bulk_service_reports_an_id_past_the_bigint_range_as_not_found(personas, ready):
    huge = int(TWENTY_FIVE_NINES)
    outcomes = bulk.cases_change_stage_batch(
        actor=personas.legal_manager,
        case_ids=[huge, ready.pk, SUPERSCRIPT_TWO, ARABIC_THREE, True, None, -5, str(ready.pk)],
        to_stage="filed",
    )
    assert [(o.case_id, o.status, o.message) for o in outcomes] == [
        (huge, "not_found", "Case not found."),
        (ready.pk, "moved", "Moved to “Filed”."),
    ]
    assert fresh(ready).stage_id == "filed"


@pytest.mark.django_db
@pytest.mark.parametrize("case_ids", [[SUPERSCRIPT_TWO], [ARABIC_THREE, "0", None, True]])
def test_bulk_service_without_a_real_id_is_refused_and_writes_nothing(personas, ready, case_ids):
    before = _counts()
    with pytest.raises(DomainError) as caught:
        bulk.cases_reassign_batch(actor=personas.legal_manager, case_ids=case_ids, handler=personas.legal_manager)
    assert (caught.value.code, caught.value.message) == ("no_cases", "Choose at least one case.")
    assert _counts() == before


@pytest.mark.django_db
def test_bulk_service_with_only_ids_past_the_range_reports_them_not_found(personas, ready):
    before = _counts()
    outcomes = bulk.cases_reassign_batch(
        actor=personas.legal_manager, case_ids=[TWENTY_FIVE_NINES], handler=personas.legal_manager
    )
    assert [(o.case_id, o.status) for o in outcomes] == [(int(TWENTY_FIVE_NINES), "not_found")]
    assert _counts() == before


# --- the template page ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("wanted", [SUPERSCRIPT_TWO, TWENTY_FIVE_NINES, ARABIC_THREE, "-1", "0", "1x"])
def test_template_detail_with_a_tampered_version_shows_the_current_one(personas, wanted):
    template = make_template(personas)
    before = _counts()
    response = _client(personas.legal_manager).get(
        reverse("workflow:template_detail", args=[template.pk]), {"v": wanted}
    )
    assert response.status_code == 200
    assert response.context["shown"] == template.current_version
    assert _counts() == before


# --- definitions ---------------------------------------------------------------------------------------------

DEEP = "[" * 50000 + "]" * 50000


@pytest.mark.django_db
def test_a_definition_too_deep_to_parse_is_a_form_error_on_create_and_publish(personas):
    template = make_template(personas)
    client = _client(personas.legal_manager)
    before = _counts()
    created = client.post(
        reverse("workflow:template_create"),
        {"code": "deep-flow", "name": "Deep", "case_type": "other", "definition": DEEP},
    )
    assert created.status_code == 400
    assert created.context["form"].errors["definition"] == ["The definition is not valid JSON."]
    published = client.post(
        reverse("workflow:version_publish", args=[template.pk]),
        {"version": template.version, "definition": DEEP, "note": ""},
    )
    assert published.status_code == 400
    assert published.context["form"].errors["definition"] == ["The definition is not valid JSON."]
    assert _counts() == before


@pytest.mark.parametrize(
    "text",
    [
        DEEP,
        "{" * 30000,
        '{"a":' * 20000 + "1" + "}" * 20000,
        json.dumps(definition(extra=json.loads("[" * 21 + "1" + "]" * 21))),
    ],
)
def test_parse_json_refuses_deep_nesting_as_invalid_json(text):
    with pytest.raises(DomainError) as caught:
        definitions.parse_json(text)
    assert caught.value.code == "definition_json"
    assert caught.value.params == {"errors": [caught.value.message]}
    assert caught.value.message.startswith("The definition is not valid JSON")


def test_bytes_that_are_not_utf8_are_invalid_json():
    with pytest.raises(DomainError) as caught:
        definitions.validate_definition(b'{"initial": "\xff"}', reference=REFERENCE)
    assert (caught.value.code, caught.value.message) == ("definition_json", "The definition is not valid JSON.")


REFERENCE = definitions.Reference(
    stages={"pre_litigation": "Pre-litigation", "filed": "Filed", "in_trial": "In trial", "closed": "Closed"},
    transitions=frozenset(tuple(pair) for pair in BASE_DEFINITION["transitions"]),
    roles=frozenset(["handler", "law_firm", "legal_manager"]),
    doc_templates=frozenset(),
    categories=frozenset(["complaint"]),
    priorities=frozenset(["low", "normal", "high", "urgent"]),
    deadline_kinds=frozenset(["appeal", "payment"]),
)
TASK_1 = "task 1 of stage “Filed”"


def _with_task(**task: Any) -> dict[str, Any]:
    data = definition()
    data["stages"][1]["on_enter"]["tasks"] = [{"key": "t", "title": "T", **task}]
    return data


def _errors(data: Any) -> list[str]:
    with pytest.raises(DomainError) as caught:
        definitions.validate_definition(data, reference=REFERENCE)
    assert caught.value.code in ("invalid_definition", "definition_json")
    return caught.value.params["errors"]


def test_the_reference_of_these_tests_accepts_the_base_definition():
    assert definitions.validate_definition(definition(), reference=REFERENCE)["initial"] == "pre_litigation"


@pytest.mark.parametrize(
    ("priority", "shown"),
    [(["a"], '["a"]'), ({}, "{}"), ({"a": [1, 2]}, '{"a": [1, 2]}'), (3, "3"), (None, "null"), ("", "")],
)
def test_a_priority_that_is_not_a_code_is_named(priority, shown):
    assert _errors(_with_task(priority=priority)) == [f"Unknown priority “{shown}” in {TASK_1}."]


@pytest.mark.parametrize(("kind", "shown"), [({"a": 1}, '{"a": 1}'), (["appeal"], '["appeal"]'), (7, "7")])
def test_a_deadline_kind_that_is_not_a_code_is_named(kind, shown):
    assert _errors(_with_task(due={"deadline_kind": kind})) == [f"Unknown deadline type “{shown}” in {TASK_1}."]


@pytest.mark.parametrize("basis", [["working"], {"working": 1}, 1])
def test_a_due_basis_that_is_not_a_word_is_refused(basis):
    assert _errors(_with_task(due={"days": 2, "basis": basis})) == [
        f"Count the due offset of {TASK_1} in calendar or working days."
    ]


def test_a_long_or_nested_value_is_shortened_in_the_message():
    errors = _errors(_with_task(priority=["x" * 200]))
    assert errors == [f'Unknown priority “["{"x" * 57}…” in {TASK_1}.']


def _stage(index: int, **changes: Any) -> dict[str, Any]:
    data = definition()
    data["stages"][index].update(changes)
    return data


MALFORMED: list[Any] = [
    None,
    [],
    "stages",
    3,
    [definition()],
    definition(stages={"code": "filed"}),
    definition(stages="filed"),
    definition(stages=[["filed"]]),
    definition(stages=["filed", "closed"]),
    definition(stages=[{"code": ["filed"]}]),
    definition(stages=[{"code": {"filed": 1}}]),
    definition(initial=["pre_litigation"]),
    definition(initial={"code": "pre_litigation"}),
    definition(transitions={"pre_litigation": "filed"}),
    definition(transitions="pre_litigation,filed"),
    definition(transitions=[["pre_litigation", "filed", "closed"]]),
    definition(transitions=[["pre_litigation", 1]]),
    definition(transitions=[[["pre_litigation"], ["filed"]]]),
    definition(transitions=[[{"a": 1}, None]]),
    definition(transitions=["pre_litigation"]),
    _stage(1, on_enter=["tasks"]),
    _stage(1, on_enter="tasks"),
    _stage(1, on_enter={"tasks": {"key": "t", "title": "T"}}),
    _stage(1, on_enter={"tasks": "pay"}),
    _stage(1, on_enter={"tasks": [["key", "t"]]}),
    _stage(1, on_enter={"documents": "letter"}),
    _stage(1, on_enter={"documents": [{"code": "letter"}]}),
    _stage(1, on_enter={1: []}),
    _stage(0, exit_requires="documents"),
    _stage(0, exit_requires=["documents"]),
    _stage(0, exit_requires={"documents": "complaint"}),
    _stage(0, exit_requires={"approved_documents": "complaint"}),
    _stage(0, exit_requires={"fields": "claim_total"}),
    _stage(0, exit_requires={"fields": [["claim_total"]]}),
    _stage(0, exit_requires={"fields": [{"claim_total": 1}]}),
    _with_task(checklist=[1, 2]),
    _with_task(checklist=[["a"]]),
    _with_task(checklist="Address"),
    _with_task(checklist={"a": "b"}),
    _with_task(key=["t"]),
    _with_task(key={"t": 1}),
    _with_task(title=["T"]),
    _with_task(role=["handler"]),
    _with_task(role={"handler": 1}),
    _with_task(description=["d"]),
    _with_task(due=["deadline_kind", "appeal"]),
    _with_task(due="3"),
    _with_task(due={"days": "3"}),
    _with_task(due={"days": [3]}),
    _with_task(due={"days": True}),
    _with_task(due={"days": 3.5}),
    _with_task(due={"deadline_kind": None}),
    _with_task(unexpected={"deep": [[[]]]}),
]


@pytest.mark.parametrize("data", MALFORMED, ids=range(len(MALFORMED)))
def test_every_malformed_shape_is_a_domain_error(data):
    assert _errors(data)
    assert _errors(json.dumps(data))  # the same through the editor's text


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a definition: each object entry and each list item, at every level."""
    found = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _replaced(path: tuple[Any, ...], junk: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE_DEFINITION)
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = copy.deepcopy(junk)
    return data


JUNK: list[Any] = [None, True, 0, -1, 1.5, "", "x", [], {}, ["a"], {"a": 1}, [[["deep"]]], {"a": {"b": [1]}}, [1, 2, 3]]
PATHS = _paths(BASE_DEFINITION)


def _checks_or_refuses(data: Any) -> None:
    try:
        checked = definitions.validate_definition(data, reference=REFERENCE)
    except DomainError as error:
        assert error.params["errors"] and all(isinstance(message, str) for message in error.params["errors"])
    else:
        assert definitions.validate_definition(checked, reference=REFERENCE) == checked


def test_wrong_types_at_every_level_are_a_domain_error_or_a_valid_definition():
    assert len(PATHS) > 40
    for path in PATHS:
        for junk in JUNK:
            _checks_or_refuses(_replaced(path, junk))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), junk=JSON_VALUES)
def test_any_json_value_anywhere_is_a_domain_error_or_a_valid_definition(path, junk):
    data = _replaced(path, junk)
    _checks_or_refuses(data)
    _checks_or_refuses(json.dumps(data))
