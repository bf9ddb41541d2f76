from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loanlit.audit import services as audit
from loanlit.audit.models import AccessLog
from loanlit.core.downloads import file_response
from loanlit.core.errors import DomainError, PermissionDeniedError
from loanlit.core.watermark import watermark_text
from loanlit.law.money import LawInputError
from loanlit.rules import calculators, selectors, services
from loanlit.rules.forms import HolidayOverrideForm, LprRateForm
from loanlit.rules.texts import law_message

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _denied(request: HttpRequest, error: PermissionDeniedError) -> PermissionDenied:
    audit.access_log(user=request.user, action=AccessLog.Action.DENIED, request=request, detail={"reason": error.code})
    return PermissionDenied(error.message)


def _actor(request: HttpRequest) -> AbstractBaseUser:
    # LoginRequiredMiddleware guarantees a signed-in user on every view here.
    assert isinstance(request.user, AbstractBaseUser)
    return request.user


def _require_manage(request: HttpRequest) -> None:
    try:
        selectors.require_manage(request.user)
    except PermissionDeniedError as error:
        raise _denied(request, error) from None


# --- calculators ---------------------------------------------------------------------------------


def _card(calc: calculators.Calculator, form: Any, result: calculators.Result | None = None) -> dict[str, Any]:
    return {"calc": calc, "form": form, "result": result}


def _page(request: HttpRequest, cards: dict[str, dict[str, Any]], status: int = 200) -> HttpResponse:
    return render(
        request,
        "rules/calculators.html",
        {"cards": list(cards.values()), "banner": selectors.calendar_banner()},
        status=status,
    )


@require_GET
def calculator_page(request: HttpRequest) -> HttpResponse:
    cards = {kind: _card(calc, calc.form(prefix=kind)) for kind, calc in calculators.CALCULATORS.items()}
    return _page(request, cards)


def _run(calc: calculators.Calculator, form: Any) -> calculators.Result | None:
    if not form.is_valid():
        return None
    try:
        return calc.compute(form.cleaned_data)
    except LawInputError as error:
        form.add_error(None, law_message(error))
        return None


@require_POST
def calculate(request: HttpRequest, kind: str) -> HttpResponse:
    """One calculator: the card alone for htmx, else the whole page with this card's result."""
    calc = calculators.CALCULATORS.get(kind)
    if calc is None:
        raise Http404
    form = calc.form(request.POST, prefix=kind)
    result = _run(calc, form)
    card = _card(calc, form, result)
    if _is_htmx(request):
        return render(request, "rules/partials/calculator_card.html", card)
    cards = {k: _card(c, c.form(prefix=k)) for k, c in calculators.CALCULATORS.items()}
    cards[kind] = card
    return _page(request, cards)


@require_POST
def claim_export(request: HttpRequest) -> HttpResponseBase:
    calc = calculators.CALCULATORS["claim"]
    form = calc.form(request.POST, prefix="claim")
    result = _run(calc, form)
    if result is None or result.claim is None:
        cards = {k: _card(c, c.form(prefix=k)) for k, c in calculators.CALCULATORS.items()}
        cards["claim"] = _card(calc, form)
        return _page(request, cards)
    content = calculators.claim_workbook(result.claim, form.cleaned_data, watermark=watermark_text(request.user))
    audit.access_log(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        request=request,
        detail={"export": "claim_statement", "cutoff": result.claim.cutoff.isoformat()},
    )
    filename = _("claim-statement-%(cutoff)s.xlsx") % {"cutoff": result.claim.cutoff.isoformat()}
    return file_response(content, filename, content_type=XLSX)


# --- holiday calendar ----------------------------------------------------------------------------


@require_GET
def holiday_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    overrides = list(selectors.holiday_override_list_for_user(user=request.user))
    calendar = selectors.law_calendar()
    today = timezone.localdate()
    years = [calendar.year_summary(year) for year in (today.year, today.year + 1)]
    return render(
        request,
        "rules/holiday_list.html",
        {
            "overrides": overrides,
            "years": years,
            "banner": selectors.calendar_banner(calendar=calendar, today=today),
        },
    )


def _holiday_form_page(request: HttpRequest, form: HolidayOverrideForm, year: int | None) -> HttpResponse:
    return render(request, "rules/holiday_form.html", {"form": form, "year": year})


def _save_holiday(request: HttpRequest, form: HolidayOverrideForm, year: int | None) -> HttpResponse:
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.holiday_override_save(
                actor=_actor(request),
                year=year if year is not None else data["year"],
                notice=data["notice"],
                rest_days=data["rest_days"],
                working_days=data["working_days"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Holiday data saved. Open deadlines use it from now on."))
            return redirect("rules:holiday_list")
    return _holiday_form_page(request, form, year)


@require_http_methods(["GET", "POST"])
def holiday_add(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = HolidayOverrideForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and selectors.holiday_override_find_for_user(
            user=request.user, year=form.cleaned_data["year"]
        ):
            form.add_error("year", _("This year already has holiday data; edit it instead."))
            return _holiday_form_page(request, form, None)
        return _save_holiday(request, form, None)
    return _holiday_form_page(request, form, None)


@require_http_methods(["GET", "POST"])
def holiday_edit(request: HttpRequest, year: int) -> HttpResponse:
    """Edit the year's override, or enter one for a year that has none yet."""
    _require_manage(request)
    existing = selectors.holiday_override_find_for_user(user=request.user, year=year)
    if request.method == "POST":
        return _save_holiday(request, HolidayOverrideForm(request.POST, fixed_year=year), year)
    initial: dict[str, Any] = {"year": year}
    if existing is not None:
        initial.update(
            notice=existing.notice,
            rest_days="\n".join(existing.rest_days),
            working_days="\n".join(existing.working_days),
        )
    return _holiday_form_page(request, HolidayOverrideForm(initial=initial, fixed_year=year), year)


@require_POST
def holiday_delete(request: HttpRequest, year: int) -> HttpResponse:
    _require_manage(request)
    override = selectors.holiday_override_get_for_user(user=request.user, year=year)
    try:
        services.holiday_override_delete(actor=_actor(request), override=override)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Holiday data for %(year)d deleted.") % {"year": year})
    return redirect("rules:holiday_list")


# --- LPR -------------------------------------------------------------------------------------------


def _lpr_page(request: HttpRequest, form: LprRateForm) -> HttpResponse:
    table = selectors.lpr_table()
    return render(
        request,
        "rules/lpr_list.html",
        {
            "rows": selectors.lpr_rows_for_user(user=request.user),
            "form": form,
            "verified_through": table.verified_through,
        },
    )


@require_GET
def lpr_list(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    return _lpr_page(request, LprRateForm())


@require_POST
def lpr_add(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = LprRateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.lpr_rate_add(
                actor=_actor(request),
                published=data["published"],
                lpr_1y=data["lpr_1y"],
                lpr_5y=data["lpr_5y"],
                verified_through=data["verified_through"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("LPR published on %(day)s added.") % {"day": data["published"].isoformat()})
            return redirect("rules:lpr_list")
    return _lpr_page(request, form)
