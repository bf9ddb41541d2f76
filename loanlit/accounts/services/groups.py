"""User groups (Django's ``auth.Group``) for explicit case sharing, managed with ``admin.manage_users``.

A security administrator changes only the members in their scope; members outside it stay as they are
(and a group with such members cannot be deleted by them).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.accounts import selectors
from loanlit.accounts.models import User
from loanlit.accounts.services.users import _require_manage
from loanlit.core.errors import DomainError


def _member_names(group: Group) -> list[str]:
    return sorted(group.user_set.values_list("username", flat=True))


def _clean_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise DomainError(_("A group needs a name."), code="group_name_missing")
    same_name = Group.objects.filter(name=name)
    if exclude_pk is not None:
        same_name = same_name.exclude(pk=exclude_pk)
    if same_name.exists():
        raise DomainError(_("A group named %(name)s already exists.") % {"name": name}, code="group_name_taken")
    return name


def _check_members(actor: User | None, members: list[User]) -> None:
    if actor is None or not members:
        return
    allowed = set(
        selectors.users_manageable_by(actor).filter(pk__in=[m.pk for m in members]).values_list("pk", flat=True)
    )
    if any(member.pk not in allowed for member in members):
        raise DomainError(_("You may only add accounts in your scope to a group."), code="member_out_of_scope")


@transaction.atomic
def group_create(*, actor: User | None, name: str, members: Iterable[User] = ()) -> Group:
    _require_manage(actor)
    name = _clean_name(name)
    members = list(members)
    _check_members(actor, members)
    group = Group.objects.create(name=name)
    group.user_set.set(members)
    audit.record(
        actor=actor,
        action="group.created",
        target=group,
        changes=audit.diff({}, {"name": name, "members": _member_names(group)}),
    )
    return group


@transaction.atomic
def group_update(*, actor: User | None, group: Group, name: str, members: Iterable[User]) -> Group:
    """Rename the group and set its members within the actor's scope (others are kept)."""
    _require_manage(actor)
    group = Group.objects.select_for_update().get(pk=group.pk)
    name = _clean_name(name, exclude_pk=group.pk)
    members = list(members)
    _check_members(actor, members)
    before = {"name": group.name, "members": _member_names(group)}
    if actor is None:
        kept: list[User] = []
    else:
        manageable = selectors.users_manageable_by(actor).values_list("pk", flat=True)
        kept = list(group.user_set.exclude(pk__in=manageable))
    group.name = name
    group.save(update_fields=["name"])
    group.user_set.set([*kept, *members])
    changes = audit.diff(before, {"name": name, "members": _member_names(group)})
    if changes:
        audit.record(actor=actor, action="group.updated", target=group, changes=changes)
    return group


@transaction.atomic
def group_delete(*, actor: User | None, group: Group) -> None:
    """Delete a group (its case shares go with it)."""
    _require_manage(actor)
    group = Group.objects.select_for_update().get(pk=group.pk)
    if actor is not None:
        manageable = selectors.users_manageable_by(actor).values_list("pk", flat=True)
        if group.user_set.exclude(pk__in=manageable).exists():
            raise DomainError(
                _("The group has members outside your scope; it cannot be deleted by you."),
                code="group_foreign_members",
            )
    audit.record(
        actor=actor,
        action="group.deleted",
        target=group,
        changes=audit.diff({"name": group.name, "members": _member_names(group)}, {}),
    )
    group.delete()
