"""Reads of the docgen app."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from loanlit.cases.models import Case
from loanlit.docgen.models import DocTemplate, DocTemplateVersion, GeneratedDocument


def template_list() -> QuerySet[DocTemplate]:
    return DocTemplate.objects.select_related("category").prefetch_related("versions").order_by("order", "code")


def template_get(*, pk: int) -> DocTemplate:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(template_list(), pk=pk)


def templates_for_case(*, case: Case) -> list[DocTemplate]:
    """Active templates with a current version that fit the case's cause of action (or any cause)."""
    return list(
        DocTemplate.objects.filter(is_active=True, versions__is_current=True)
        .filter(Q(cause_of_action="") | Q(cause_of_action=case.cause_of_action))
        .select_related("category")
        .order_by("order", "code")
    )


def generated_for_case(*, user: Any, case: Case) -> QuerySet[GeneratedDocument]:
    """Generated documents of a case the caller already resolved through the case scope."""
    return (
        GeneratedDocument.objects.filter(case=case, document__deleted_at__isnull=True)
        .select_related("document", "template_version__template", "generated_by")
        .order_by("-created_at", "-pk")
    )


def current_version(template: DocTemplate) -> DocTemplateVersion | None:
    return next((v for v in template.versions.all() if v.is_current), None)
