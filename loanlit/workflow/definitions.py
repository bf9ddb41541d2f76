"""The definition of a workflow template version: checking it and reading it.

The shape is documented in ``loanlit.workflow.models.templates``. ``validate_definition`` refuses a
definition with a translated message per problem (all problems at once, in ``DomainError.params["errors"]``;
the message is the first ones joined) and returns the normalised definition that is stored: defaults filled
in, whitespace trimmed, so two equal definitions compare equal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loanlit.core.errors import DomainError

MAX_DUE_DAYS: Final = 365
MAX_STAGES: Final = 50
MAX_TASKS_PER_STAGE: Final = 30
MAX_CHECKLIST: Final = 30
CHECKLIST_ITEM_MAX: Final = 200
TITLE_MAX: Final = 200
DESCRIPTION_MAX: Final = 2000
KEY_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
BASIS_CALENDAR: Final = "calendar"
BASIS_WORKING: Final = "working"
SHOWN_ERRORS: Final = 5
# A definition nests six deep (definition → stages → stage → on_enter → tasks → task → due / checklist);
# anything much deeper is refused before it is looked at.
MAX_DEPTH: Final = 20
SHOWN_VALUE_MAX: Final = 60

# Template roles besides the account roles (accounts.Role codes): see workflow.services.tasks.assignee_for_role.
TEMPLATE_ROLES: Final = ("handler", "law_firm")

# Case fields a stage may require before it is left, with how "set" is judged (services.automation).
CASE_FIELDS: Final = {
    "claim_as_of": gettext_lazy("claim date"),
    "claim_principal": gettext_lazy("claimed principal"),
    "claim_total": gettext_lazy("claim total"),
    "claim_acceptance_fee": gettext_lazy("acceptance fee on the claim"),
    "handler": gettext_lazy("handler"),
    "law_firm": gettext_lazy("law firm"),
    "co_handlers": gettext_lazy("co-handlers"),
}

_STAGE_KEYS: Final = {"code", "on_enter", "exit_requires"}
_ON_ENTER_KEYS: Final = {"tasks", "documents"}
_EXIT_KEYS: Final = {"documents", "approved_documents", "fields"}
_TASK_KEYS: Final = {"key", "title", "role", "due", "priority", "checklist", "description"}
_TOP_KEYS: Final = {"initial", "stages", "transitions"}


@dataclass
class _Problems:
    errors: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        if message not in self.errors:
            self.errors.append(message)


@dataclass(frozen=True)
class Reference:
    """What the definition may name; loaded from the database once per validation (tests pass their own)."""

    stages: dict[str, str]
    transitions: frozenset[tuple[str, str]]
    roles: frozenset[str]
    doc_templates: frozenset[str]
    categories: frozenset[str]
    priorities: frozenset[str]
    deadline_kinds: frozenset[str]


def load_reference() -> Reference:
    from loanlit.accounts.models import Role
    from loanlit.cases.models import CaseStage, CaseStageTransition
    from loanlit.deadlines.models import Deadline
    from loanlit.docgen.models import DocTemplate
    from loanlit.documents.models import DocumentCategory
    from loanlit.workflow.models import Task

    return Reference(
        stages={stage.code: stage.label for stage in CaseStage.objects.all()},
        transitions=frozenset(CaseStageTransition.objects.values_list("from_stage_id", "to_stage_id")),
        roles=frozenset([*TEMPLATE_ROLES, *Role.objects.values_list("code", flat=True)]),
        doc_templates=frozenset(DocTemplate.objects.filter(is_active=True).values_list("code", flat=True)),
        categories=frozenset(DocumentCategory.objects.filter(is_active=True).values_list("code", flat=True)),
        priorities=frozenset(Task.Priority.values),
        deadline_kinds=frozenset(Deadline.Kind.values),
    )


def parse_json(text: str | bytes) -> Any:
    """The definition typed into the editor, or a DomainError saying where the JSON is broken.

    Nesting deeper than any definition needs (``[[[…]]]`` fifty thousand deep would exhaust the parser's
    recursion) and bytes that are not UTF-8 are "not valid JSON" too.
    """
    try:
        data = json.loads(text)
    except RecursionError:
        data = _TOO_DEEP
    except (TypeError, ValueError) as error:
        line = getattr(error, "lineno", None)
        column = getattr(error, "colno", None)
        if line is not None:
            message = _("The definition is not valid JSON (line %(line)d, column %(column)d).") % {
                "line": line,
                "column": column,
            }
        else:
            message = _("The definition is not valid JSON.")
        raise DomainError(message, code="definition_json", params={"errors": [message]}) from None
    if data is _TOO_DEEP or _depth_exceeds(data, MAX_DEPTH):
        raise _too_deep()
    return data


def _too_deep() -> DomainError:
    message = _("The definition is not valid JSON.")
    return DomainError(message, code="definition_json", params={"errors": [message]})


_TOO_DEEP: Final = object()


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether lists and objects nest more than ``limit`` deep (iteratively: no recursion to exhaust)."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list | tuple):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def validate_definition(data: Any, *, reference: Reference | None = None) -> dict[str, Any]:
    """The normalised definition, or a DomainError listing every problem found."""
    if isinstance(data, str | bytes):
        data = parse_json(data)
    elif _depth_exceeds(data, MAX_DEPTH):
        raise _too_deep()
    ref = reference or load_reference()
    problems = _Problems()
    result = _validate(data, ref, problems)
    if problems.errors:
        shown = problems.errors[:SHOWN_ERRORS]
        message = " ".join(shown)
        if len(problems.errors) > SHOWN_ERRORS:
            message += " " + _("(%(count)d more problems)") % {"count": len(problems.errors) - SHOWN_ERRORS}
        raise DomainError(message, code="invalid_definition", params={"errors": list(problems.errors)})
    return result


def _unknown_keys(data: dict[str, Any], allowed: Iterable[str], where: str, problems: _Problems) -> None:
    for key in sorted({str(key) for key in data} - set(allowed)):
        problems.add(_("Unknown entry “%(key)s” in %(where)s.") % {"key": _shown(key), "where": where})


def _shown(value: Any) -> str:
    """A value quoted in a message: text as typed (shortened), anything else as compact JSON (shortened)."""
    if not isinstance(value, str):
        try:
            value = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            value = type(value).__name__
    return value if len(value) <= SHOWN_VALUE_MAX else value[: SHOWN_VALUE_MAX - 1] + "…"


def _is_one_of(value: Any, allowed: Iterable[str]) -> bool:
    """Membership that never fails: only a text can be one of the codes (a list or object is unhashable)."""
    return isinstance(value, str) and value in allowed


def _codes(value: Any, where: str, problems: _Problems) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.add(_("%(where)s must be a list of codes.") % {"where": where})
        return []
    seen: list[str] = []
    for item in value:
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def _validate(data: Any, ref: Reference, problems: _Problems) -> dict[str, Any]:
    if not isinstance(data, dict):
        problems.add(_("The definition must be a JSON object with “initial”, “stages” and “transitions”."))
        return {}
    _unknown_keys(data, _TOP_KEYS, _("the definition"), problems)
    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        problems.add(_("The definition needs at least one stage."))
        raw_stages = []
    if len(raw_stages) > MAX_STAGES:
        problems.add(_("A template has at most %(max)d stages.") % {"max": MAX_STAGES})
        raw_stages = raw_stages[:MAX_STAGES]
    stages: list[dict[str, Any]] = []
    codes: list[str] = []
    for index, raw in enumerate(raw_stages, start=1):
        stage = _validate_stage(raw, index, ref, problems)
        if stage is None:
            continue
        if stage["code"] in codes:
            problems.add(_("Stage “%(stage)s” is listed twice.") % {"stage": ref.stages[stage["code"]]})
            continue
        codes.append(stage["code"])
        stages.append(stage)
    initial = data.get("initial")
    if not isinstance(initial, str) or not initial.strip():
        problems.add(_("Say which stage a new case starts in (“initial”)."))
        initial = ""
    else:
        initial = initial.strip()
        if initial not in ref.stages:
            problems.add(_("Unknown stage code “%(code)s” (initial stage).") % {"code": initial})
        elif initial not in codes:
            problems.add(
                _("The initial stage “%(stage)s” is not one of the template's stages.") % {"stage": ref.stages[initial]}
            )
    transitions = _validate_transitions(data.get("transitions"), codes, ref, problems)
    return {"initial": initial, "stages": stages, "transitions": transitions}


def _validate_transitions(raw: Any, codes: list[str], ref: Reference, problems: _Problems) -> list[list[str]]:
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problems.add(_("“transitions” must be a list of [from, to] pairs."))
        return []
    out: list[list[str]] = []
    for pair in raw:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(code, str) and code.strip() for code in pair)
        ):
            problems.add(_('Each transition is a pair of stage codes, like ["filed", "in_trial"].'))
            continue
        source, target = pair[0].strip(), pair[1].strip()
        unknown = [code for code in (source, target) if code not in ref.stages]
        if unknown:
            for code in unknown:
                problems.add(_("Unknown stage code “%(code)s” in the transitions.") % {"code": code})
            continue
        missing = [code for code in (source, target) if code not in codes]
        if missing:
            for code in missing:
                problems.add(
                    _("The transition %(from)s → %(to)s names “%(stage)s”, which is not one of the template's stages.")
                    % {"from": ref.stages[source], "to": ref.stages[target], "stage": ref.stages[code]}
                )
            continue
        if (source, target) not in ref.transitions:
            problems.add(
                _("The move %(from)s → %(to)s is not allowed by the case stage rules; a template can only use those.")
                % {"from": ref.stages[source], "to": ref.stages[target]}
            )
            continue
        if [source, target] not in out:
            out.append([source, target])
    return out


def _validate_stage(raw: Any, index: int, ref: Reference, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        problems.add(_("Stage %(n)d must be an object with a “code”.") % {"n": index})
        return None
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        problems.add(_("Stage %(n)d has no code.") % {"n": index})
        return None
    code = code.strip()
    if code not in ref.stages:
        problems.add(_("Unknown stage code “%(code)s” (stage %(n)d).") % {"code": code, "n": index})
        return None
    label = ref.stages[code]
    where = _("stage “%(stage)s”") % {"stage": label}
    _unknown_keys(raw, _STAGE_KEYS, where, problems)
    on_enter = raw.get("on_enter") or {}
    if not isinstance(on_enter, dict):
        problems.add(_("“on_enter” of %(where)s must be an object.") % {"where": where})
        on_enter = {}
    _unknown_keys(on_enter, _ON_ENTER_KEYS, _("what entering %(where)s does") % {"where": where}, problems)
    tasks = _validate_tasks(on_enter.get("tasks"), label, ref, problems)
    documents = _codes(on_enter.get("documents"), _("Documents to generate in %(where)s") % {"where": where}, problems)
    for template_code in documents:
        if template_code not in ref.doc_templates:
            problems.add(
                _("Unknown document template “%(code)s” (documents to generate in stage “%(stage)s”).")
                % {"code": template_code, "stage": label}
            )
    exit_requires = raw.get("exit_requires") or {}
    if not isinstance(exit_requires, dict):
        problems.add(_("“exit_requires” of %(where)s must be an object.") % {"where": where})
        exit_requires = {}
    _unknown_keys(exit_requires, _EXIT_KEYS, _("the requirements of %(where)s") % {"where": where}, problems)
    required_docs = _codes(
        exit_requires.get("documents"), _("Required documents of %(where)s") % {"where": where}, problems
    )
    approved_docs = _codes(
        exit_requires.get("approved_documents"),
        _("Required approved documents of %(where)s") % {"where": where},
        problems,
    )
    for category in [*required_docs, *approved_docs]:
        if category not in ref.categories:
            problems.add(
                _("Unknown document category “%(code)s” (requirements of stage “%(stage)s”).")
                % {"code": category, "stage": label}
            )
    fields = _codes(exit_requires.get("fields"), _("Required fields of %(where)s") % {"where": where}, problems)
    for name in fields:
        if name not in CASE_FIELDS:
            problems.add(
                _("Unknown case field “%(field)s” (requirements of stage “%(stage)s”); use one of: %(known)s.")
                % {"field": name, "stage": label, "known": ", ".join(CASE_FIELDS)}
            )
    return {
        "code": code,
        "on_enter": {"tasks": tasks, "documents": documents},
        "exit_requires": {"documents": required_docs, "approved_documents": approved_docs, "fields": fields},
    }


def _validate_tasks(raw: Any, stage: str, ref: Reference, problems: _Problems) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.add(_("The tasks of stage “%(stage)s” must be a list.") % {"stage": stage})
        return []
    if len(raw) > MAX_TASKS_PER_STAGE:
        problems.add(_("Stage “%(stage)s” has more than %(max)d tasks.") % {"stage": stage, "max": MAX_TASKS_PER_STAGE})
    out: list[dict[str, Any]] = []
    keys: set[str] = set()
    for index, task in enumerate(raw[:MAX_TASKS_PER_STAGE], start=1):
        where = _("task %(n)d of stage “%(stage)s”") % {"n": index, "stage": stage}
        if not isinstance(task, dict):
            problems.add(_("Task %(n)d of stage “%(stage)s” must be an object.") % {"n": index, "stage": stage})
            continue
        _unknown_keys(task, _TASK_KEYS, where, problems)
        key = task.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key.strip()):
            problems.add(
                _("Give %(where)s a key of lower-case letters, digits, “-” or “_” (at most 40).") % {"where": where}
            )
            key = ""
        key = key.strip()
        if key and key in keys:
            problems.add(_("The task key “%(key)s” is used twice in stage “%(stage)s”.") % {"key": key, "stage": stage})
        keys.add(key)
        title = task.get("title")
        title = " ".join(title.split()) if isinstance(title, str) else ""
        if not title:
            problems.add(_("Task %(n)d of stage “%(stage)s” has no title.") % {"n": index, "stage": stage})
        elif len(title) > TITLE_MAX:
            problems.add(
                _("The title of %(where)s is longer than %(max)d characters.") % {"where": where, "max": TITLE_MAX}
            )
        role = task.get("role", "handler")
        if not isinstance(role, str) or role.strip() not in ref.roles:
            problems.add(
                _("Unknown role “%(role)s” in %(where)s; use handler, law_firm or a role code.")
                % {"role": _shown(role), "where": where}
            )
            role = "handler"
        priority = task.get("priority", "normal")
        if not _is_one_of(priority, ref.priorities):
            problems.add(_("Unknown priority “%(value)s” in %(where)s.") % {"value": _shown(priority), "where": where})
            priority = "normal"
        description = task.get("description", "")
        if not isinstance(description, str) or len(description) > DESCRIPTION_MAX:
            problems.add(
                _("The description of %(where)s must be text of at most %(max)d characters.")
                % {
                    "where": where,
                    "max": DESCRIPTION_MAX,
                }
            )
            description = ""
        checklist = task.get("checklist", [])
        if not isinstance(checklist, list) or not all(isinstance(item, str) for item in checklist):
            problems.add(_("The checklist of %(where)s must be a list of texts.") % {"where": where})
            checklist = []
        checklist = [" ".join(item.split()) for item in checklist if item.strip()]
        if len(checklist) > MAX_CHECKLIST or any(len(item) > CHECKLIST_ITEM_MAX for item in checklist):
            problems.add(
                _("The checklist of %(where)s has at most %(max)d items of at most %(chars)d characters.")
                % {"where": where, "max": MAX_CHECKLIST, "chars": CHECKLIST_ITEM_MAX}
            )
        out.append(
            {
                "key": key,
                "title": title,
                "role": role.strip(),
                "due": _validate_due(task.get("due"), where, ref, problems),
                "priority": priority,
                "checklist": checklist,
                "description": description.strip(),
            }
        )
    return out


def _validate_due(raw: Any, where: str, ref: Reference, problems: _Problems) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add(_("The due date of %(where)s must be an object.") % {"where": where})
        return None
    if "deadline_kind" in raw:
        _unknown_keys(raw, {"deadline_kind"}, _("the due date of %(where)s") % {"where": where}, problems)
        kind = raw["deadline_kind"]
        if not _is_one_of(kind, ref.deadline_kinds):
            problems.add(_("Unknown deadline type “%(kind)s” in %(where)s.") % {"kind": _shown(kind), "where": where})
            return None
        return {"deadline_kind": kind}
    _unknown_keys(raw, {"days", "basis"}, _("the due date of %(where)s") % {"where": where}, problems)
    days = raw.get("days")
    if isinstance(days, bool) or not isinstance(days, int):
        problems.add(_("The due offset of %(where)s must be a whole number of days.") % {"where": where})
        return None
    if days < 0:
        problems.add(_("The due offset of %(where)s cannot be negative.") % {"where": where})
        return None
    if days > MAX_DUE_DAYS:
        problems.add(
            _("The due offset of %(where)s is more than %(max)d days.") % {"where": where, "max": MAX_DUE_DAYS}
        )
        return None
    basis = raw.get("basis", BASIS_CALENDAR)
    if not _is_one_of(basis, (BASIS_CALENDAR, BASIS_WORKING)):
        problems.add(_("Count the due offset of %(where)s in calendar or working days.") % {"where": where})
        return None
    return {"days": days, "basis": basis}


# --- reading a stored (already validated) definition ------------------------------------------------------


def stage_of(definition: dict[str, Any], code: str) -> dict[str, Any] | None:
    return next((stage for stage in definition.get("stages", []) if stage.get("code") == code), None)


def stage_codes(definition: dict[str, Any]) -> list[str]:
    return [stage["code"] for stage in definition.get("stages", [])]


def allows(definition: dict[str, Any], source: str, target: str) -> bool:
    return [source, target] in [list(pair) for pair in definition.get("transitions", [])]


def targets_from(definition: dict[str, Any], source: str) -> list[str]:
    return [pair[1] for pair in definition.get("transitions", []) if pair[0] == source]
