"""Workflow templates (流程设置): the one home for templates, their versions and which version a case runs.

* ``workflow_template_create`` / ``workflow_version_publish`` — a version is validated
  (``definitions.validate_definition``), immutable once stored, and becomes the template's current one.
  Running cases keep the version they run until they are migrated.
* ``workflow_template_update`` — name, default flag (one default per creditor, or one global default), active.
* ``case_workflow_assign`` / ``cases_workflow_migrate`` — the case's version; refused when the case's
  stage is not in the version (the refusal names the stage). Case stream audit + timeline event.
* ``cases_workflow_assign_default`` — new cases get their creditor's default template (the creditor's own
  default first, else the global one); called by the ``created`` event listener in ``services.automation``.
* ``ensure_builtin_workflow_templates`` — the shipped templates (``workflow/data/*.json``), idempotent,
  after ``migrate``; not audited, like the reference data that migrations seed.

Template writes are audited on the global stream.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.models import Case, CaseEvent, CaseStage
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.models import Creditor
from loanlit.workflow import definitions
from loanlit.workflow.models import CaseWorkflow, WorkflowTemplate, WorkflowVersion

MANAGE: Final = "workflow.manage_templates"
DATA_DIR: Final = Path(__file__).resolve().parent.parent / "data"
NOTE_MAX: Final = 300
CODE_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
NAME_MAX: Final = 200
_UNSET: Any = object()
log = logging.getLogger(__name__)


def may_manage_templates(actor: Any) -> bool:
    return actor is None or bool(getattr(actor, "is_authenticated", False) and actor.has_code(MANAGE))


def require_manage(actor: Any) -> None:
    if not may_manage_templates(actor):
        raise PermissionDeniedError(_("You may not manage workflow templates."), code="permission_denied")


def _lock_template(template: WorkflowTemplate, *, expected_version: int | None = None) -> WorkflowTemplate:
    locked = WorkflowTemplate.objects.select_for_update().get(pk=template.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError(
            _("This template was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )
    return locked


def _clean_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise DomainError(_("Enter the template's name."), code="name_required")
    if len(name) > NAME_MAX:
        raise DomainError(_("A name has at most %(max)d characters.") % {"max": NAME_MAX}, code="name_too_long")
    return name


def _clean_note(note: str) -> str:
    note = " ".join(str(note).split())
    if len(note) > NOTE_MAX:
        raise DomainError(_("A change note has at most %(max)d characters.") % {"max": NOTE_MAX}, code="note_too_long")
    return note


def _add_version(*, actor: Any, template: WorkflowTemplate, definition: dict[str, Any], note: str) -> WorkflowVersion:
    last = template.versions.aggregate(last=Max("number"))["last"] or 0
    version = WorkflowVersion.objects.create(
        template=template,
        number=last + 1,
        definition=definition,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    template.current_version = version
    template.version += 1
    template.save(update_fields=["current_version", "version", "updated_at"])
    return version


def _clear_other_defaults(template: WorkflowTemplate) -> list[WorkflowTemplate]:
    """Drop the default flag of the other templates of the same creditor scope (one default each)."""
    same_scope = Q(creditor__isnull=True) if template.creditor_id is None else Q(creditor_id=template.creditor_id)
    others = list(
        WorkflowTemplate.objects.select_for_update().filter(same_scope, is_default=True).exclude(pk=template.pk)
    )
    for other in others:
        other.is_default = False
        other.version += 1
        other.save(update_fields=["is_default", "version", "updated_at"])
    return others


@transaction.atomic
def workflow_template_create(
    *,
    actor: Any,
    code: str,
    name: str,
    case_type: str,
    definition: Any,
    creditor: Creditor | None = None,
    is_default: bool = False,
    note: str = "",
) -> WorkflowTemplate:
    """A new template with its first version (validated); ``creditor=None`` offers it to every creditor."""
    require_manage(actor)
    code = str(code).strip()
    if not CODE_RE.match(code):
        raise DomainError(_("The code may use lower-case letters, digits, “-” and “_”."), code="invalid_code")
    if WorkflowTemplate.objects.filter(code=code).exists():
        raise DomainError(_("A template with the code “%(code)s” exists already.") % {"code": code}, code="duplicate")
    if case_type not in WorkflowTemplate.CaseType.values:
        raise DomainError(_("Choose the case type."), code="invalid_case_type")
    if creditor is not None and actor is not None and creditor.pk not in _creditor_ids(actor):
        raise PermissionDeniedError(_("You may not manage this creditor's templates."), code="permission_denied")
    checked = definitions.validate_definition(definition)
    template = WorkflowTemplate.objects.create(
        code=code, name=_clean_name(name), case_type=case_type, creditor=creditor, is_default=is_default
    )
    cleared = _clear_other_defaults(template) if is_default else []
    version = _add_version(actor=actor, template=template, definition=checked, note=_clean_note(note))
    items = [
        audit.AuditItem(
            action="workflow.template_created",
            target=template,
            changes={
                "code": code,
                "name": template.name,
                "case_type": case_type,
                "creditor": creditor.pk if creditor else None,
                "is_default": is_default,
                "version": version.number,
                "definition": checked,
            },
        ),
        *[
            audit.AuditItem(action="workflow.template_updated", target=other, changes={"is_default": [True, False]})
            for other in cleared
        ],
    ]
    audit.record_many(actor=actor, items=items)
    return template


def _creditor_ids(actor: Any) -> list[int]:
    from loanlit.accounts.selectors import creditor_ids_for

    return creditor_ids_for(actor)


@transaction.atomic
def workflow_version_publish(
    *, actor: Any, template: WorkflowTemplate, definition: Any, note: str = "", expected_version: int | None = None
) -> WorkflowVersion:
    """A new immutable version of ``template`` that becomes current; running cases keep theirs."""
    require_manage(actor)
    template = _lock_template(template, expected_version=expected_version)
    checked = definitions.validate_definition(definition)
    current = template.current_version
    if current is not None and current.definition == checked:
        raise DomainError(
            _("The definition is the same as the current version %(number)d: nothing to publish.")
            % {"number": current.number},
            code="unchanged",
        )
    version = _add_version(actor=actor, template=template, definition=checked, note=_clean_note(note))
    audit.record(
        actor=actor,
        action="workflow.version_published",
        target=template,
        changes={
            "version": version.number,
            "previous": current.number if current else None,
            "note": version.note,
            "definition": checked,
        },
    )
    return version


@transaction.atomic
def workflow_template_update(
    *,
    actor: Any,
    template: WorkflowTemplate,
    version: int,
    name: str = _UNSET,
    is_default: bool = _UNSET,
    is_active: bool = _UNSET,
) -> WorkflowTemplate:
    """Change the name, the default flag or whether the template is offered; only the arguments passed."""
    require_manage(actor)
    template = _lock_template(template, expected_version=version)
    wanted: dict[str, Any] = {}
    if name is not _UNSET:
        wanted["name"] = _clean_name(name)
    if is_active is not _UNSET:
        wanted["is_active"] = bool(is_active)
    if is_default is not _UNSET:
        wanted["is_default"] = bool(is_default)
    active = wanted.get("is_active", template.is_active)
    default = wanted.get("is_default", template.is_default)
    if default and not active:
        if "is_active" in wanted and "is_default" not in wanted:
            wanted["is_default"] = False  # a template that is no longer offered cannot stay the default
        else:
            raise DomainError(_("An inactive template cannot be the default."), code="inactive_default")
    if wanted.get("is_default") and template.current_version_id is None:
        raise DomainError(_("Publish a version before making the template the default."), code="no_version")
    changes = {}
    for field_name, value in wanted.items():
        before = getattr(template, field_name)
        if before != value:
            changes[field_name] = [before, value]
            setattr(template, field_name, value)
    if not changes:
        return template
    cleared = _clear_other_defaults(template) if changes.get("is_default", [None, False])[1] else []
    template.version += 1
    template.save(update_fields=[*changes, "version", "updated_at"])
    audit.record_many(
        actor=actor,
        items=[
            audit.AuditItem(action="workflow.template_updated", target=template, changes=changes),
            *[
                audit.AuditItem(action="workflow.template_updated", target=other, changes={"is_default": [True, False]})
                for other in cleared
            ],
        ],
    )
    return template


# --- the version a case runs --------------------------------------------------------------------------------


def _stage_label(code: str) -> str:
    stage = CaseStage.objects.filter(code=code).first()
    return stage.label if stage is not None else code


def stage_missing_message(case: Case, version: WorkflowVersion) -> str:
    return _("Case %(case)s is in stage “%(stage)s”, which version %(number)d of “%(template)s” does not have.") % {
        "case": case.internal_no,
        "stage": _stage_label(case.stage_id),
        "number": version.number,
        "template": version.template.name,
    }


def _record_assignment(
    *, actor: Any, case: Case, version: WorkflowVersion, previous: WorkflowVersion | None, kind: str
) -> None:
    from loanlit.cases.events import case_event_record

    case_event_record(
        actor=actor,
        case_id=case.pk,
        kind=kind,
        action="workflow.case_migrated" if kind == CaseEvent.Kind.WORKFLOW_MIGRATED else "workflow.case_assigned",
        target=version.template,
        params={
            "template": version.template.name,
            "version": version.number,
            "previous": previous.number if previous is not None else None,
        },
        changes={
            "template": version.template_id,
            "version": [previous.pk if previous else None, version.pk],
            "number": [previous.number if previous else None, version.number],
        },
    )


@transaction.atomic
def case_workflow_assign(*, actor: Any, case: Case, version: WorkflowVersion) -> CaseWorkflow:
    """Make ``case`` run ``version`` (a template chosen by hand); its current stage must be in the version."""
    require_manage(actor)
    access.require_edit(actor, case)
    from loanlit.cases.services._common import lock_case

    case = lock_case(case.pk)
    version = WorkflowVersion.objects.select_related("template").get(pk=version.pk)
    if not version.template.is_active:
        raise DomainError(_("This template is no longer offered."), code="template_inactive")
    if case.stage_id not in definitions.stage_codes(version.definition):
        raise DomainError(stage_missing_message(case, version), code="stage_not_in_version")
    current = CaseWorkflow.objects.select_for_update().filter(case=case).select_related("version").first()
    if current is not None and current.version_id == version.pk:
        return current
    previous = current.version if current is not None else None
    if current is None:
        current = CaseWorkflow.objects.create(case=case, version=version)
    else:
        current.version = version
        current.save(update_fields=["version", "updated_at"])
    _record_assignment(
        actor=actor, case=case, version=version, previous=previous, kind=CaseEvent.Kind.WORKFLOW_ASSIGNED
    )
    return current


@dataclass(frozen=True)
class MigrationOutcome:
    case_id: int
    internal_no: str
    status: str  # "migrated" | "assigned" | "unchanged" | "refused" | "not_found"
    message: str = ""


def cases_workflow_migrate(*, actor: Any, cases: Sequence[Case], to_version: WorkflowVersion) -> list[MigrationOutcome]:
    """Move running cases of the template to ``to_version``, each case in its own savepoint; a case that
    runs no template yet is assigned ``to_version``.

    A case on another template, or whose current stage the version lacks, is refused (the message says
    which stage); a case outside the actor's edit scope is reported as not found and never touched.
    """
    require_manage(actor)
    to_version = WorkflowVersion.objects.select_related("template").get(pk=to_version.pk)
    ids = list(dict.fromkeys(case.pk for case in cases))
    editable = set(
        (access.cases_editable_by(actor) if actor is not None else Case.objects.all())
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    outcomes = []
    for case_id in ids:
        if case_id not in editable:
            outcomes.append(MigrationOutcome(case_id, "", "not_found", _("Case not found.")))
            continue
        try:
            with transaction.atomic():
                outcomes.append(_migrate_one(actor=actor, case_id=case_id, to_version=to_version))
        except DomainError as error:
            number = Case.objects.filter(pk=case_id).values_list("internal_no", flat=True).first() or ""
            outcomes.append(MigrationOutcome(case_id, number, "refused", error.message))
    return outcomes


def _migrate_one(*, actor: Any, case_id: int, to_version: WorkflowVersion) -> MigrationOutcome:
    from loanlit.cases.services._common import lock_case

    case = lock_case(case_id)
    current = CaseWorkflow.objects.select_for_update().filter(case=case).select_related("version__template").first()
    if current is None:
        # A case opened before any default was set joins the template here.
        if case.stage_id not in definitions.stage_codes(to_version.definition):
            raise DomainError(stage_missing_message(case, to_version), code="stage_not_in_version")
        if not to_version.template.is_active:
            raise DomainError(_("This template is no longer offered."), code="template_inactive")
        CaseWorkflow.objects.create(case=case, version=to_version)
        _record_assignment(
            actor=actor, case=case, version=to_version, previous=None, kind=CaseEvent.Kind.WORKFLOW_ASSIGNED
        )
        return MigrationOutcome(
            case.pk, case.internal_no, "assigned", _("Now runs version %(new)d.") % {"new": to_version.number}
        )
    if current.version.template_id != to_version.template_id:
        raise DomainError(
            _("Case %(case)s does not run the template “%(template)s”.")
            % {"case": case.internal_no, "template": to_version.template.name},
            code="other_template",
        )
    if current.version_id == to_version.pk:
        return MigrationOutcome(case.pk, case.internal_no, "unchanged", _("Already on this version."))
    if case.stage_id not in definitions.stage_codes(to_version.definition):
        raise DomainError(stage_missing_message(case, to_version), code="stage_not_in_version")
    previous = current.version
    current.version = to_version
    current.save(update_fields=["version", "updated_at"])
    _record_assignment(
        actor=actor, case=case, version=to_version, previous=previous, kind=CaseEvent.Kind.WORKFLOW_MIGRATED
    )
    return MigrationOutcome(
        case.pk,
        case.internal_no,
        "migrated",
        _("From version %(old)d to version %(new)d.") % {"old": previous.number, "new": to_version.number},
    )


def default_versions(creditor_ids: Sequence[int]) -> dict[int | None, WorkflowVersion]:
    """The current version of the default template per creditor id (key None: the global default)."""
    rows = (
        WorkflowTemplate.objects.filter(is_default=True, is_active=True, current_version__isnull=False)
        .filter(Q(creditor__isnull=True) | Q(creditor_id__in=list(creditor_ids)))
        .select_related("current_version__template")
        .order_by("pk")
    )
    found: dict[int | None, WorkflowVersion] = {}
    for template in rows:
        found.setdefault(template.creditor_id, template.current_version)  # type: ignore[arg-type]
    return found


def cases_workflow_assign_default(*, actor: Any, cases: Sequence[Case]) -> list[CaseWorkflow]:
    """Give each new case its creditor's default template (the creditor's own, else the global default).

    Runs in the caller's transaction (the ``created`` event listener). A case whose stage the default
    version lacks, or that runs a workflow already, is left as it is.
    """
    if not cases:
        return []
    defaults = default_versions(sorted({case.creditor_id for case in cases}))
    if not defaults:
        return []
    taken = set(CaseWorkflow.objects.filter(case__in=[c.pk for c in cases]).values_list("case_id", flat=True))
    created: list[CaseWorkflow] = []
    for case in cases:
        version = defaults.get(case.creditor_id) or defaults.get(None)
        if version is None or case.pk in taken:
            continue
        if case.stage_id not in definitions.stage_codes(version.definition):
            continue
        created.append(CaseWorkflow(case=case, version=version))
    if not created:
        return []
    CaseWorkflow.objects.bulk_create(created)
    for item in created:
        _record_assignment(
            actor=actor, case=item.case, version=item.version, previous=None, kind=CaseEvent.Kind.WORKFLOW_ASSIGNED
        )
    return created


# --- built-in templates ------------------------------------------------------------------------------------


def builtin_files() -> list[dict[str, Any]]:
    rows = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(DATA_DIR.glob("*.json"))]
    return sorted(rows, key=lambda row: (row.get("order", 100), row["code"]))


@transaction.atomic
def ensure_builtin_workflow_templates() -> int:
    """Create the shipped templates, or publish a new version when a shipped definition changed
    (unless an administrator has published one since: theirs stays current). Returns versions added.

    Not audited (shipped with the code). Not made the default: which template new cases get is the
    bank's decision (the template page offers it; ``suggested_default`` marks the usual choice).
    """
    reference = definitions.load_reference()
    added = 0
    for row in builtin_files():
        try:
            checked = definitions.validate_definition(row["definition"], reference=reference)
        except DomainError as error:
            # e.g. a docgen template it names is not installed: ship nothing rather than break migrate.
            log.warning("Built-in workflow template %s not installed: %s", row["code"], error.message)
            continue
        template = WorkflowTemplate.objects.filter(code=row["code"]).select_related("current_version").first()
        if template is None:
            template = WorkflowTemplate.objects.create(
                code=row["code"], name=row["name"], case_type=row["case_type"], is_default=False
            )
            _add_version(actor=None, template=template, definition=checked, note="")
            added += 1
            continue
        current = template.current_version
        if current is None or (current.created_by_id is None and current.definition != checked):
            _add_version(actor=None, template=template, definition=checked, note="")
            added += 1
    return added


def suggested_default_codes() -> list[str]:
    return [row["code"] for row in builtin_files() if row.get("suggested_default")]
