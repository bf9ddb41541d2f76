from django.urls import include, path

from loanlit.cases import views

app_name = "cases"

PROCEEDING = "<int:pk>/proceedings/<int:proceeding_pk>/"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/tab/<slug:tab>/", views.case_tab, name="case_tab"),
    path("<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("<int:pk>/stage/", views.case_stage, name="case_stage"),
    path("<int:pk>/claim/", views.claim_compute, name="claim_compute"),
    path("<int:pk>/placement/", views.placement_add, name="placement_add"),
    path("<int:pk>/placement/recall/", views.placement_recall, name="placement_recall"),
    path("<int:pk>/proceedings/add/", views.proceeding_add, name="proceeding_add"),
    path(PROCEEDING + "edit/", views.proceeding_edit, name="proceeding_edit"),
    path(PROCEEDING + "result/", views.proceeding_result, name="proceeding_result"),
    path(PROCEEDING + "participants/add/", views.proceeding_party_add, name="proceeding_party_add"),
    path(PROCEEDING + "hearings/add/", views.hearing_add, name="hearing_add"),
    path(PROCEEDING + "service/add/", views.service_record_add, name="service_record_add"),
    path(PROCEEDING + "judgment/", views.judgment_record, name="judgment_record"),
    path("<int:pk>/costs/add/", views.cost_add, name="cost_add"),
    path("<int:pk>/recoveries/add/", views.recovery_add, name="recovery_add"),
    path("parties/<int:pk>/", views.party_detail, name="party_detail"),
    path("parties/<int:pk>/reveal/", views.party_reveal, name="party_reveal"),
    path("parties/<int:pk>/contacts/add/", views.party_contact_add, name="party_contact_add"),
    path("", include("loanlit.cases.urls_sharing")),
    path("", include("loanlit.cases.urls_retention")),
]
