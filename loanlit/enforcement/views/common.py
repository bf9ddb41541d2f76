"""Helpers of the enforcement views on top of the cases' ones (scope, translated errors, the 409 page)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from loanlit.cases.models import Case
from loanlit.cases.views.common import (
    actor,
    call_service,
    case_for_write,
    deny,
    done,
    render_form,
    save_or_conflict,
)
from loanlit.enforcement.services._common import WRITE_OFF_CODE

FORM_TEMPLATE = "enforcement/form_page.html"


def page_url(case: Case, anchor: str = "") -> str:
    url = reverse("enforcement:case", args=[case.pk])
    return f"{url}#{anchor}" if anchor else url


def case_for_write_off(request: HttpRequest, case_pk: int) -> Case:
    """As ``case_for_write``, and the user must hold ``enforcement.write_off`` (403, logged, otherwise)."""
    case = case_for_write(request, case_pk)
    if not request.user.has_code(WRITE_OFF_CODE):  # type: ignore[union-attr]
        raise deny(request, WRITE_OFF_CODE, case)
    return case


def form_page(
    request: HttpRequest,
    *,
    case: Case,
    form: forms.BaseForm,
    title: str,
    action: str,
    intro: str = "",
    submit: str = "",
    extra: Mapping[str, Any] | None = None,
) -> HttpResponse:
    return render_form(
        request,
        form=form,
        title=title,
        action=action,
        case=case,
        submit=submit,
        template=FORM_TEMPLATE,
        extra={"back_url": page_url(case), "intro": intro, **(extra or {})},
    )


def create(
    request: HttpRequest,
    *,
    case: Case,
    form: forms.BaseForm,
    service: Callable[..., Any],
    arguments: Callable[[dict[str, Any]], dict[str, Any]],
    title: str,
    action: str,
    anchor: str,
    message: str,
    intro: str = "",
    submit: str = "",
) -> HttpResponse:
    """A create form: GET shows it; a valid POST calls the service (a broken rule shows on the form)."""
    if request.method == "POST" and form.is_valid():
        result = call_service(form, service, actor=actor(request), **arguments(form.cleaned_data))
        if result is not None:
            return done(request, page_url(case, anchor(result) if callable(anchor) else anchor), message)
    return form_page(request, case=case, form=form, title=title, action=action, intro=intro, submit=submit)


def update(
    request: HttpRequest,
    *,
    case: Case,
    form: forms.BaseForm,
    service: Callable[..., Any],
    arguments: Callable[[dict[str, Any]], dict[str, Any]],
    current: Callable[[], Mapping[str, Any]],
    title: str,
    action: str,
    anchor: str,
    message: str,
    intro: str = "",
    submit: str = "",
) -> HttpResponse:
    """A versioned edit: a stale version answers 409 with the record as it is now, nothing saved."""
    if request.method == "POST" and form.is_valid():
        result, conflict = save_or_conflict(
            request,
            form=form,
            service=service,
            arguments={"actor": actor(request), **arguments(form.cleaned_data)},
            current=current,
            back_url=action,
            case=case,
        )
        if conflict is not None:
            return conflict
        if result is not None:
            return done(request, page_url(case, anchor), message)
    return form_page(request, case=case, form=form, title=title, action=action, intro=intro, submit=submit)
