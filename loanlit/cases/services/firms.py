"""Panel law firms, their lawyers and placing cases with them (委托) or recalling them (撤案)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from loanlit.audit import services as audit
from loanlit.cases import access
from loanlit.cases.models import Case, CaseEvent, LawFirm, LawFirmMember, Placement
from loanlit.cases.services._common import Recorded, bump, lock_case, today
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.models import Creditor
from loanlit.law.identifiers import validate_uscc


@transaction.atomic
def law_firm_create(
    *, actor: Any, name: str, uscc: str = "", is_panel: bool = True, creditors: Sequence[Creditor] = ()
) -> LawFirm:
    access.require_manage_law_firms(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("Enter the firm's name."), code="name_required")
    uscc = uscc.strip().upper()
    if uscc and not validate_uscc(uscc).valid:
        raise DomainError(_("The unified social credit code is not valid."), code="invalid_uscc")
    firm = LawFirm.objects.create(name=name, uscc=uscc, is_panel=is_panel)
    firm.creditors.set(creditors)
    audit.record(
        actor=actor,
        action="law_firm.created",
        target=firm,
        changes={"name": name, "uscc": uscc, "is_panel": is_panel, "creditors": [c.pk for c in creditors]},
    )
    return firm


@transaction.atomic
def law_firm_member_add(*, actor: Any, law_firm: LawFirm, user: Any) -> LawFirmMember:
    """Attach an external lawyer's account to a firm; only the external-lawyer role may be a member."""
    access.require_manage_law_firms(actor)
    if not access.is_external_lawyer(user):
        raise DomainError(_("Only users with the external lawyer role can be members of a law firm."), code="role")
    if LawFirmMember.objects.filter(law_firm=law_firm, user=user).exists():
        raise DomainError(_("This user is already a member of the firm."), code="duplicate")
    member = LawFirmMember.objects.create(law_firm=law_firm, user=user, added_on=today())
    audit.record(actor=actor, action="law_firm.member_added", target=member, changes={"user": user.pk})
    return member


def _require_placer(actor: Any, case: Case) -> None:
    access.require_edit(actor, case)
    if actor is not None and access.is_external_lawyer(actor):
        raise PermissionDeniedError(_("Only the bank can place or recall a case."), code="permission_denied")


def _recall(rec: Recorded, case: Case, placement: Placement, on: date) -> None:
    placement.recalled_on = on
    placement.save(update_fields=["recalled_on"])
    rec.add(
        case_id=case.pk,
        kind=CaseEvent.Kind.RECALLED,
        action="case.recalled",
        target=placement,
        happened_on=on,
        params={"law_firm": placement.law_firm_id},
    )


@transaction.atomic
def case_place_with_firm(
    *, actor: Any, case: Case, law_firm: LawFirm, version: int, placed_on: date | None = None
) -> Placement:
    """Place the case with a firm; a case has one active placement, so placing again recalls the last one.

    ``version`` is the case's, checked under the case lock: a stale form raises StaleVersionError.
    """
    _require_placer(actor, case)
    case = lock_case(case.pk, expected_version=version)
    on = placed_on or today()
    if not law_firm.is_active:
        raise DomainError(_("This law firm is no longer active."), code="firm_inactive")
    panel = list(law_firm.creditors.values_list("pk", flat=True))
    if panel and case.creditor_id not in panel:
        raise DomainError(_("This law firm is not on the panel for the case's creditor."), code="firm_not_panel")
    current = Placement.objects.select_for_update().filter(case=case, recalled_on__isnull=True).first()
    if current is not None and current.law_firm_id == law_firm.pk:
        raise DomainError(_("The case is already placed with this firm."), code="already_placed")
    if current is not None and on < current.placed_on:
        raise DomainError(_("A new placement cannot precede the current one."), code="invalid_dates")
    rec = Recorded(actor)
    if current is not None:
        _recall(rec, case, current, on)
    placement = Placement.objects.create(case=case, law_firm=law_firm, placed_on=on, placed_by=actor)
    case.law_firm = law_firm
    bump(case, "law_firm")
    rec.add(
        case_id=case.pk,
        kind=CaseEvent.Kind.PLACED,
        action="case.placed",
        target=placement,
        happened_on=on,
        params={"law_firm": law_firm.pk},
    )
    rec.write()
    return placement


@transaction.atomic
def case_recall(*, actor: Any, case: Case, version: int, recalled_on: date | None = None) -> Placement:
    """End the active placement; ``version`` is the case's, checked under the case lock."""
    _require_placer(actor, case)
    case = lock_case(case.pk, expected_version=version)
    current = Placement.objects.select_for_update().filter(case=case, recalled_on__isnull=True).first()
    if current is None:
        raise DomainError(_("The case is not placed with a law firm."), code="not_placed")
    on = recalled_on or today()
    if on < current.placed_on:
        raise DomainError(_("A recall cannot precede the placement."), code="invalid_dates")
    rec = Recorded(actor)
    _recall(rec, case, current, on)
    case.law_firm = None
    bump(case, "law_firm")
    rec.write()
    return current
