from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from loanlit.core.models import Creditor, OrgUnit, TimeStampedModel


class Role(TimeStampedModel):
    """A named set of permission codes (accounts.permissions.PERMISSIONS). Built-in roles are seeded."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    permissions = models.JSONField(_("permissions"), default=list)
    is_builtin = models.BooleanField(_("built-in"), default=False)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # External (panel law firm) roles see only the cases placed with their firm (cases.access).
    is_external = models.BooleanField(_("external law firm role"), default=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Scope = the unit's subtree within the user's creditors (DESIGN rule 2)."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    creditors = models.ManyToManyField(Creditor, verbose_name=_("creditors"), blank=True, related_name="users")
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    staff_no = models.CharField(_("staff number"), max_length=32, blank=True)

    class AuthSource(models.TextChoices):
        LOCAL = "local", _("Local account")
        LDAP = "ldap", _("LDAP / Active Directory")
        OIDC = "oidc", _("OpenID Connect")

    auth_source = models.CharField(_("sign-on"), max_length=10, choices=AuthSource.choices, default=AuthSource.LOCAL)
    # Login security (issue 10): an initial or reset password must be changed at the next sign-in;
    # the password's age drives the optional periodic change.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class DeactivatedReason(models.TextChoices):
        MANUAL = "manual", _("Disabled by an administrator")
        DORMANT = "dormant", _("Dormant: no sign-in for too long")
        LEFT = "left", _("Left the organisation")

    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    deactivated_reason = models.CharField(
        _("reason for deactivation"), max_length=20, choices=DeactivatedReason.choices, blank=True
    )
    # Re-enabling restarts the dormancy clock (accounts.selectors.last_activity_expression), so an account
    # enabled again is not disabled as dormant before its holder had a chance to sign in.
    reactivated_at = models.DateTimeField(_("enabled again at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def has_code(self, code: str) -> bool:
        """Whether the user's role grants permission ``code``.

        A superuser has every code, except that while settings.SEPARATION_OF_DUTIES is on a superuser is
        the system administrator (separation of duties): never the security administrator's or auditor's
        codes, not even through a role that later gains them.
        """
        if not self.is_active:
            return False
        # A request made with an API key acts as the key's service user, limited to the key's codes.
        key_codes = getattr(self, "api_key_codes", None)
        if key_codes is not None and code not in key_codes:
            return False
        if self.is_superuser:
            from django.conf import settings

            from loanlit.accounts.permissions import AUDIT_CODES, SECURITY_ADMIN_CODES

            if not settings.SEPARATION_OF_DUTIES:
                return True
            return code not in SECURITY_ADMIN_CODES and code not in AUDIT_CODES
        return self.role is not None and code in self.role.permissions

    def has_perm(self, perm: str, obj: models.Model | None = None) -> bool:
        """A permission code (``accounts.permissions.PERMISSIONS``) answers as :meth:`has_code`, so
        templates' ``"code" in perms`` follows the role and separation of duties; other Django
        permissions keep Django's answer."""
        from loanlit.accounts.permissions import PERMISSIONS

        if perm in PERMISSIONS:
            return self.has_code(perm)
        return super().has_perm(perm, obj)
