"""Permission codes and the built-in roles (roles are data: the database holds them, this is the seed).

Each later issue adds its codes here, so one list says what a role may do.
"""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy as _

PERMISSIONS: Final = {
    "admin.manage_users": _("Manage users and roles"),
    "admin.manage_units": _("Manage organisation units and creditors"),
    "admin.manage_reference_data": _("Manage reference data (holidays, rates, templates)"),
    "audit.view": _("View the audit trail and access log"),
    "jobs.view_all": _("View every background job"),
    "jobs.cancel_all": _("Cancel anyone's background job"),
    "cases.view": _("View cases in scope"),
    "cases.edit": _("Edit cases in scope"),
    "personal_data.unmask": _("See unmasked personal data"),
    "reports.view": _("View statistics and reports"),
}

ALL = tuple(PERMISSIONS)

BUILTIN_ROLES: Final = {
    "administrator": (_("Administrator"), ALL),
    "legal_manager": (
        _("Legal manager"),
        ("cases.view", "cases.edit", "personal_data.unmask", "reports.view", "admin.manage_reference_data"),
    ),
    "case_handler": (_("Case handler"), ("cases.view", "cases.edit", "personal_data.unmask")),
    "external_lawyer": (_("External lawyer"), ("cases.view", "cases.edit")),
    "branch_manager": (_("Branch manager"), ("cases.view", "reports.view")),
    "auditor": (_("Auditor"), ("cases.view", "audit.view", "reports.view", "jobs.view_all")),
    "read_only": (_("Read-only"), ("cases.view",)),
}
