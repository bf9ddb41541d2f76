"""Write forms of the enforcement page. Each: scope (404 outside, 403 for a viewer who may not edit) → form →
service → redirect to the enforcement page; a broken rule shows on the form, a stale version answers 409."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loanlit.accounts.selectors import creditor_ids_for
from loanlit.cases import access
from loanlit.cases.models import Case, CaseLoan, Proceeding
from loanlit.cases.views.common import actor, call_service, case_for_write, deny, done
from loanlit.core.ids import parse_id
from loanlit.core.models import Creditor
from loanlit.enforcement import forms as f
from loanlit.enforcement import selectors, services
from loanlit.enforcement.models import Asset, AssetSearch, EvidenceItem, FollowUp, Measure, Termination
from loanlit.enforcement.services.enforcement import ENFORCEMENT_KINDS, case_debtors
from loanlit.enforcement.views.common import (
    WRITE_OFF_CODE,
    case_for_write_off,
    create,
    form_page,
    page_url,
    update,
)
from loanlit.parties.models import Party

GET_POST = ["GET", "POST"]


def _today() -> Any:
    return timezone.localdate()


def _proceedings(case: Case, kinds: Any = None) -> Any:
    qs = Proceeding.objects.filter(case=case).select_related("court").order_by("pk")
    return qs.filter(kind__in=kinds) if kinds is not None else qs


def _assets(case: Case) -> Any:
    return Asset.objects.filter(case=case).order_by("found_on", "pk")


def _debtors(case: Case) -> Any:
    return Party.objects.filter(pk__in=[p.pk for p in case_debtors(case)]).order_by("name_normalized", "pk")


def _default_court(case: Case) -> int | None:
    last = Proceeding.objects.filter(case=case, court__isnull=False).order_by("-pk").values_list("court_id", flat=True)
    return last.first()


# --- assets and measures ----------------------------------------------------------------------------------------


@require_http_methods(GET_POST)
def asset_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.AssetForm(request.POST or None, initial={"found_on": _today()})
    form.limit(owner=_debtors(case))
    return create(
        request,
        case=case,
        form=form,
        service=services.asset_add,
        arguments=lambda d: {"case": case, **d},
        title=_("Record an asset lead"),
        action=reverse("enforcement:asset_add", args=[case.pk]),
        anchor="assets",
        message=_("The asset was recorded."),
    )


@require_http_methods(GET_POST)
def asset_edit(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    asset = selectors.asset_for_case(case=case, pk=pk)
    form = f.AssetEditForm(request.POST or None, initial=f.AssetEditForm.initial_for(asset))
    url = reverse("enforcement:asset_edit", args=[case.pk, pk])
    return update(
        request,
        case=case,
        form=form,
        service=services.asset_update,
        arguments=lambda d: {"asset": asset, **d},
        current=lambda: f.AssetEditForm.initial_for(selectors.asset_for_case(case=case, pk=pk)),
        title=_("Edit %(asset)s") % {"asset": asset},
        action=url,
        anchor=f"asset-{pk}",
        message=_("The asset was saved."),
    )


@require_http_methods(GET_POST)
def measure_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    initial = {"started_on": _today(), "court": _default_court(case)}
    if parse_id(request.GET.get("asset", "")) is not None:
        initial["asset"] = parse_id(request.GET["asset"])
    else:
        only = list(_assets(case).values_list("pk", flat=True)[:2])
        if len(only) == 1:
            initial["asset"] = only[0]
    form = f.MeasureForm(request.POST or None, initial=initial)
    form.limit(asset=_assets(case), proceeding=_proceedings(case))
    return create(
        request,
        case=case,
        form=form,
        service=services.measure_record,
        arguments=lambda d: {"case": case, **d},
        title=_("Record a seizure, freeze or distraint"),
        action=reverse("enforcement:measure_add", args=[case.pk]),
        anchor=lambda m: f"measure-{m.pk}",  # type: ignore[arg-type]
        message=_("The measure was recorded; its expiry and the day to apply for renewal are on the deadlines."),
        intro=_(
            "The term follows the asset: bank deposits 1 year, movables 2 years, real estate and other property "
            "rights 3 years, counted from the day after the measure took effect. Apply to renew at least 7 days "
            "before it expires."
        ),
    )


def _measure(case: Case, pk: int) -> Measure:
    return selectors.measure_for_case(case=case, pk=pk)


@require_http_methods(GET_POST)
def measure_renew(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    measure = _measure(case, pk)
    form = f.RenewForm(request.POST or None, initial={"version": measure.version, "renewed_on": _today()})
    return update(
        request,
        case=case,
        form=form,
        service=services.measure_renew,
        arguments=lambda d: {"measure": measure, **d},
        current=lambda: f.RenewForm.current_for(_measure(case, pk)),
        title=_("Renew the %(measure)s") % {"measure": measure.get_kind_display()},
        action=reverse("enforcement:measure_renew", args=[case.pk, pk]),
        anchor=f"measure-{pk}",
        message=_("The renewal was recorded; the new expiry is on the deadlines."),
        intro=_("It expires on %(expiry)s; the latest safe day to apply for renewal is %(due)s.")
        % {"expiry": measure.expires_on.isoformat(), "due": measure.renewal_due_on.isoformat()},
    )


@require_http_methods(GET_POST)
def measure_release(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    measure = _measure(case, pk)
    form = f.ReleaseForm(request.POST or None, initial={"version": measure.version, "released_on": _today()})
    return update(
        request,
        case=case,
        form=form,
        service=services.measure_release,
        arguments=lambda d: {"measure": measure, **d},
        current=lambda: {"version": _measure(case, pk).version},
        title=_("Release the %(measure)s") % {"measure": measure.get_kind_display()},
        action=reverse("enforcement:measure_release", args=[case.pk, pk]),
        anchor=f"measure-{pk}",
        message=_("The release was recorded; the measure's deadlines were waived."),
    )


@require_http_methods(GET_POST)
def guarantee_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.GuaranteeForm(request.POST or None, initial={"issued_on": _today(), "paid_on": _today()})
    form.limit(proceeding=_proceedings(case))
    return create(
        request,
        case=case,
        form=form,
        service=services.preservation_guarantee_record,
        arguments=lambda d: {"case": case, **d},
        title=_("Record a preservation guarantee"),
        action=reverse("enforcement:guarantee_add", args=[case.pk]),
        anchor="guarantees",
        message=_("The guarantee was recorded; its premium is in the case's costs."),
    )


# --- the enforcement proceeding ----------------------------------------------------------------------------------


@require_http_methods(GET_POST)
def enforcement_apply(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.ApplyForm(request.POST or None, initial={"applied_on": _today(), "court": _default_court(case)})
    return create(
        request,
        case=case,
        form=form,
        service=services.enforcement_apply,
        arguments=lambda d: {"case": case, **d},
        title=_("Apply for enforcement"),
        action=reverse("enforcement:apply", args=[case.pk]),
        anchor="proceedings",
        message=_("The enforcement was opened."),
        intro=_(
            "Apply within 2 years of the last day of the performance period (CPL art. 250). A late application "
            "is still recorded and flagged: the court refuses only if the debtor objects."
        ),
    )


@require_http_methods(GET_POST)
def record_edit(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    row = selectors.record_for_case(case=case, pk=pk)
    form = f.RecordForm(
        request.POST or None, initial={"version": row.version, "allocation_order": row.allocation_order}
    )
    return update(
        request,
        case=case,
        form=form,
        service=services.enforcement_record_update,
        arguments=lambda d: {"enforcement_record": row, **d},
        current=lambda: {"allocation_order": selectors.record_for_case(case=case, pk=pk).allocation_order},
        title=_("Order of payment"),
        action=reverse("enforcement:record_edit", args=[case.pk, pk]),
        anchor="money",
        message=_("The order of payment was saved."),
    )


@require_http_methods(GET_POST)
def search_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.SearchForm(request.POST or None, initial={"searched_on": _today()})
    form.limit(proceeding=_proceedings(case))
    return create(
        request,
        case=case,
        form=form,
        service=services.asset_search_record,
        arguments=lambda d: {"case": case, **d},
        title=_("Record an asset search"),
        action=reverse("enforcement:search_add", args=[case.pk]),
        anchor="searches",
        message=_("The asset search was recorded."),
    )


@require_http_methods(GET_POST)
def restriction_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.RestrictionForm(request.POST or None, initial={"applied_on": _today()})
    form.limit(party=_debtors(case), proceeding=_proceedings(case, ENFORCEMENT_KINDS))
    return create(
        request,
        case=case,
        form=form,
        service=services.restriction_apply,
        arguments=lambda d: {"case": case, **d},
        title=_("Apply for a restriction on a debtor"),
        action=reverse("enforcement:restriction_add", args=[case.pk]),
        anchor="restrictions",
        message=_("The restriction was recorded."),
    )


@require_http_methods(GET_POST)
def restriction_edit(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    row = selectors.restriction_for_case(case=case, pk=pk)
    form = f.RestrictionEditForm(request.POST or None, initial=f.RestrictionEditForm.initial_for(row))
    return update(
        request,
        case=case,
        form=form,
        service=services.restriction_update,
        arguments=lambda d: {"restriction": row, **d},
        current=lambda: f.RestrictionEditForm.initial_for(selectors.restriction_for_case(case=case, pk=pk)),
        title=_("%(restriction)s: %(debtor)s") % {"restriction": row.get_kind_display(), "debtor": row.party},
        action=reverse("enforcement:restriction_edit", args=[case.pk, pk]),
        anchor="restrictions",
        message=_("The restriction was saved."),
    )


@require_http_methods(GET_POST)
def auction_step_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    initial: dict[str, Any] = {"held_on": _today(), "online": True}
    if parse_id(request.GET.get("asset", "")) is not None:
        initial["asset"] = parse_id(request.GET["asset"])
    form = f.AuctionStepForm(request.POST or None, initial=initial)
    form.limit(asset=_assets(case))
    proceeding = _proceedings(case, ENFORCEMENT_KINDS).last()
    return create(
        request,
        case=case,
        form=form,
        service=services.auction_step_record,
        arguments=lambda d: {"case": case, "proceeding": proceeding, **d},
        title=_("Record an auction step"),
        action=reverse("enforcement:auction_step_add", args=[case.pk]),
        anchor="auctions",
        message=_("The auction step was recorded."),
        intro=_(
            "Appraisal, first auction, after a failed auction a second one (at most a fifth lower), then a sale or a "
            "settlement in kind. A settlement in kind is recorded as a recovery at its value."
        ),
    )


@require_http_methods(GET_POST)
def distribution_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.DistributionForm(request.POST or None, initial={"applied_on": _today()})
    proceeding = _proceedings(case, ENFORCEMENT_KINDS).last()
    return create(
        request,
        case=case,
        form=form,
        service=services.distribution_claim_add,
        arguments=lambda d: {"case": case, "proceeding": proceeding, **d},
        title=_("Apply to participate in a distribution"),
        action=reverse("enforcement:distribution_add", args=[case.pk]),
        anchor="distributions",
        message=_("The participation in the distribution was recorded."),
    )


@require_http_methods(GET_POST)
def distribution_edit(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    row = selectors.distribution_for_case(case=case, pk=pk)
    form = f.DistributionEditForm(request.POST or None, initial=f.DistributionEditForm.initial_for(row))
    return update(
        request,
        case=case,
        form=form,
        service=services.distribution_claim_update,
        arguments=lambda d: {"claim": row, **d},
        current=lambda: f.DistributionEditForm.initial_for(selectors.distribution_for_case(case=case, pk=pk)),
        title=_("Participation in distribution"),
        action=reverse("enforcement:distribution_edit", args=[case.pk, pk]),
        anchor="distributions",
        message=_("The participation in the distribution was saved."),
    )


@require_http_methods(GET_POST)
def payment_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.PaymentForm(request.POST or None, initial={"received_on": _today()})
    form.limit(proceeding=_proceedings(case, ENFORCEMENT_KINDS))
    return create(
        request,
        case=case,
        form=form,
        service=services.court_payment_record,
        arguments=lambda d: {"case": case, **d},
        title=_("Record money received in enforcement"),
        action=reverse("enforcement:payment_add", args=[case.pk]),
        anchor=lambda r: f"payment-{r.pk}",  # type: ignore[arg-type]
        message=_(
            "The money was recorded: the judgment debt is paid first, then the interest for delayed performance."
        ),
    )


@require_http_methods(GET_POST)
def settlement_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.SettlementForm(request.POST or None, initial={"agreed_on": _today()})
    form.limit(proceeding=_proceedings(case, ENFORCEMENT_KINDS))
    return create(
        request,
        case=case,
        form=form,
        service=services.settlement_record,
        arguments=lambda d: {"case": case, **d},
        title=_("Record a settlement in enforcement"),
        action=reverse("enforcement:settlement_add", args=[case.pk]),
        anchor="settlements",
        message=_("The settlement was recorded."),
    )


@require_http_methods(GET_POST)
def instalment_pay(request: HttpRequest, case_pk: int, pk: int, instalment_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    settlement = selectors.settlement_for_case(case=case, pk=pk)
    instalment = selectors.instalment_for_settlement(settlement=settlement, pk=instalment_pk)
    form = f.InstalmentPayForm(request.POST or None, initial={"version": settlement.version, "paid_on": _today()})
    return update(
        request,
        case=case,
        form=form,
        service=services.settlement_instalment_pay,
        arguments=lambda d: {"instalment": instalment, **d},
        current=lambda: {"version": selectors.settlement_for_case(case=case, pk=pk).version},
        title=_("Instalment %(seq)d paid") % {"seq": instalment.seq},
        action=reverse("enforcement:instalment_pay", args=[case.pk, pk, instalment_pk]),
        anchor="settlements",
        message=_("The payment was recorded."),
    )


@require_http_methods(GET_POST)
def settlement_breach(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    settlement = selectors.settlement_for_case(case=case, pk=pk)
    initial = {"version": settlement.version, "breached_on": _today(), "court": _default_court(case)}
    form = f.BreachForm(request.POST or None, initial=initial)
    return update(
        request,
        case=case,
        form=form,
        service=services.settlement_breach,
        arguments=lambda d: {"settlement": settlement, **d},
        current=lambda: {"version": selectors.settlement_for_case(case=case, pk=pk).version},
        title=_("The settlement was breached"),
        action=reverse("enforcement:settlement_breach", args=[case.pk, pk]),
        anchor="settlements",
        message=_("The breach was recorded."),
        intro=_("Apply to resume within 2 years of the settlement's last performance day."),
    )


@require_http_methods(GET_POST)
def objection_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    form = f.ObjectionForm(request.POST or None, initial={"filed_on": _today(), "court": _default_court(case)})
    return create(
        request,
        case=case,
        form=form,
        service=services.enforcement_objection_open,
        arguments=lambda d: {"case": case, **d},
        title=_("Record an enforcement objection or review"),
        action=reverse("enforcement:objection_add", args=[case.pk]),
        anchor="proceedings",
        message=_("The objection was added to the proceedings."),
    )


# --- 终本 and after ---------------------------------------------------------------------------------------------


@require_http_methods(GET_POST)
def terminate(request: HttpRequest, case_pk: int, proceeding_pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    proceeding = selectors.enforcement_proceeding_for_case(case=case, pk=proceeding_pk)
    initial = {"version": proceeding.version, "terminated_on": _today(), "review_months": 6}
    form = f.TerminateForm(request.POST or None, initial=initial)
    form.limit(asset_search=AssetSearch.objects.filter(case=case).order_by("-searched_on", "-pk"))
    return update(
        request,
        case=case,
        form=form,
        service=services.enforcement_terminate_for_now,
        arguments=lambda d: {"proceeding": proceeding, **d},
        current=lambda: {"version": selectors.enforcement_proceeding_for_case(case=case, pk=proceeding_pk).version},
        title=_("Enforcement terminated for now"),
        action=reverse("enforcement:terminate", args=[case.pk, proceeding_pk]),
        anchor="termination",
        message=_("The case is in the pool of enforcement terminated for now; its first review is scheduled."),
        intro=_("The debt survives. Choose the asset search that found nothing (or too little) to support it."),
    )


def _follow_up(case: Case, pk: int) -> FollowUp:
    return selectors.follow_up_for_case(case=case, pk=pk)


@require_http_methods(GET_POST)
def review_record(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    row = _follow_up(case, pk)
    if row.kind != FollowUp.Kind.TERMINATION_REVIEW:
        raise Http404("not a review")
    form = f.ReviewForm(request.POST or None, initial={"version": row.version, "reviewed_on": _today()})
    return update(
        request,
        case=case,
        form=form,
        service=services.termination_review_record,
        arguments=lambda d: {"follow_up": row, **d},
        current=lambda: {"version": _follow_up(case, pk).version},
        title=_("Review of the case terminated for now"),
        action=reverse("enforcement:review_record", args=[case.pk, pk]),
        anchor="termination",
        message=_("The review was recorded; the next one is scheduled."),
    )


@require_http_methods(GET_POST)
def follow_up_done(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    row = _follow_up(case, pk)
    form = f.FollowUpDoneForm(request.POST or None, initial={"version": row.version})
    return update(
        request,
        case=case,
        form=form,
        service=services.follow_up_close,
        arguments=lambda d: {"follow_up": row, **d},
        current=lambda: {"version": _follow_up(case, pk).version},
        title=row.get_kind_display(),
        action=reverse("enforcement:follow_up_done", args=[case.pk, pk]),
        anchor="follow-ups",
        message=_("The follow-up was closed."),
    )


@require_http_methods(GET_POST)
def resume(request: HttpRequest, case_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    termination: Termination = selectors.termination_for_case(case=case, pk=pk)
    initial = {"version": termination.version, "applied_on": _today(), "court": _default_court(case)}
    form = f.ResumeForm(request.POST or None, initial=initial)
    form.limit(lead=_assets(case).exclude(status__in=[Asset.Status.DISPOSED, Asset.Status.NO_VALUE]))
    return update(
        request,
        case=case,
        form=form,
        service=services.enforcement_resume,
        arguments=lambda d: {"termination": termination, **d},
        current=lambda: {"version": selectors.termination_for_case(case=case, pk=pk).version},
        title=_("Resume enforcement"),
        action=reverse("enforcement:resume", args=[case.pk, pk]),
        anchor="proceedings",
        message=_("Enforcement resumed."),
        intro=_("After a termination for now the application is not limited by the 2-year period."),
    )


# --- write-offs and transfers ---------------------------------------------------------------------------------------


@require_http_methods(GET_POST)
def write_off_add(request: HttpRequest, case_pk: int) -> HttpResponse:
    case = case_for_write_off(request, case_pk)
    form = f.WriteOffForm(request.POST or None, initial={"written_off_on": _today()})
    from loanlit.loans.models import LoanContract

    form.limit(loan=LoanContract.objects.filter(pk__in=CaseLoan.objects.filter(case=case).values("loan_id")))
    return create(
        request,
        case=case,
        form=form,
        service=services.write_off_record,
        arguments=lambda d: {"case": case, **d},
        title=_("Write off a loan"),
        action=reverse("enforcement:write_off_add", args=[case.pk]),
        anchor="write-offs",
        message=_("The loan was written off; the case stays open and later recoveries are reported separately."),
    )


@require_http_methods(GET_POST)
def evidence_edit(request: HttpRequest, case_pk: int, write_off_pk: int, pk: int) -> HttpResponse:
    case = case_for_write(request, case_pk)
    item: EvidenceItem = selectors.evidence_for_case(case=case, write_off_pk=write_off_pk, pk=pk)
    form = f.EvidenceForm(
        request.POST or None, initial={"version": item.version, "status": item.status, "reference": item.reference}
    )
    return update(
        request,
        case=case,
        form=form,
        service=services.evidence_update,
        arguments=lambda d: {"item": item, **d},
        current=lambda: {
            "status": selectors.evidence_for_case(case=case, write_off_pk=write_off_pk, pk=pk).status,
            "reference": selectors.evidence_for_case(case=case, write_off_pk=write_off_pk, pk=pk).reference,
        },
        title=item.get_kind_display(),
        action=reverse("enforcement:evidence_edit", args=[case.pk, write_off_pk, pk]),
        anchor=f"write-off-{write_off_pk}",
        message=_("The checklist was saved."),
    )


@require_http_methods(GET_POST)
def transfer_add(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.has_code(WRITE_OFF_CODE) or access.is_external_lawyer(user):  # type: ignore[union-attr]
        raise deny(request, WRITE_OFF_CODE)
    creditors = Creditor.objects.filter(pk__in=creditor_ids_for(user)).order_by("name")  # type: ignore[arg-type]
    form = f.TransferForm(request.POST or None, creditors=creditors, initial={"agreed_on": _today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        editable = access.cases_editable_by(user).filter(creditor=data["creditor"])
        found = {c.internal_no: c for c in editable.filter(internal_no__in=data["case_numbers"])}
        missing = [n for n in data["case_numbers"] if n not in found]
        if missing:
            form.add_error(
                "case_numbers",
                _("No case you may change has the number %(numbers)s.") % {"numbers": ", ".join(missing[:10])},
            )
        else:
            transfer = call_service(
                form,
                services.debt_transfer_record,
                actor=actor(request),
                creditor=data["creditor"],
                buyer=data["buyer"],
                buyer_uscc=data["buyer_uscc"],
                agreed_on=data["agreed_on"],
                base_date=data["base_date"],
                price=data["price"],
                cases=[found[n] for n in data["case_numbers"]],
                reference=data["reference"],
                note=data["note"],
            )
            if transfer is not None:
                return done(
                    request,
                    reverse("enforcement:transfer_detail", args=[transfer.pk]),
                    _("The debt transfer was recorded; each handler has a follow-up to change the party."),
                )
    from django.shortcuts import render

    return render(
        request,
        "enforcement/form_page.html",
        {
            "form": form,
            "title": _("Record a debt transfer"),
            "action": reverse("enforcement:transfer_add"),
            "case": None,
            "submit": _("Save"),
            "back_url": reverse("enforcement:transfer_list"),
            "intro": _("Recoveries after the base date belong to the buyer."),
        },
    )


__all__ = ["form_page", "page_url"]
