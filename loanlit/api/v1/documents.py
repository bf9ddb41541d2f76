"""/api/v1/documents/: a case's documents (metadata), uploads and downloads (see loanlit/api/base.py).

Reads are ``documents_visible_to`` (internal documents hidden from external lawyers; documents in the
recycle bin are left out). Uploads (multipart) go through ``document_add`` / ``version_add``, which stream
the file, check its size (``MAX_UPLOAD_BYTES``: 413) and type and write nothing on a refusal. A download is
the page's own view (``loanlit.documents.views.store.version_download``): the same scope, access log and
PDF watermark.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, QuerySet
from django.http import Http404, HttpResponseBase
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, routers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.api import base, errors
from loanlit.api.v1.proceedings import FILTER_BACKENDS, VERSION_RESPONSES, WRITE_RESPONSES, case_from
from loanlit.cases.models import Proceeding
from loanlit.core.errors import DomainError
from loanlit.documents import selectors as document_selectors
from loanlit.documents import services as document_services
from loanlit.documents.forms import split_tags
from loanlit.documents.models import Document, DocumentCategory, DocumentVersion
from loanlit.documents.views import store as store_views


class VersionSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.IntegerField(source="uploaded_by_id", read_only=True, allow_null=True)

    class Meta:
        model = DocumentVersion
        fields = ["number", "original_name", "size", "sha256", "content_type", "uploaded_by", "note", "created_at"]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    case = base.IdField(source="case_id", read_only=True)
    proceeding = base.IdField(source="proceeding_id", read_only=True, allow_null=True)
    category = serializers.CharField(source="category_id", read_only=True)
    current_version = VersionSerializer(read_only=True, allow_null=True)
    version_count = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "case",
            "proceeding",
            "category",
            "title",
            "tags",
            "doc_date",
            "source",
            "approval",
            "locked",
            "internal",
            "current_version",
            "version_count",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_version_count(self, obj: Document) -> int:
        count = getattr(obj, "version_count", None)
        return int(count) if count is not None else obj.versions.count()


class UploadSerializer(serializers.Serializer):
    case = base.IdField()
    file = serializers.FileField(help_text=gettext_lazy("The file (multipart/form-data)."))
    category = serializers.PrimaryKeyRelatedField(queryset=DocumentCategory.objects.filter(is_active=True))
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=Document.Source.choices, default=Document.Source.UPLOADED)
    proceeding = base.IdField(required=False, allow_null=True, default=None)
    doc_date = serializers.DateField(required=False, allow_null=True, default=None)
    tags = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=gettext_lazy("Comma-separated.")
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class VersionUploadSerializer(base.VersionedSerializerMixin):
    file = serializers.FileField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DocumentFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    proceeding = django_filters.NumberFilter(field_name="proceeding_id")
    category = django_filters.CharFilter(field_name="category_id")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Document
        fields: list[str] = []


def _refused(error: DomainError) -> Response:
    """A refused upload: the service's status, 413 for a file over the size limit (as the page answers)."""
    status_code = 413 if error.code == "too_large" else error.status_code
    return errors.error_response(status_code, error.code, error.message)


UPLOAD_RESPONSES = {**WRITE_RESPONSES, 413: OpenApiResponse(description="The file is over the upload limit.")}


@extend_schema_view(
    create=extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={201: DocumentSerializer, **UPLOAD_RESPONSES},
        description="Upload a file as a new document of the case (multipart/form-data).",
    )
)
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet):
    """Documents of the cases in scope, without those in the recycle bin."""

    required_code = "cases.view"
    required_codes = {"create": "cases.edit", "versions": "cases.edit"}
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "updated_at", "doc_date"]
    ordering = ["-id"]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    def get_queryset(self) -> QuerySet[Document]:
        return (
            document_selectors.documents_visible_to(self.request.user)
            .filter(deleted_at__isnull=True)
            .select_related("current_version")
            .annotate(version_count=Count("versions"))
            .order_by("-id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = UploadSerializer(data=request.data)
        case = case_from(serializer, request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proceeding = None
        if data["proceeding"]:
            proceeding = Proceeding.objects.filter(case=case, pk=data["proceeding"]).first()
            if proceeding is None:
                raise serializers.ValidationError({"proceeding": [gettext_lazy("No such proceeding on this case.")]})
        upload: UploadedFile = data["file"]
        try:
            document = document_services.document_add(
                actor=self.actor(),
                case=case,
                category=data["category"],
                title=data["title"],
                filename=upload.name or "",
                content=upload,
                source=data["source"],
                proceeding=proceeding,
                doc_date=data["doc_date"],
                tags=split_tags(data["tags"]),
                note=data["note"],
            )
        except DomainError as error:
            if error.status_code != 400:
                raise
            return _refused(error)
        return Response(
            DocumentSerializer(self.get_queryset().get(pk=document.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request={"multipart/form-data": VersionUploadSerializer},
        responses={201: VersionSerializer, **VERSION_RESPONSES, 413: UPLOAD_RESPONSES[413]},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """Upload a new version of the document; ``version`` is the document's (409 if stale)."""
        document = self.get_object()
        serializer = VersionUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = base.expected_version(request, request.data)
        upload: UploadedFile = serializer.validated_data["file"]
        try:
            row = document_services.version_add(
                actor=self.actor(),
                document=document,
                filename=upload.name or "",
                content=upload,
                version=version,
                note=serializer.validated_data["note"],
            )
        except DomainError as error:
            if error.status_code != 400:
                raise
            return _refused(error)
        return Response(VersionSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The file (PDFs watermarked with who and when)."
            ),
            404: OpenApiResponse(description="Missing, out of scope, or no such version."),
        },
    )
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]+)/download", filter_backends=[])
    def download(self, request: Request, pk: str | None = None, number: str | None = None) -> HttpResponseBase:
        """The stored file of version ``number``, streamed, access-logged exactly like the page's download."""
        try:
            document_pk, version_number = int(pk or ""), int(number or "")
        except ValueError:
            raise Http404 from None
        # The page's view: scope (404, logged when the id exists), access log, watermark, Content-Disposition.
        return store_views.version_download(request._request, pk=document_pk, number=version_number)


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("documents", DocumentViewSet, basename="document")
