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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def has_code(self, code: str) -> bool:
        """Whether the user's role grants permission ``code`` (superusers have every code)."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return self.role is not None and code in self.role.permissions
