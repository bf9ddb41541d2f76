"""/api/v1/imports/: submit a file to the import pipeline and follow it (see loanlit/api/base.py).

``POST`` (multipart: ``kind``, ``preset``, ``file``, optional ``creditor`` and ``unit``) is ``import_start``:
the file is stored encrypted and its analysis queued; the answer is the batch (202-style: poll it). ``GET``
on the batch gives its status, row counts, file-level problems, which rows have errors (field keys only:
the full texts, masked, are in the error report) and the job of the step in progress. ``commit`` is
``import_commit`` with the batch's version. Only the uploader moves an import on (the service: 403).
Reads are ``import_batches_for_user`` (own imports; every import of the creditors with jobs.view_all).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, parsers, routers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.accounts.selectors import creditors_visible_to, org_units_visible_to
from loanlit.api import base
from loanlit.api.v1.proceedings import FILTER_BACKENDS, VERSION_RESPONSES, WRITE_RESPONSES
from loanlit.imports import selectors as import_selectors
from loanlit.imports import services as import_services
from loanlit.imports.kinds.base import RowStatus
from loanlit.imports.models import ImportBatch, ImportRow
from loanlit.imports.services.common import permission_for

IMPORT_CODES = ("imports.run", "imports.progress")
ERROR_ROWS_SHOWN = 100


class ImportBatchSerializer(base.ModelSerializer):
    creditor = base.IdField(source="creditor_id", read_only=True)
    unit = base.IdField(source="unit_id", read_only=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True)
    job = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "preset",
            "status",
            "creditor",
            "unit",
            "file_name",
            "file_size",
            "file_sha256",
            "format",
            "row_count",
            "counts",
            "result",
            "problems",
            "error_message",
            "job",
            "links",
            "created_by",
            "committed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_job(self, obj: ImportBatch) -> dict[str, Any] | None:
        job = obj.job
        if job is None:
            return None
        return {
            "id": job.pk,
            "kind": job.kind,
            "state": job.state,
            "progress_done": job.progress_done,
            "progress_total": job.progress_total,
            "progress_message": job.progress_message,
            "error_count": job.error_count,
            "url": reverse("jobs:job_detail", args=[job.pk]),
        }

    def get_links(self, obj: ImportBatch) -> dict[str, str]:
        return {
            "page": reverse("imports:batch_detail", args=[obj.pk]),
            "error_report": reverse("imports:error_report", args=[obj.pk]),
        }


class ImportBatchDetailSerializer(ImportBatchSerializer):
    error_rows = serializers.SerializerMethodField()

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "error_rows"]
        read_only_fields = fields

    def get_error_rows(self, obj: ImportBatch) -> list[dict[str, Any]]:
        """Rows refused by validation: the row number and the fields concerned (no cell values here)."""
        rows = ImportRow.objects.filter(batch=obj, status=RowStatus.ERROR).order_by("number")[:ERROR_ROWS_SHOWN]
        return [
            {"row": row.number, "fields": sorted({e.get("field") or "" for e in row.errors if isinstance(e, dict)})}
            for row in rows.only("number", "errors")
        ]


class ImportStartSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=30)
    preset = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    file = serializers.FileField(help_text=gettext_lazy("The spreadsheet or CSV file (multipart/form-data)."))
    creditor = base.IdField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("Needed if you work for several.")
    )
    unit = base.IdField(required=False, allow_null=True, default=None)


class ImportCommitSerializer(base.VersionedSerializerMixin):
    pass


class ImportBatchFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=ImportBatch.Status.choices)

    class Meta:
        model = ImportBatch
        fields: list[str] = []


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": ImportStartSerializer},
        responses={201: ImportBatchDetailSerializer, **WRITE_RESPONSES},
        description="Start an import; poll the batch (or its job) until its status is preview, then commit.",
    ),
    retrieve=extend_schema(responses={200: ImportBatchDetailSerializer}),
)
class ImportBatchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet
):
    """Imports the user may see, newest first."""

    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get_queryset(self) -> QuerySet[ImportBatch]:
        return import_selectors.import_batches_for_user(self.request.user).order_by("-id")

    def get_serializer_class(self) -> Any:
        return ImportBatchSerializer if self.action == "list" else ImportBatchDetailSerializer

    def get_object(self) -> Any:
        try:
            pk = int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise Http404 from None
        batch = import_selectors.import_batch_get_for_user(self.request.user, pk)
        self.check_object_permissions(self.request, batch)
        return batch

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        if not any(user.has_code(code) for code in IMPORT_CODES):
            raise base.not_allowed(str(gettext_lazy("You may not run this kind of import.")))
        serializer = ImportStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        creditors = creditors_visible_to(user).order_by("pk")
        if data["creditor"]:
            creditor = creditors.filter(pk=data["creditor"]).first()
            if creditor is None:
                raise serializers.ValidationError({"creditor": [gettext_lazy("No such creditor.")]})
        else:
            found = list(creditors[:2])
            if len(found) != 1:
                raise serializers.ValidationError({"creditor": [gettext_lazy("Choose the creditor.")]})
            creditor = found[0]
        unit = None
        if data["unit"]:
            unit = org_units_visible_to(user).filter(pk=data["unit"]).first()
            if unit is None:
                raise serializers.ValidationError({"unit": [gettext_lazy("No such unit in your branch.")]})
        upload = data["file"]
        batch = import_services.import_start(
            actor=user,
            creditor=creditor,
            kind=data["kind"],
            file_name=upload.name or "",
            content=upload.read(),
            preset=data["preset"] or None,
            unit=unit,
        )
        return Response(ImportBatchDetailSerializer(self.get_object_for(batch.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImportCommitSerializer, responses={200: ImportBatchDetailSerializer, **VERSION_RESPONSES})
    @action(detail=True, methods=["post"], filter_backends=[])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        """Import the new and changed rows (queued as a job); ``version`` is the batch's."""
        batch = self.get_object()
        if not request.user.has_code(permission_for(batch.kind)):
            raise base.not_allowed()
        serializer = ImportCommitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = base.expected_version(request, request.data)
        import_services.import_commit(actor=request.user, batch=batch, version=version)
        return Response(ImportBatchDetailSerializer(self.get_object_for(batch.pk)).data)

    def get_object_for(self, pk: int) -> ImportBatch:
        return ImportBatch.objects.select_related("job").get(pk=pk)


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("imports", ImportBatchViewSet, basename="import")
