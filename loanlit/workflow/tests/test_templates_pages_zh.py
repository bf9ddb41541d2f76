"""The template, bulk and case-panel pages render in zh-Hans (the primary language), not only in English."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation

from loanlit.workflow.models import WorkflowTemplate
from loanlit.workflow.services import templates as wf
from loanlit.workflow.tests.test_templates_support import open_case


def test_pages_render_in_chinese(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    builtin = WorkflowTemplate.objects.get(code="financial_loan_suit")
    wf.workflow_template_update(actor=None, template=builtin, version=builtin.version, is_default=True)
    case = open_case(personas)
    client.force_login(personas.legal_manager)
    with translation.override("zh-hans"):
        pages = [
            reverse("workflow:template_list"),
            reverse("workflow:template_detail", args=[builtin.pk]),
            reverse("workflow:version_publish", args=[builtin.pk]),
            reverse("workflow:template_migrate", args=[builtin.pk]),
            reverse("workflow:bulk_cases"),
            reverse("cases:case_detail", args=[case.pk]),
        ]
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
    body = client.get(reverse("cases:case_detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "\u91d1\u878d\u501f\u6b3e\u8bc9\u8bbc" in body  # the built-in template's name on the case panel
    assert "\u79bb\u5f00" in body  # the exit requirements heading
    detail = client.get(reverse("workflow:template_detail", args=[builtin.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "\u7248\u672c\u5386\u53f2" in detail.content.decode()  # version history
