"""/api/v1/tasks/: workflow tasks (see loanlit/api/base.py for the rules every resource follows).

Reads are ``tasks_visible_to`` (the tasks of the cases the user sees, and their own tasks without a case);
create is ``task_create_ad_hoc`` (a case's editors, or a personal task), complete is ``task_complete``
(its assignee, its creator or an editor of its case) with the task's version. Like the pages, tasks need
no permission code of their own: the case scope and the services decide.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, routers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.accounts.models import User
from loanlit.api import base
from loanlit.api.v1.proceedings import FILTER_BACKENDS, VERSION_RESPONSES, WRITE_RESPONSES, visible_case
from loanlit.workflow import selectors_tasks as task_selectors
from loanlit.workflow.models import Task
from loanlit.workflow.services import tasks as task_services


class TaskSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id", read_only=True, allow_null=True)
    assignee = serializers.IntegerField(source="assignee_id", read_only=True, allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    completed_by = serializers.IntegerField(source="completed_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "case",
            "title",
            "description",
            "assignee",
            "assignee_role",
            "due_on",
            "priority",
            "status",
            "checklist",
            "completion_note",
            "completed_at",
            "completed_by",
            "created_by",
            "source",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    case = serializers.IntegerField(required=False, allow_null=True, default=None)
    assignee = serializers.IntegerField(required=False, allow_null=True, default=None)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=Task.Priority.choices, default=Task.Priority.NORMAL)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    checklist = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class TaskCompleteSerializer(base.VersionedSerializerMixin):
    completion_note = serializers.CharField(required=False, allow_blank=True, default="")


class TaskFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    assignee = django_filters.NumberFilter(field_name="assignee_id")
    status = django_filters.ChoiceFilter(choices=Task.Status.choices)
    priority = django_filters.ChoiceFilter(choices=Task.Priority.choices)
    due_from = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_on", lookup_expr="lte")

    class Meta:
        model = Task
        fields: list[str] = []


@extend_schema_view(
    create=extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer, **WRITE_RESPONSES})
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet):
    """Tasks in scope, every status unless ``?status=`` narrows."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "due_on", "updated_at"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Task]:
        filters = task_selectors.TaskFilters(status=task_selectors.STATUS_ALL)
        return task_selectors.tasks_for_user(self.request.user, filters).order_by("-id")

    def get_object(self) -> Any:
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise Http404 from None
        task = task_selectors.task_get_for_user(user=self.request.user, pk=pk)
        self.check_object_permissions(self.request, task)
        return task

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw_case = request.data.get("case") if hasattr(request.data, "get") else None
        case = visible_case(request.user, raw_case) if raw_case not in (None, "") else None
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignee = None
        if data["assignee"]:
            assignee = User.objects.filter(pk=data["assignee"], is_active=True).first()
            if assignee is None:
                raise serializers.ValidationError({"assignee": [gettext_lazy("No such active user.")]})
        task = task_services.task_create_ad_hoc(
            actor=self.actor(),
            title=data["title"],
            case=case,
            assignee=assignee,
            due_on=data["due_on"],
            priority=data["priority"],
            description=data["description"],
            checklist=data["checklist"],
        )
        return Response(TaskSerializer(self._fresh(task.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TaskCompleteSerializer, responses={200: TaskSerializer, **VERSION_RESPONSES})
    @action(detail=True, methods=["post"], filter_backends=[])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the task done; ``version`` is the task's (409 if someone changed it since)."""
        task = self.get_object()
        serializer = TaskCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = base.expected_version(request, request.data)
        task_services.task_complete(
            actor=self.actor(),
            task=task,
            version=version,
            completion_note=serializer.validated_data["completion_note"],
        )
        return Response(TaskSerializer(self._fresh(task.pk)).data)

    def _fresh(self, pk: int) -> Task:
        return Task.objects.select_related("case", "assignee").get(pk=pk)


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("tasks", TaskViewSet, basename="task")
