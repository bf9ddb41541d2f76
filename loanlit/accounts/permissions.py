"""Permission codes and the built-in roles (roles are data: the database holds them, this is the seed).

Each later issue adds its codes here, so one list says what a role may do.
"""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy as _

PERMISSIONS: Final = {
    "admin.manage_users": _("Manage user accounts"),
    "admin.manage_roles": _("Manage roles and their permissions"),
    "admin.manage_units": _("Manage organisation units and creditors"),
    "admin.manage_reference_data": _("Manage reference data (holidays, rates, templates)"),
    "audit.view": _("View the audit trail and access log"),
    "jobs.view_all": _("View every background job"),
    "jobs.cancel_all": _("Cancel anyone's background job"),
    "cases.view": _("View cases in scope"),
    "cases.edit": _("Edit cases in scope"),
    "personal_data.unmask": _("See unmasked personal data"),
    "reports.view": _("View statistics and reports"),
    "reports.manage": _("Share saved reports with roles and schedule report e-mails"),
    "imports.run": _("Import loans, parties and balances"),
    "imports.progress": _("Import case progress for cases in scope"),
    "cases.export": _("Export case lists in scope"),
    "enforcement.write_off": _("Record write-offs and debt transfers"),
    "documents.purge": _("Delete documents in the recycle bin for good"),
    "documents.manage": _("Manage document categories and check stored files"),
    "documents.approve": _("Approve documents"),
    "workflow.manage_templates": _("Manage workflow templates"),
    "workflow.manage_policies": _("Manage internal approval policies"),
    "workflow.bulk": _("Change the stage, handler or law firm of many cases at once"),
    "workflow.handover": _("Hand over a user's cases, tasks and deadlines"),
    "tasks.view_team": _("See the open work of everyone in scope"),
    "cases.share": _("Share cases in scope with a user or group"),
    "backup.run": _("Back up and restore"),
    "retention.manage": _("Place legal holds and anonymise archived cases"),
    "api.manage": _("Manage API keys, webhooks and drop folders for other systems"),
    "system.status": _("See the system status page"),
}

ALL = tuple(PERMISSIONS)

# Separation of duties (MLPS 2.0 / 等保 2.0 level 3, "三员分立"): system administration, security
# administration (accounts, roles, permissions) and audit are held by different accounts. A role may
# hold codes of at most one of these duties while settings.SEPARATION_OF_DUTIES is on (the default).
SECURITY_ADMIN_CODES: Final = ("admin.manage_users", "admin.manage_roles")
AUDIT_CODES: Final = ("audit.view",)
SYSTEM_ADMIN_CODES: Final = (
    "admin.manage_units",
    "jobs.cancel_all",
    "documents.manage",
    "documents.purge",
    "backup.run",
    "retention.manage",
    "api.manage",
    "system.status",
)
DUTIES: Final = {
    "system": SYSTEM_ADMIN_CODES,
    "security": SECURITY_ADMIN_CODES,
    "audit": AUDIT_CODES,
}
# The system administrator's built-in role: everything except the security administrator's and auditor's codes.
SYSTEM_ADMIN_ALL: Final = tuple(c for c in ALL if c not in SECURITY_ADMIN_CODES and c not in AUDIT_CODES)

WORKFLOW_CODES: Final = (
    "workflow.manage_templates",
    "workflow.manage_policies",
    "workflow.bulk",
    "workflow.handover",
    "tasks.view_team",
)

# Codes added after the first release, by role: a data migration grants them to built-in roles already
# in the database (``builtin_roles_ensure`` never edits existing roles). New databases get them from
# BUILTIN_ROLES.
GRANTS_ADDED: Final = {
    "0003": {
        "administrator": ("imports.run", "imports.progress", "cases.export", "enforcement.write_off"),
        "legal_manager": ("imports.run", "imports.progress", "cases.export", "enforcement.write_off"),
        "case_handler": ("imports.run", "imports.progress", "cases.export"),
        "external_lawyer": ("imports.progress",),
        "branch_manager": ("cases.export",),
        "auditor": ("cases.export",),
    },
    "0004": {
        "administrator": ("documents.purge", "documents.manage"),
    },
    "0005": {
        "administrator": ("documents.approve",),
        "legal_manager": ("documents.approve",),
    },
    "0006": {
        "administrator": WORKFLOW_CODES,
        "legal_manager": WORKFLOW_CODES,
        "branch_manager": ("tasks.view_team",),
    },
    "0007": {
        "administrator": ("cases.share", "backup.run", "retention.manage"),
        "legal_manager": ("cases.share", "retention.manage"),
        "case_handler": ("cases.share",),
    },
    "0009": {
        "administrator": ("reports.manage",),
        "legal_manager": ("reports.manage",),
        "case_handler": ("reports.view",),
    },
    "0010": {
        "administrator": ("api.manage", "system.status"),
    },
}

# Built-in roles whose holders are outside the bank (Role.is_external).
EXTERNAL_ROLES: Final = ("external_lawyer",)

BUILTIN_ROLES: Final = {
    "administrator": (_("Administrator"), SYSTEM_ADMIN_ALL),
    "security_admin": (_("Security administrator"), SECURITY_ADMIN_CODES),
    "legal_manager": (
        _("Legal manager"),
        (
            "cases.view",
            "cases.edit",
            "personal_data.unmask",
            "reports.view",
            "admin.manage_reference_data",
            "imports.run",
            "imports.progress",
            "cases.export",
            "enforcement.write_off",
            "documents.approve",
            *WORKFLOW_CODES,
            "cases.share",
            "retention.manage",
            "reports.manage",
        ),
    ),
    "case_handler": (
        _("Case handler"),
        (
            "cases.view",
            "cases.edit",
            "personal_data.unmask",
            "reports.view",
            "imports.run",
            "imports.progress",
            "cases.export",
            "cases.share",
        ),
    ),
    "external_lawyer": (_("External lawyer"), ("cases.view", "cases.edit", "imports.progress")),
    "branch_manager": (_("Branch manager"), ("cases.view", "reports.view", "cases.export", "tasks.view_team")),
    "auditor": (_("Auditor"), ("cases.view", "audit.view", "reports.view", "jobs.view_all", "cases.export")),
    "read_only": (_("Read-only"), ("cases.view",)),
}
