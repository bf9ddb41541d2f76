from django.urls import path

from loanlit.enforcement.views import edits, pages

app_name = "enforcement"

C = "case/<int:case_pk>/"

urlpatterns = [
    # cross-case lists
    path("dashboard/", pages.dashboard_panel, name="dashboard_panel"),
    path("measures/expiring/", pages.expiring_measures, name="expiring_measures"),
    path("terminated/", pages.termination_pool, name="termination_pool"),
    path("over-limit/", pages.over_limit, name="over_limit"),
    path("follow-ups/", pages.follow_ups, name="follow_ups"),
    path("transfers/", pages.transfer_list, name="transfer_list"),
    path("transfers/add/", edits.transfer_add, name="transfer_add"),
    path("transfers/<int:pk>/", pages.transfer_detail, name="transfer_detail"),
    # one case
    path(C, pages.case_enforcement, name="case"),
    path(C + "assets/add/", edits.asset_add, name="asset_add"),
    path(C + "assets/<int:pk>/edit/", edits.asset_edit, name="asset_edit"),
    path(C + "assets/<int:pk>/reveal/", pages.asset_reveal, name="asset_reveal"),
    path(C + "measures/add/", edits.measure_add, name="measure_add"),
    path(C + "measures/<int:pk>/renew/", edits.measure_renew, name="measure_renew"),
    path(C + "measures/<int:pk>/release/", edits.measure_release, name="measure_release"),
    path(C + "guarantees/add/", edits.guarantee_add, name="guarantee_add"),
    path(C + "apply/", edits.enforcement_apply, name="apply"),
    path(C + "records/<int:pk>/order/", edits.record_edit, name="record_edit"),
    path(C + "searches/add/", edits.search_add, name="search_add"),
    path(C + "restrictions/add/", edits.restriction_add, name="restriction_add"),
    path(C + "restrictions/<int:pk>/edit/", edits.restriction_edit, name="restriction_edit"),
    path(C + "auctions/add/", edits.auction_step_add, name="auction_step_add"),
    path(C + "distributions/add/", edits.distribution_add, name="distribution_add"),
    path(C + "distributions/<int:pk>/edit/", edits.distribution_edit, name="distribution_edit"),
    path(C + "payments/add/", edits.payment_add, name="payment_add"),
    path(C + "settlements/add/", edits.settlement_add, name="settlement_add"),
    path(C + "settlements/<int:pk>/instalments/<int:instalment_pk>/pay/", edits.instalment_pay, name="instalment_pay"),
    path(C + "settlements/<int:pk>/breach/", edits.settlement_breach, name="settlement_breach"),
    path(C + "objections/add/", edits.objection_add, name="objection_add"),
    path(C + "proceedings/<int:proceeding_pk>/terminate/", edits.terminate, name="terminate"),
    path(C + "follow-ups/<int:pk>/review/", edits.review_record, name="review_record"),
    path(C + "follow-ups/<int:pk>/done/", edits.follow_up_done, name="follow_up_done"),
    path(C + "terminations/<int:pk>/resume/", edits.resume, name="resume"),
    path(C + "write-offs/add/", edits.write_off_add, name="write_off_add"),
    path(C + "write-offs/<int:write_off_pk>/evidence/<int:pk>/", edits.evidence_edit, name="evidence_edit"),
]
