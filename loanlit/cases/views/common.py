"""Helpers shared by the case views: scope checks, service calls with translated errors, the 409 page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from loanlit import audit
from loanlit.cases import selectors
from loanlit.cases.models import Case
from loanlit.core import money as m
from loanlit.core.errors import DomainError, PermissionDeniedError, StaleVersionError

T = TypeVar("T")


class Stale(Exception):
    """Raised out of ``call_service`` so the view can render what changed (409)."""

    def __init__(self, error: StaleVersionError) -> None:
        super().__init__(error.message)
        self.error = error


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def actor(request: HttpRequest) -> AbstractBaseUser:
    # LoginRequiredMiddleware guarantees a signed-in user on every view here.
    assert isinstance(request.user, AbstractBaseUser)
    return request.user


def deny(request: HttpRequest, reason: str, target: Model | None = None) -> PermissionDenied:
    audit.access_log(
        user=request.user, action=audit.AccessAction.DENIED, target=target, request=request, detail={"reason": reason}
    )
    return PermissionDenied(reason)


def logged_404(request: HttpRequest, model: type[Model], pk: int, get: Callable[[], T]) -> T:
    """``get()``, or its 404 (out of scope looks like a missing id) — logged as a refused access when a
    ``model`` row with ``pk`` exists, so probing other units' ids shows in the access log."""
    try:
        return get()
    except Http404:
        if model._default_manager.filter(pk=pk).exists():
            audit.access_log(
                user=request.user,
                action=audit.AccessAction.DENIED,
                target=audit.TargetRef(type=model._meta.label_lower, id=str(pk)),
                request=request,
                detail={"reason": "out_of_scope", "path": request.path},
            )
        raise


def case_for_read(request: HttpRequest, pk: int) -> Case:
    return selectors.case_get_for_user(user=request.user, pk=pk)


def case_for_write(request: HttpRequest, pk: int) -> Case:
    """The case for a write form: 404 outside scope (like a missing id), 403 for a viewer who may not edit."""
    if not request.user.has_code("cases.edit"):  # type: ignore[union-attr]
        case = selectors.case_get_for_user(user=request.user, pk=pk)
        raise deny(request, "cases.edit", case)
    try:
        return selectors.case_get_for_user(user=request.user, pk=pk, for_write=True)
    except Http404:
        # Seen (e.g. through a view-only share) but not editable: 403 like any viewer; unseen stays 404.
        case = selectors.case_get_for_user(user=request.user, pk=pk)
        raise deny(request, "cases.edit", case) from None


def call_service(form: forms.BaseForm | None, fn: Callable[..., T], **kwargs: Any) -> T | None:
    """Run a service. A broken rule becomes a form error (already translated), never a 500."""
    try:
        return fn(**kwargs)
    except StaleVersionError as error:
        raise Stale(error) from None
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        if form is None:
            raise
        form.add_error(None, error.message)
        return None


def done(request: HttpRequest, url: str, message: str = "") -> HttpResponse:
    """After a successful POST: a redirect (htmx follows it with HX-Redirect so the whole page reloads)."""
    if message:
        from django.contrib import messages

        messages.success(request, message)
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def case_tab_url(case: Case, tab: str, anchor: str = "") -> str:
    url = f"{case.get_absolute_url()}?tab={tab}"
    return f"{url}#{anchor}" if anchor else url


# --- the 409 page -----------------------------------------------------------------------------------------


def _flat_choices(choices: Iterable[Any]) -> dict[str, str]:
    flat: dict[str, str] = {}
    for value, label in choices:
        if isinstance(label, list | tuple):
            flat.update(_flat_choices(label))
        else:
            flat[str(value)] = str(label)
    return flat


def display_value(field: forms.Field, value: Any) -> str:
    """A value as the person typed or chose it, for the side-by-side of a stale form."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, forms.ModelMultipleChoiceField):
        pks = [item.pk if isinstance(item, Model) else item for item in value]
        rows = field.queryset.model._default_manager.filter(pk__in=pks)  # type: ignore[union-attr]
        return ", ".join(sorted(str(row) for row in rows)) or "—"
    if isinstance(field, forms.ModelChoiceField):
        if isinstance(value, Model):
            return str(value)
        # The current value may lie outside the form's choices (e.g. the stage the case has moved to).
        found = field.queryset.model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
        return str(found) if found is not None else str(value)
    if isinstance(field, forms.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(field, forms.ChoiceField):
        return _flat_choices(field.choices).get(str(value), str(value))
    if isinstance(value, Decimal):
        return m.format_money(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("T", " ")[:16]
    return str(value)


def stale_response(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    current: Mapping[str, Any],
    error: StaleVersionError,
    back_url: str,
    case: Case | None = None,
) -> HttpResponse:
    """409: the posted values next to the row as it is now, the differences marked. Nothing was saved."""
    rows = []
    posted = getattr(form, "cleaned_data", {})
    for name, field in form.fields.items():
        if name == "version" or name not in current:
            continue
        mine = display_value(field, posted.get(name, form.data.get(name)))
        theirs = display_value(field, current[name])
        rows.append({"label": field.label, "mine": mine, "current": theirs, "changed": mine != theirs})
    context = {"rows": rows, "message": error.message, "back_url": back_url, "case": case}
    template = "cases/partials/stale.html" if is_htmx(request) else "cases/stale.html"
    return render(request, template, context, status=409)


def save_or_conflict(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    service: Callable[..., T],
    arguments: Mapping[str, Any],
    current: Callable[[], Mapping[str, Any]],
    back_url: str,
    case: Case | None = None,
) -> tuple[T | None, HttpResponse | None]:
    """Call a versioned service: (result, None), (None, None) on a form error, or (None, the 409 page).

    ``current`` re-reads the row after the conflict, so the page shows what the other person saved;
    ``case`` heads the 409 page.
    """
    try:
        return call_service(form, service, **arguments), None
    except Stale as stale:
        conflict = stale_response(
            request, form=form, current=current(), error=stale.error, back_url=back_url, case=case
        )
        return None, conflict


def render_form(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    title: str,
    action: str,
    case: Case | None = None,
    submit: str = "",
    template: str = "cases/form_page.html",
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "title": title,
        "action": action,
        "case": case,
        "submit": submit or _("Save"),
        "back_url": case.get_absolute_url() if case is not None else "",
        **(extra or {}),
    }
    return render(request, template, context)
