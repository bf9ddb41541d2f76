"""Approval policies: which decisions need approval, from which amount, by which roles — and
``policy_for``, the policy that applies to a decision."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.accounts.models import Role
from loanlit.audit import services as audit
from loanlit.core import money as m
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError
from loanlit.core.models import Creditor
from loanlit.workflow.models.decisions import ApprovalPolicy, DecisionKind

MANAGE_CODE: Final = "workflow.manage_policies"
MAX_ROLES: Final = 5

ACTION_POLICY_CREATED: Final = "approval_policy.created"
ACTION_POLICY_UPDATED: Final = "approval_policy.updated"
ACTION_POLICY_DEACTIVATED: Final = "approval_policy.deactivated"

Mode = ApprovalPolicy.Mode

ZERO = Decimal("0.00")


# --- policies --------------------------------------------------------------------------------------------


def may_manage_policies(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.has_code(MANAGE_CODE)


def _require_manage(actor: Any) -> None:
    if not may_manage_policies(actor):
        raise PermissionDeniedError(_("You may not manage internal approval policies."), code="permission_denied")


def policy_for(*, kind: str, creditor: Any, amount: Decimal | None) -> ApprovalPolicy | None:
    """The policy that applies to ``kind`` for ``creditor`` and ``amount``, or None (no approval needed).

    The creditor's own active policies of the kind when it has any, else the global ones; among them the
    highest threshold the amount reaches (``min_amount`` ≤ amount).
    """
    value = ZERO if amount is None else m.to_money(amount)
    active = ApprovalPolicy.objects.filter(kind=kind, is_active=True)
    creditor_id = getattr(creditor, "pk", creditor)
    candidates = active.filter(creditor__isnull=True)
    if creditor_id is not None and active.filter(creditor_id=creditor_id).exists():
        candidates = active.filter(creditor_id=creditor_id)
    return candidates.filter(min_amount__lte=value).order_by("-min_amount", "-pk").first()


def _clean_roles(roles: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(str(code).strip() for code in roles if str(code).strip()))
    if not cleaned:
        raise DomainError(_("Choose at least one approver role."), code="no_roles")
    if len(cleaned) > MAX_ROLES:
        raise DomainError(_("Choose at most %(max)d approver roles.") % {"max": MAX_ROLES}, code="too_many_roles")
    known = set(Role.objects.filter(code__in=cleaned).values_list("code", flat=True))
    unknown = [code for code in cleaned if code not in known]
    if unknown:
        raise DomainError(_("Unknown role: %(role)s.") % {"role": ", ".join(unknown)}, code="unknown_role")
    return cleaned


def _clean_policy(*, kind: str, mode: str, min_amount: Any) -> Decimal:
    if kind not in DecisionKind.values:
        raise DomainError(_("Choose the decision."), code="invalid_kind")
    if mode not in Mode.values:
        raise DomainError(_("Choose how the approvers decide."), code="invalid_mode")
    try:
        value = m.to_money(min_amount)
    except m.MoneyError as exc:
        raise DomainError(str(exc.message), code="invalid_amount") from None
    if value < 0:
        raise DomainError(_("The amount cannot be negative."), code="invalid_amount")
    return value


def _policy_audit(policy: ApprovalPolicy) -> dict[str, Any]:
    return {
        "kind": policy.kind,
        "creditor": policy.creditor_id,
        "min_amount": f"{policy.min_amount:.2f}",
        "approver_roles": list(policy.approver_roles),
        "mode": policy.mode,
        "is_active": policy.is_active,
    }


def _require_version(policy: ApprovalPolicy, version: int) -> None:
    if policy.version != version:
        raise StaleVersionError(
            _("This policy was changed by someone else since you opened it. Reload and try again."),
            code="stale_version",
        )


@transaction.atomic
def approval_policy_create(
    *,
    actor: Any,
    kind: str,
    approver_roles: Sequence[str],
    min_amount: Decimal = ZERO,
    mode: str = Mode.SEQUENCE,
    creditor: Creditor | None = None,
) -> ApprovalPolicy:
    """A new active policy: ``kind`` from ``min_amount`` up (for ``creditor``, or every creditor)."""
    _require_manage(actor)
    value = _clean_policy(kind=kind, mode=mode, min_amount=min_amount)
    roles = _clean_roles(approver_roles)
    policy = ApprovalPolicy.objects.create(
        kind=kind, creditor=creditor, min_amount=value, approver_roles=roles, mode=mode, is_active=True
    )
    audit.record(actor=actor, action=ACTION_POLICY_CREATED, target=policy, changes=_policy_audit(policy))
    return policy


@transaction.atomic
def approval_policy_update(
    *,
    actor: Any,
    policy: ApprovalPolicy,
    version: int,
    approver_roles: Sequence[str],
    min_amount: Decimal,
    mode: str,
    creditor: Creditor | None = None,
    is_active: bool = True,
) -> ApprovalPolicy:
    """Change a policy (its kind stays). Pending requests keep the steps they were created with."""
    _require_manage(actor)
    policy = ApprovalPolicy.objects.select_for_update().get(pk=policy.pk)
    _require_version(policy, version)
    value = _clean_policy(kind=policy.kind, mode=mode, min_amount=min_amount)
    roles = _clean_roles(approver_roles)
    before = _policy_audit(policy)
    policy.min_amount, policy.approver_roles, policy.mode = value, roles, mode
    policy.creditor, policy.is_active = creditor, bool(is_active)
    after = _policy_audit(policy)
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    if not changes:
        return policy
    policy.version += 1
    policy.save()
    audit.record(actor=actor, action=ACTION_POLICY_UPDATED, target=policy, changes=changes)
    return policy


@transaction.atomic
def approval_policy_deactivate(*, actor: Any, policy: ApprovalPolicy, version: int) -> ApprovalPolicy:
    """Stop applying a policy (kept for the requests made under it). ``version`` is the one the manager saw:
    a policy changed since (StaleVersionError) is left as it is."""
    _require_manage(actor)
    policy = ApprovalPolicy.objects.select_for_update().get(pk=policy.pk)
    _require_version(policy, version)
    if not policy.is_active:
        return policy
    policy.is_active = False
    policy.version += 1
    policy.save(update_fields=["is_active", "version", "updated_at"])
    audit.record(actor=actor, action=ACTION_POLICY_DEACTIVATED, target=policy, changes={"is_active": [True, False]})
    return policy
