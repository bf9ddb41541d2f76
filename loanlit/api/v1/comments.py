"""/api/v1/comments/: comments on the cases in scope (see loanlit/api/base.py for the rules).

Reads are ``comments_visible_to`` (internal comments hidden from external lawyers); create is
``comment_post``: everyone who sees a case may comment, ``@username`` mentions are resolved by the service
exactly as on the page (only people who may see the comment are mentioned and notified), a reply joins
its parent's thread. Attachments are uploaded as documents (``/api/v1/documents/``), not here.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, routers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from loanlit.api import base
from loanlit.api.v1.proceedings import FILTER_BACKENDS, WRITE_RESPONSES, case_from
from loanlit.collaboration import selectors as comment_selectors
from loanlit.collaboration import services as comment_services
from loanlit.collaboration.models import Comment, Mention
from loanlit.documents import selectors as document_selectors


class CommentSerializer(serializers.ModelSerializer):
    case = base.IdField(source="case_id", read_only=True)
    document = base.IdField(source="document_id", read_only=True, allow_null=True)
    parent = base.IdField(source="parent_id", read_only=True, allow_null=True)
    author = serializers.IntegerField(source="author_id", read_only=True)
    author_name = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    mentions = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "case",
            "document",
            "parent",
            "author",
            "author_name",
            "body",
            "internal",
            "mentions",
            "edited_at",
            "is_deleted",
            "created_at",
        ]
        read_only_fields = fields

    def get_author_name(self, obj: Comment) -> str:
        return obj.author.get_full_name() or obj.author.username

    def get_body(self, obj: Comment) -> str:
        return "" if obj.is_deleted else obj.body

    def get_mentions(self, obj: Comment) -> list[str]:
        return [mention.user.username for mention in obj.mentions.all()]


class CommentCreateSerializer(serializers.Serializer):
    case = base.IdField()
    body = serializers.CharField(help_text=gettext_lazy("Markdown-like text; @username mentions a colleague."))
    internal = serializers.BooleanField(default=True)
    parent = base.IdField(required=False, allow_null=True, default=None)
    document = base.IdField(required=False, allow_null=True, default=None)


class CommentFilter(django_filters.FilterSet):
    case = django_filters.NumberFilter(field_name="case_id")
    document = django_filters.NumberFilter(field_name="document_id")
    parent = django_filters.NumberFilter(field_name="parent_id")
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Comment
        fields: list[str] = []


@extend_schema_view(
    create=extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer, **WRITE_RESPONSES})
)
class CommentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, base.GenericViewSet):
    """Comments and replies, newest first."""

    required_code = "cases.view"
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    filter_backends = FILTER_BACKENDS
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[Comment]:
        return (
            comment_selectors.comments_visible_to(self.request.user)
            .select_related("author")
            .prefetch_related(Prefetch("mentions", queryset=Mention.objects.select_related("user").order_by("pk")))
            .order_by("-id")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = CommentCreateSerializer(data=request.data)
        case = case_from(serializer, request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = document = None
        if data["parent"]:
            parent = comment_selectors.comments_visible_to(request.user).filter(case=case, pk=data["parent"]).first()
            if parent is None:
                raise serializers.ValidationError({"parent": [gettext_lazy("No such comment on this case.")]})
        if data["document"]:
            document = (
                document_selectors.documents_visible_to(request.user)
                .filter(case=case, pk=data["document"], deleted_at__isnull=True)
                .first()
            )
            if document is None:
                raise serializers.ValidationError({"document": [gettext_lazy("No such document on this case.")]})
        comment = comment_services.comment_post(
            actor=self.actor(),
            case=case,
            body=data["body"],
            internal=data["internal"],
            parent=parent,
            document=document,
        )
        return Response(CommentSerializer(self.get_queryset().get(pk=comment.pk)).data, status=status.HTTP_201_CREATED)


def register(router: routers.SimpleRouter) -> None:
    """Register this module's viewsets on the v1 router."""
    router.register("comments", CommentViewSet, basename="comment")
