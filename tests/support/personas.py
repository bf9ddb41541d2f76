"""Personas for every built-in role plus two outsiders (DESIGN §5).

Inside: every role at 北京分行 (Beijing branch) of creditor A, except the administrator and legal manager
at head office. Outsiders: a case handler at 广东分行 (Guangdong branch, same creditor) and a case handler
serving creditor B only.
"""

from __future__ import annotations

from dataclasses import dataclass

from loanlit.accounts import services
from loanlit.accounts.models import User
from loanlit.core.models import Creditor, OrgUnit


@dataclass
class Personas:
    creditor: Creditor
    other_creditor: Creditor
    head_office: OrgUnit
    beijing: OrgUnit
    beijing_chaoyang: OrgUnit
    guangdong: OrgUnit
    other_head_office: OrgUnit
    administrator: User
    legal_manager: User
    case_handler: User
    external_lawyer: User
    branch_manager: User
    auditor: User
    security_admin: User
    read_only: User
    outsider_branch: User
    outsider_creditor: User

    def all_users(self) -> dict[str, User]:
        return {
            name: getattr(self, name)
            for name in (
                "administrator",
                "legal_manager",
                "case_handler",
                "external_lawyer",
                "branch_manager",
                "auditor",
                "security_admin",
                "read_only",
                "outsider_branch",
                "outsider_creditor",
            )
        }


def build_personas() -> Personas:
    creditor = services.creditor_create(
        actor=None, code="BANK-A", name="Demo Bank", kind="bank", legal_name="Demo Bank Co., Ltd."
    )
    other = services.creditor_create(
        actor=None, code="BANK-B", name="Other Bank", kind="bank", legal_name="Other Bank Co., Ltd."
    )
    head = services.org_unit_create(actor=None, code="HO", name="Head office", kind="head_office")
    beijing = services.org_unit_create(
        actor=None, code="BJ", name="Beijing branch", kind="branch", parent=head, region_code="110000"
    )
    chaoyang = services.org_unit_create(
        actor=None, code="BJ-CY", name="Chaoyang sub-branch", kind="sub_branch", parent=beijing, region_code="110105"
    )
    guangdong = services.org_unit_create(
        actor=None, code="GD", name="Guangdong branch", kind="branch", parent=head, region_code="440000"
    )
    other_head = services.org_unit_create(actor=None, code="OB-HO", name="Other head office", kind="head_office")

    def make(username: str, role: str, unit: OrgUnit, creditors: list[Creditor]) -> User:
        return services.user_create(
            actor=None, username=username, password=None, role_code=role, unit=unit, creditors=creditors
        )

    return Personas(
        creditor=creditor,
        other_creditor=other,
        head_office=head,
        beijing=beijing,
        beijing_chaoyang=chaoyang,
        guangdong=guangdong,
        other_head_office=other_head,
        administrator=make("administrator", "administrator", head, [creditor]),
        legal_manager=make("legal_manager", "legal_manager", head, [creditor]),
        case_handler=make("case_handler", "case_handler", beijing, [creditor]),
        external_lawyer=make("external_lawyer", "external_lawyer", beijing, [creditor]),
        branch_manager=make("branch_manager", "branch_manager", beijing, [creditor]),
        auditor=make("auditor", "auditor", head, [creditor]),
        security_admin=make("security_admin", "security_admin", head, [creditor]),
        read_only=make("read_only", "read_only", beijing, [creditor]),
        outsider_branch=make("outsider_branch", "case_handler", guangdong, [creditor]),
        outsider_creditor=make("outsider_creditor", "case_handler", other_head, [other]),
    )
