"""Tasks (任务分配), mounted at /workflow/: my work, tasks, the team view and the hand-over."""

from django.urls import path

from loanlit.workflow.views import tasks as views

urlpatterns = [
    path("", views.my_work, name="my_work"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/new/case/<int:case_pk>/", views.task_new_for_case, name="task_new_for_case"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/status/", views.task_status, name="task_status"),
    path("tasks/<int:pk>/checklist/", views.task_checklist, name="task_checklist"),
    path("tasks/reassign/", views.tasks_reassign, name="tasks_reassign"),
    path("team/", views.team, name="team"),
    path("team/<int:user_pk>/", views.team_member, name="team_member"),
    path("handover/", views.handover, name="handover"),
]
