from django.urls import path

from loanlit.deadlines import views
from loanlit.deadlines.views import reminders as reminder_views

app_name = "deadlines"
urlpatterns: list = [
    path("", views.deadline_list, name="list"),
    path("calendar/", views.deadline_calendar, name="calendar"),
    path("<int:pk>/", views.deadline_detail, name="detail"),
    path("<int:pk>/done/", views.deadline_done, name="done"),
    path("<int:pk>/waive/", views.deadline_waive, name="waive"),
    path("<int:pk>/override/", views.deadline_override, name="override"),
    path("case/<int:case_pk>/", views.deadline_case, name="case"),
    path("case/<int:case_pk>/fee-notice/", views.fee_notice_add, name="fee_notice_add"),
    path("case/<int:case_pk>/measure/", views.measure_add, name="measure_add"),
    path("loan/<int:loan_pk>/", views.deadline_loan, name="loan"),
    path("loan/<int:loan_pk>/collection/", views.collection_action_add, name="collection_action_add"),
    # reminders (policies, robots, delivery log) and the per-user ICS feed
    path("reminders/policies/", reminder_views.reminder_policy_list, name="reminder_policy_list"),
    path("reminders/policies/<slug:kind>/", reminder_views.reminder_policy_edit, name="reminder_policy_edit"),
    path(
        "reminders/policies/<slug:kind>/delete/", reminder_views.reminder_policy_delete, name="reminder_policy_delete"
    ),
    path("reminders/robots/", reminder_views.robot_list, name="robot_list"),
    path("reminders/robots/add/", reminder_views.robot_add, name="robot_add"),
    path("reminders/robots/<int:pk>/toggle/", reminder_views.robot_toggle, name="robot_toggle"),
    path("reminders/log/", reminder_views.reminder_log, name="reminder_log"),
    path("feed/", reminder_views.ics_feed_settings, name="ics_feed_settings"),
    path("feed/regenerate/", reminder_views.ics_feed_regenerate, name="ics_feed_regenerate"),
    path("feed/revoke/", reminder_views.ics_feed_revoke, name="ics_feed_revoke"),
    path("feed/<str:token>.ics", reminder_views.ics_feed, name="ics_feed"),
]
