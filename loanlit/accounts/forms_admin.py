"""Forms of the user, role and group administration pages (issue 10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from loanlit.accounts import selectors
from loanlit.accounts.models import Role, User
from loanlit.accounts.permissions import PERMISSIONS
from loanlit.accounts.services.roles import DUTY_LABELS, duty_of_code
from loanlit.core.models import Creditor, OrgUnit

# Areas of the permission catalogue (the part of a code before the dot), in the order shown.
AREA_LABELS = {
    "admin": _("Administration"),
    "audit": _("Audit"),
    "jobs": _("Background jobs"),
    "cases": _("Cases"),
    "personal_data": _("Personal data"),
    "reports": _("Reports"),
    "imports": _("Imports"),
    "enforcement": _("Enforcement"),
    "documents": _("Documents"),
    "workflow": _("Workflow"),
    "tasks": _("Tasks"),
    "backup": _("Backups"),
    "retention": _("Retention"),
}


def _style(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget, so the templates render fields without per-field markup."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


def permission_groups(checked: Any) -> list[dict[str, Any]]:
    """The permission catalogue grouped by area, each code with its label, duty and whether it is ticked."""
    ticked = {str(code) for code in (checked or ())}
    groups: dict[str, dict[str, Any]] = {}
    for code, label in PERMISSIONS.items():
        area = code.split(".", 1)[0]
        group = groups.setdefault(area, {"area": AREA_LABELS.get(area, area), "codes": []})
        duty = duty_of_code(code)
        group["codes"].append(
            {
                "code": code,
                "label": label,
                "duty": duty,
                "duty_label": DUTY_LABELS.get(duty, ""),
                "checked": code in ticked,
            }
        )
    return list(groups.values())


class RoleForm(StyledForm):
    code = forms.SlugField(label=_("Code"), max_length=50, help_text=_("Lower-case letters, digits, - and _."))
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"), choices=list(PERMISSIONS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_external = forms.BooleanField(
        label=_("External law firm role"),
        required=False,
        help_text=_("Holders see only the cases placed with their law firm."),
    )
    updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, role: Role | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role = role
        if role is not None:
            del self.fields["code"]
            if role.is_builtin:
                self.fields["name"].disabled = True
        else:
            del self.fields["updated_at"]

    def clean_updated_at(self) -> datetime | None:
        value = self.cleaned_data.get("updated_at") or ""
        if not value:
            # The edit form always carries the version it was loaded with: without it, a stale edit
            # could overwrite a newer change unnoticed.
            raise forms.ValidationError(_("The form is damaged. Reload the page."))
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(_("The form is damaged. Reload the page.")) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A hidden field's error would not be shown next to it: show it above the form.
        for error in self.errors.pop("updated_at", []):
            self.add_error(None, error)
        return cleaned


class UserFilterForm(StyledForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.order_by("code"), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), required=False)
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("yes", _("Enabled")), ("no", _("Disabled"))],
    )
    dormant = forms.BooleanField(label=_("Dormant only"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.org_units_visible_to(user).order_by("path")  # type: ignore[attr-defined]

    def filters(self) -> selectors.UserFilters:
        if not self.is_valid():
            return selectors.UserFilters()
        data = self.cleaned_data
        return selectors.UserFilters(
            q=data["q"].strip(),
            role=data["role"].pk if data["role"] else None,
            unit=data["unit"].pk if data["unit"] else None,
            active=data["active"],
            dormant=data["dormant"],
        )


class _UserFieldsForm(StyledForm):
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    staff_no = forms.CharField(label=_("Staff number"), max_length=32, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.order_by("code"))
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), required=False)
    creditors = forms.ModelMultipleChoiceField(
        label=_("Creditors"), queryset=Creditor.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.org_units_visible_to(actor).order_by("path")  # type: ignore[attr-defined]
        self.fields["creditors"].queryset = selectors.creditors_visible_to(actor).order_by("code")  # type: ignore[attr-defined]


class UserCreateForm(_UserFieldsForm):
    username = forms.CharField(label=_("User name"), max_length=150, validators=[UnicodeUsernameValidator()])
    auth_source = forms.ChoiceField(label=_("Sign-on"), choices=User.AuthSource.choices, initial=User.AuthSource.LOCAL)
    password = forms.CharField(
        label=_("Temporary password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Changed by the user at the first sign-in. Leave empty for a single sign-on account."),
    )

    field_order = ["username", "display_name", "staff_no", "email", "role", "unit", "creditors", "auth_source"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("auth_source") == User.AuthSource.LOCAL and not data.get("password"):
            self.add_error("password", _("A local account needs a temporary password."))
        if data.get("auth_source") not in (None, User.AuthSource.LOCAL) and data.get("password"):
            self.add_error("password", _("An account that signs in through single sign-on has no password here."))
        return data


class UserEditForm(_UserFieldsForm):
    pass


class UserDisableForm(StyledForm):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (User.DeactivatedReason.MANUAL, User.DeactivatedReason.MANUAL.label),
            (User.DeactivatedReason.LEFT, User.DeactivatedReason.LEFT.label),
        ],
    )


class PasswordResetForm(StyledForm):
    password = forms.CharField(
        label=_("Temporary password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The user must change it at the next sign-in."),
    )


class GroupForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=150)
    members = forms.ModelMultipleChoiceField(
        label=_("Members"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = selectors.users_manageable_by(actor).order_by("username")  # type: ignore[attr-defined]
