"""Reminder pages: policies and chat robots (admin.manage_reference_data), the delivery log, and the ICS feed.

Parse → scope → service → render. The feed URL itself is public (``core.views.public``): its token is
the credential, and a wrong or revoked token answers 404 like any missing page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit import audit
from loanlit.accounts.selectors import org_units_visible_to
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.views import public
from loanlit.deadlines import ics
from loanlit.deadlines import reminder_selectors as selectors
from loanlit.deadlines.channels import channel_label
from loanlit.deadlines.models import Deadline, ReminderDelivery
from loanlit.deadlines.reminder_forms import ReminderPolicyForm, RobotEndpointForm
from loanlit.deadlines.services import reminders as services

DEFAULT_KIND_SLUG = "default"
LOG_PAGE_SIZE = 50


def _actor(request: HttpRequest) -> AbstractBaseUser:
    # LoginRequiredMiddleware guarantees a signed-in user on every page here but the feed.
    assert isinstance(request.user, AbstractBaseUser)
    return request.user


def _denied(request: HttpRequest, error: PermissionDeniedError) -> PermissionDenied:
    audit.access_log(
        user=request.user, action=audit.AccessAction.DENIED, request=request, detail={"reason": error.code}
    )
    return PermissionDenied(error.message)


def _require_manage(request: HttpRequest) -> None:
    try:
        selectors.require_manage(request.user)
    except PermissionDeniedError as error:
        raise _denied(request, error) from None


def _kind_from_slug(slug: str) -> tuple[str, str]:
    if slug == DEFAULT_KIND_SLUG:
        return "", _("Default for every type")
    labels = dict(Deadline.Kind.choices)
    if slug not in labels:
        raise Http404
    return slug, str(labels[slug])


# --- policies --------------------------------------------------------------------------------------


@require_GET
def reminder_policy_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    rows = [
        {
            "row": row,
            "slug": row.kind or DEFAULT_KIND_SLUG,
            "channels": [channel_label(code) for code in row.channels],
            "offsets": ", ".join(str(o) for o in row.offsets),
        }
        for row in selectors.reminder_policy_rows_for_user(user=request.user)
    ]
    return render(request, "deadlines/reminder_policy_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def reminder_policy_edit(request: HttpRequest, kind: str) -> HttpResponse:
    _require_manage(request)
    deadline_kind, label = _kind_from_slug(kind)
    existing = selectors.reminder_policy_find_for_user(user=request.user, kind=deadline_kind)
    if request.method == "POST":
        form = ReminderPolicyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.reminder_policy_save(
                    actor=_actor(request),
                    deadline_kind=deadline_kind,
                    offsets=data["offsets"],
                    day_basis=data["day_basis"],
                    channels=data["channels"],
                    escalate_overdue=data["escalate_overdue"],
                    is_active=data["is_active"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Reminder policy saved. The next scan uses it."))
                return redirect("deadlines:reminder_policy_list")
    else:
        source = existing
        initial: dict[str, Any] = {
            "offsets": ", ".join(str(o) for o in (source.offsets if source else [30, 7, 3, 1, 0])),
            "day_basis": source.day_basis if source else "calendar",
            "channels": source.channels if source else list(services.DEFAULT_CHANNELS),
            "escalate_overdue": source.escalate_overdue if source else True,
            "is_active": source.is_active if source else True,
        }
        form = ReminderPolicyForm(initial=initial)
    return render(
        request,
        "deadlines/reminder_policy_form.html",
        {"form": form, "label": label, "kind": kind, "existing": existing},
    )


@require_POST
def reminder_policy_delete(request: HttpRequest, kind: str) -> HttpResponse:
    _require_manage(request)
    deadline_kind, _label = _kind_from_slug(kind)
    existing = selectors.reminder_policy_find_for_user(user=request.user, kind=deadline_kind)
    if existing is None:
        raise Http404
    services.reminder_policy_delete(actor=_actor(request), policy=existing)
    messages.success(request, _("Reminder policy removed; the default applies."))
    return redirect("deadlines:reminder_policy_list")


# --- chat robots -----------------------------------------------------------------------------------


def _robot_page(request: HttpRequest, form: RobotEndpointForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "deadlines/reminder_robot_list.html",
        {"robots": selectors.robot_endpoint_list_for_user(user=request.user), "form": form},
        status=status,
    )


@require_GET
def robot_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    return _robot_page(request, RobotEndpointForm(units=org_units_visible_to(_actor(request))))  # type: ignore[arg-type]


@require_POST
def robot_add(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = RobotEndpointForm(request.POST, units=org_units_visible_to(_actor(request)))  # type: ignore[arg-type]
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.robot_endpoint_create(
                actor=_actor(request),
                kind=data["kind"],
                name=data["name"],
                url=data["url"],
                secret=data["secret"],
                unit=data["unit"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Chat robot added."))
            return redirect("deadlines:robot_list")
    return _robot_page(request, form)


@require_POST
def robot_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manage(request)
    endpoint = selectors.robot_endpoint_get_for_user(user=request.user, pk=pk)
    services.robot_endpoint_set_active(actor=_actor(request), endpoint=endpoint, is_active=not endpoint.is_active)
    messages.success(request, _("Chat robot updated."))
    return redirect("deadlines:robot_list")


# --- delivery log ----------------------------------------------------------------------------------


@require_GET
def reminder_log(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    status = request.GET.get("status", "")
    paginator = Paginator(selectors.reminder_delivery_log_for_user(user=request.user, status=status), LOG_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "deadlines/reminder_log.html",
        {
            "page": page,
            "rows": [(delivery, channel_label(delivery.channel)) for delivery in page.object_list],
            "status": status,
            "statuses": ReminderDelivery.Status.choices,
        },
    )


# --- ICS feed --------------------------------------------------------------------------------------


def _feed_page(request: HttpRequest, *, new_url: str = "") -> HttpResponse:
    return render(
        request,
        "deadlines/reminder_feed.html",
        {"feed": selectors.ics_feed_active_for_user(user=request.user), "new_url": new_url},
    )


@require_GET
def ics_feed_settings(request: HttpRequest) -> HttpResponse:
    return _feed_page(request)


@require_POST
def ics_feed_regenerate(request: HttpRequest) -> HttpResponse:
    token = services.ics_feed_regenerate(user=_actor(request))
    # Shown once, in this response: only the token's HMAC is stored.
    url = request.build_absolute_uri(reverse("deadlines:ics_feed", kwargs={"token": token}))
    return _feed_page(request, new_url=url)


@require_POST
def ics_feed_revoke(request: HttpRequest) -> HttpResponse:
    if services.ics_feed_revoke(user=_actor(request)):
        messages.success(request, _("Calendar feed URL revoked; calendar apps using it get nothing from now on."))
    return redirect("deadlines:ics_feed_settings")


@public
@require_GET
def ics_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = services.ics_feed_user_for_token(token)
    if user is None:
        raise Http404
    events = selectors.ics_events_for_user(user=user)
    body = ics.build_calendar(events, name=_("Loanlit deadlines"), now=timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
