"""Generating the element-style complaint for a case, stored through the document store."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from loanlit.audit.models import AccessLog, AuditEntry
from loanlit.core.errors import PermissionDeniedError
from loanlit.docgen import services
from loanlit.docgen.models import GeneratedDocument
from loanlit.docgen.tests.helpers import (
    editor_without_unmask,
    generation_of,
    media_files,
    paragraphs,
    stored_bytes,
    table_rows,
    value_of,
)
from loanlit.docgen.tests.support import BANK, BORROWER, CUT_OFF, GUARANTOR, build_world
from loanlit.documents.models import Document

CODE = "complaint_element_financial_loan"
NOW = dt.datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def world(personas):
    return build_world(personas)


def _generate(personas, world, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return services.document_generate(
            actor=personas.case_handler, case=world.case, template_code=CODE, cut_off=CUT_OFF, **kwargs
        )


def test_generated_element_complaint_shows_parties_amounts_and_dates_exactly(personas, world):
    document = _generate(personas, world)

    assert document.source == Document.Source.GENERATED
    assert document.category_id == "complaint"
    assert document.title == "民事起诉状（要素式·金融借款合同纠纷）"
    content = stored_bytes(document)
    rows = table_rows(content)
    assert value_of(rows, "名称") == BANK
    assert value_of(rows, "统一社会信用代码") == "91110000100000001X"
    assert value_of(rows, "法定代表人/主要负责人") == "李行长"
    assert value_of(rows, "姓名") == "case_handler"  # the agent
    assert value_of(rows, "姓名", 1) == BORROWER
    assert value_of(rows, "性别") == "☑男  □女"
    assert value_of(rows, "出生日期") == "1990年3月7日"
    assert value_of(rows, "证件号码") == world.ric  # in full: a court document
    assert value_of(rows, "联系电话", 2) == "13800130001"
    assert value_of(rows, "住所地（户籍所在地）") == "北京市朝阳区建国路8号"
    assert value_of(rows, "名称", 1) == GUARANTOR
    assert value_of(rows, "法定代表人/主要负责人", 1) == "赵&钱"
    assert value_of(rows, "1．本金：截至") == "2026年12月3日"
    assert value_of(rows, "尚欠本金（元）（人民币，下同；如外币需特别注明）") == "100,000.00"
    assert value_of(rows, "尚欠本金（大写）") == "壹拾万元整"
    assert value_of(rows, "欠利息（元）") == "4,246.90"
    assert value_of(rows, "其中期内利息（元）") == "3,000.00"
    assert value_of(rows, "罚息（违约金）（元）") == "1,234.56"
    assert value_of(rows, "复利（元）") == "12.34"
    assert value_of(rows, "8．标的总额（元）") == "104,246.90"
    assert value_of(rows, "标的总额（大写）") == "壹拾万肆仟贰佰肆拾陆元玖角"
    assert value_of(rows, "4．是否主张担保权利") == "☑是  □否"
    assert value_of(rows, "内容") == f"判令被告{GUARANTOR}对上述债务承担连带清偿责任"
    assert value_of(rows, "保证方式") == "□一般保证  ☑连带责任保证"
    assert value_of(rows, "约定期限") == "2023年1月10日起至2024年1月10日止"
    assert value_of(rows, "至今已逾期") == "1058天"
    texts = paragraphs(content)
    assert texts[:2] == ["民事起诉状", "（金融借款合同纠纷）"]
    assert "北京市朝阳区人民法院" in texts
    assert texts[-2:] == [f"具状人（签字、盖章）：{BANK}", "日期：2026年12月5日"]


def test_generation_records_the_version_the_elements_the_audit_and_the_read(personas, world):
    reads_before = AccessLog.objects.filter(action=AccessLog.Action.PERSONAL_DATA_READ).count()
    document = _generate(personas, world)

    generation = generation_of(document)
    assert generation.template_version.template.code == CODE
    assert generation.template_version.number == 1
    assert generation.cut_off == CUT_OFF
    claims = next(e for e in generation.elements if e["key"] == "claims")
    values = {row["key"]: row["value"] for row in claims["items"][0]}
    assert values["principal"] == "100,000.00"
    assert values["total"] == "104,246.90"
    assert values["total_words"] == "壹拾万肆仟贰佰肆拾陆元玖角"
    assert values["security_claim"] == "是"
    persons = next(e for e in generation.elements if e["key"] == "defendant_person")
    assert persons["repeat"] is True
    assert [{r["key"]: r["value"] for r in item}["name"] for item in persons["items"]] == [BORROWER]
    entry = AuditEntry.objects.get(action="docgen.document_generated")
    assert entry.stream == f"case:{world.case.pk}"
    assert entry.changes["template"] == CODE
    assert entry.changes["template_version"] == 1
    assert entry.changes["cut_off"] == "2026-12-03"
    assert AccessLog.objects.filter(action=AccessLog.Action.PERSONAL_DATA_READ).count() == reads_before + 1


def test_names_with_ampersand_and_angle_brackets_stay_valid_xml_and_print_literally(personas, world):
    content = stored_bytes(_generate(personas, world))

    xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode("utf-8")
    assert "A&amp;B融资担保有限公司" in xml
    assert "王&lt;某&gt;" in xml
    rows = table_rows(content)
    assert value_of(rows, "姓名", 1) == "王<某>"
    assert value_of(rows, "名称", 1) == "A&B融资担保有限公司"


def test_generation_without_the_personal_data_permission_is_refused_and_stores_nothing(
    personas, world, media_and_english
):
    editor = editor_without_unmask(personas)
    documents_before = Document.objects.count()
    audit_before = AuditEntry.objects.count()

    with pytest.raises(PermissionDeniedError):
        services.document_generate(actor=editor, case=world.case, template_code=CODE, cut_off=CUT_OFF)
    with pytest.raises(PermissionDeniedError):
        services.render_for_case(actor=editor, case=world.case, template_code=CODE)

    assert Document.objects.count() == documents_before
    assert GeneratedDocument.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert media_files(media_and_english / "media") == []
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED, username="editor_no_unmask").count() == 2


def test_render_for_case_returns_the_docx_bytes_without_storing(personas, world):
    with time_machine.travel(NOW, tick=False):
        content = services.render_for_case(actor=personas.case_handler, case=world.case, template_code=CODE)

    assert value_of(table_rows(content), "姓名", 1) == BORROWER
    assert Document.objects.count() == 0


def test_case_page_lists_templates_and_generates_a_linked_document(client, personas, world):
    url = reverse("docgen:case", args=[world.case.pk])
    with time_machine.travel(NOW, tick=False):
        client.force_login(personas.case_handler)
        page = client.get(url)
        response = client.post(url, {"template": CODE, "cut_off": "2026-12-03", "output": "docx"})
        after = client.get(url)

    assert page.status_code == 200
    assert CODE.encode() in page.content
    document = Document.objects.get(case=world.case)
    assert response.status_code == 302
    assert response["Location"] == f"{url}?generated={document.pk}"
    assert reverse("documents:document", args=[document.pk]).encode() in after.content
    assert generation_of(document).cut_off == CUT_OFF


def test_case_outside_the_users_scope_is_404_and_nothing_happens(client, personas, world):
    client.force_login(personas.outsider_branch)
    url = reverse("docgen:case", args=[world.case.pk])
    audit_before = AuditEntry.objects.count()

    assert client.get(url).status_code == 404
    assert client.post(url, {"template": CODE, "output": "docx"}).status_code == 404

    assert Document.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_viewer_without_edit_rights_cannot_generate(client, personas, world):
    client.force_login(personas.read_only)
    url = reverse("docgen:case", args=[world.case.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, {"template": CODE, "output": "docx"}).status_code == 403
    assert Document.objects.count() == 0


def test_case_page_shows_the_generate_panel(client, personas, world):
    client.force_login(personas.case_handler)

    page = client.get(world.case.get_absolute_url())

    assert page.status_code == 200
    assert f'href="{reverse("docgen:case", args=[world.case.pk])}" id="open-docgen"'.encode() in page.content
